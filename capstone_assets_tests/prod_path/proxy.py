"""The proxy connection around the real `redshift_connector` connection: Redshift-only statements emulated.

`RedshiftEmulator.connect(**params)` replaces `redshift_connector.connect` (conftest patches the module
attribute): it connects the real driver to PostgreSQL (with driver.py's connect-time adaptations) and wraps
the connection. Its cursors see every statement first:
- the Redshift-only rules (rules.py) are checked; a violation is recorded and raised;
- `COPY` and `UNLOAD` are emulated (copy_command.py, unload_command.py) on the caller's connection;
- the reviewed rewrites (rewrites.py) are applied; everything else runs verbatim on the server.
Every statement, as the product sent it, is kept in `emulator.statements` (for the SQL-file checks).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from capstone_assets_tests.prod_path import copy_command, copy_parser, rewrites, rules, unload_command
from capstone_assets_tests.prod_path.values import ColumnType

INSERT_ROWS = 2000


def _text_literal(value: str | None) -> str:
    """A text literal (standard_conforming_strings: only quotes are doubled), or NULL."""
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"


@dataclass
class SentStatement:
    sql: str
    params: Any
    session: int
    seconds: float = 0.0


@dataclass
class RedshiftEmulator:
    """Shared state of one test's emulated cluster: where it connects, its S3, and what it saw."""

    real_connect: Any  # the original redshift_connector.connect
    s3: Any  # boto3 S3 client on moto
    admin_dsn: dict  # superuser settings for writing the load-error log
    connect_overrides: dict = field(default_factory=dict)
    statements: list[SentStatement] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)  # statements breaking a Redshift-only rule
    refused: list[str] = field(default_factory=list)  # COPY/UNLOAD statements Redshift would refuse
    connections_opened: int = 0
    raise_violations: bool = True  # False: record violations only (a scenario run then goes on, and a test asserts)
    _query_ids: Any = field(default_factory=lambda: iter(range(1000, 10 ** 9)))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def connect(self, **params):
        params = {**params, **self.connect_overrides, "ssl": False}
        with self._lock:
            self.connections_opened += 1
        return ProxyConnection(self.real_connect(**params), self)

    def next_query_id(self) -> int:
        with self._lock:
            return next(self._query_ids)

    def record(self, sql: str, params, session: int) -> SentStatement:
        statement = SentStatement(sql, params, session)
        with self._lock:
            self.statements.append(statement)
        return statement

    def log_load_errors(self, rows_detail: list[tuple]) -> None:
        """Write the load-error log on its own autocommit connection: it survives the load's rollback."""
        import psycopg2

        connection = psycopg2.connect(**{k: v for k, v in self.admin_dsn.items() if k != "database"},
                                      dbname=self.admin_dsn["database"])
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.executemany("INSERT INTO public.sys_load_error_detail VALUES (" + ", ".join(["%s"] * 15) + ")",
                                   rows_detail)
        finally:
            connection.close()


class ProxyConnection:
    def __init__(self, real, emulator: RedshiftEmulator):
        self._real, self.emulator = real, emulator
        cursor = real.cursor()
        cursor.execute("SELECT pg_backend_pid()")
        self.session_id = int(cursor.fetchone()[0])
        real.rollback()  # leave the connection as the driver opened it (no transaction under way)

    def cursor(self):
        return ProxyCursor(self._real.cursor(), self)

    @property
    def autocommit(self):
        return self._real.autocommit

    @autocommit.setter
    def autocommit(self, value):
        self._real.autocommit = value

    def __getattr__(self, name):
        return getattr(self._real, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class ProxyCursor:
    def __init__(self, real, connection: ProxyConnection):
        self._real, self.connection = real, connection

    @property
    def emulator(self) -> RedshiftEmulator:
        return self.connection.emulator

    def execute(self, operation: str, args=None, *more, **options):
        statement = self.emulator.record(operation, args, self.connection.session_id)
        started = time.perf_counter()
        try:
            return self._execute(operation, args, *more, **options)
        finally:
            statement.seconds = time.perf_counter() - started

    def _execute(self, operation: str, args=None, *more, **options):
        try:
            rules.check(operation, args)
        except rules.RedshiftRuleViolation as violation:
            self.emulator.violations.append(str(violation))
            if self.emulator.raise_violations:
                raise
        head = operation.lstrip().split(None, 1)[0].upper() if operation.strip() else ""
        if head in ("COPY", "UNLOAD"):
            try:
                return self._copy(operation) if head == "COPY" else self._unload(operation)
            except copy_parser.CopyEmulationError as error:  # Redshift refuses it: an error on the server
                self.emulator.refused.append(str(error))
                return self._fail_on_server(str(error))
        return self._real.execute(rewrites.rewrite(operation), args, *more, **options)

    def executemany(self, operation: str, param_sets):
        for params in param_sets:
            self.execute(operation, params)
        return self

    # ---- COPY -------------------------------------------------------------------------------------------------
    def _target_columns(self, command: copy_parser.CopyCommand) -> tuple[int, list[ColumnType]]:
        self._real.execute(
            "SELECT a.attrelid::integer, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull "
            "FROM pg_attribute a WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped "
            "ORDER BY a.attnum", (command.table,))
        found = self._real.fetchall()
        if not found:
            raise copy_parser.CopyEmulationError(f"COPY target {command.table} has no columns")
        by_name = {name: ColumnType(name, sql_type, bool(not_null)) for _, name, sql_type, not_null in found}
        names = command.columns or list(by_name)
        missing = [n for n in names if n not in by_name]
        if missing:
            raise copy_parser.CopyEmulationError(f'column(s) {missing} of relation "{command.table}" do not exist')
        return int(found[0][0]), [by_name[n] for n in names]

    def _copy(self, sql: str):
        command = copy_parser.parse_copy(sql)
        table_id, columns = self._target_columns(command)
        query_id = self.emulator.next_query_id()
        self._real.execute("SELECT txid_current(), current_database(), now() AT TIME ZONE 'UTC', "
                           "(SELECT oid::integer FROM pg_roles WHERE rolname = current_user)")
        transaction_id, database, started, user_id = self._real.fetchone()
        result = copy_command.run_copy(command, columns, self.emulator.s3)
        if result.rejected:
            self._log_rejected(result.rejected, query_id, transaction_id, database, table_id, started, user_id)
        if len(result.rejected) > command.max_error:
            self._real.execute(f"SET redshift.last_copy_id = {int(query_id)}")
            table = command.table.split(".")[-1].strip('"')
            return self._fail_on_server(f"Load into table '{table}' failed. Check 'sys_load_error_detail' system "
                                        f"table for details.")
        names = ", ".join('"' + c.name + '"' for c in columns)
        casts = ", ".join(f"CAST(v{i} AS {c.sql_type})" for i, c in enumerate(columns))
        aliases = ", ".join(f"v{i}" for i in range(len(columns)))
        for start in range(0, len(result.rows), INSERT_ROWS):  # canonical text as literals: no parameter binding
            values = ", ".join("(" + ", ".join(_text_literal(v) for v in row) + ")"
                               for row in result.rows[start:start + INSERT_ROWS])
            self._real.execute(f"INSERT INTO {command.table} ({names}) SELECT {casts} FROM (VALUES {values}) AS v({aliases})")
        self._real.execute(f"SET redshift.last_copy_id = {int(query_id)}")  # a rollback undoes it, as on Redshift
        return self

    def _fail_on_server(self, message: str):
        """Raise `message` from the server itself: the driver raises its own error and the transaction aborts."""
        text = message.replace("'", "''").replace("%", "%%").replace("$$", "$ $")
        return self._real.execute(f"DO $$ BEGIN RAISE EXCEPTION '{text}' USING ERRCODE = 'XX000'; END $$")

    def _log_rejected(self, rejected, query_id, transaction_id, database, table_id, started, user_id) -> None:
        detail = []
        session = self.connection.session_id
        for row in rejected:
            column = row.column
            name = column.name if column else ""
            kind = column.redshift_type if column else ""
            length = str(column.length) if column and column.length else ""
            detail.append((user_id, query_id, transaction_id, session, database[:64], table_id, started,
                           row.file[:256], row.line, name, kind, length, row.position, row.code, row.message[:512]))
        self.emulator.log_load_errors(detail)

    # ---- UNLOAD -----------------------------------------------------------------------------------------------
    def _unload(self, sql: str):
        command = unload_command.parse_unload(sql)
        self._real.execute(rewrites.rewrite(command.query))
        names = [d[0] for d in self._real.description]
        type_codes = [d[1] for d in self._real.description]
        rows = [tuple(r) for r in self._real.fetchall()]
        count = unload_command.write_parquet(command, names, type_codes, rows, self.emulator.s3)
        self._real.execute(f"SET redshift.last_unload_count = {int(count)}")
        return self

    # ---- results: the real cursor's ------------------------------------------------------------------------------
    def __getattr__(self, name):
        return getattr(self._real, name)

    def __iter__(self):
        return iter(self._real)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._real.close()
