"""The embedded warehouse: one DuckDB file.

DuckDB allows one writing process per file, so every connection waits (bounded) for the lock
instead of failing on it. Every connection runs in UTC. A load's rejected rows are found in duckdb_rejects.py.
"""

from __future__ import annotations

import contextlib
import functools
import random
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Iterator, Sequence

import duckdb
from pydantic import PrivateAttr
from sqlglot import exp

from capstone_assets.lib.lineage import lineage_store
from capstone_assets.lib.sql import duckdb_string, ident, to_dialect, translation_store
from capstone_assets.lib.stored_memo import StoredMemo
from capstone_assets.lib.value_rules import sql_fit
from capstone_assets.resources.lake import Lake
from capstone_assets.resources.duckdb_rejects import misfits_left_out, reject_too_long, rejected_records
from capstone_assets.resources.warehouse import (
    LoadError,
    LoadOutcome,
    LoadRequest,
    Params,
    Transaction,
    Warehouse,
    batch_filter,
    check_rejects,
    confirm_unchanged,
)

LOCK_MESSAGES = ("Could not set lock", "Conflicting lock", "database is locked")
# DuckDB writes a commit to its log and checkpoints the log into the file once it holds 16 MB. A backfill's small
# partition loads (fewer rows than a row group) go through the log, so at 16 MB a scale-1 backfill checkpointed 14
# times (0.8 s of its commits); at 256 MB it checkpoints about once, when its connection closes. A large load
# writes its row groups straight to the file and is not affected; nor is peak memory (measured at scale 10).
CHECKPOINT_THRESHOLD = "256MB"
FIXED_WIDTH = (*exp.DataType.INTEGER_TYPES, *exp.DataType.REAL_TYPES, *exp.DataType.TEMPORAL_TYPES, exp.DataType.Type.BOOLEAN)


def translations_path(warehouse_path: str | Path) -> Path:
    """Beside the warehouse file: the Redshift -> DuckDB translations of the statements run on it."""
    return Path(str(warehouse_path) + ".translations.json")


def lineage_path(warehouse_path: str | Path) -> Path:
    """Beside the warehouse file: the column lineage traced for the models built in it."""
    return Path(str(warehouse_path) + ".lineage.json")


@functools.lru_cache(maxsize=None)  # a run asks about the same few type names hundreds of times
def _is_fixed_width(data_type: str) -> bool:
    try:
        return exp.DataType.build(data_type, dialect="duckdb").is_type(*FIXED_WIDTH)
    except Exception:  # a type sqlglot cannot parse: hashed, as strings are
        return False


class DuckDBTransaction(Transaction):
    def __init__(self, connection: duckdb.DuckDBPyConnection):
        self.connection = connection
        self.last_columns: list[str] = []

    def execute(self, sql: str, params: Params = ()) -> None:
        self.connection.execute(to_dialect(sql, "duckdb"), list(params))

    def query(self, sql: str, params: Params = ()) -> list[tuple]:
        cursor = self.connection.execute(to_dialect(sql, "duckdb"), list(params))
        self.last_columns = [d[0] for d in cursor.description or []]
        return cursor.fetchall()


class DuckDBWarehouse(Warehouse):
    path: str
    lock_timeout_seconds: float = 600.0
    memory_limit: str | None = None  # DuckDB memory_limit, e.g. "2GB"; a load streams within it

    _session_connection: duckdb.DuckDBPyConnection | None = PrivateAttr(default=None)
    _run_scoped: bool = PrivateAttr(default=False)
    _stored_memos: tuple[StoredMemo, ...] = PrivateAttr(default=())

    @property
    def engine(self) -> str:
        return "duckdb"

    def columns_sorting_fast(self, columns: Sequence[tuple[str, str]]) -> frozenset[str]:
        """The fixed-width columns (numbers, dates, times, booleans): DuckDB sorts them by radix; strings, lists and
        structs it compares one by one, and hashes faster."""
        return frozenset(name for name, data_type in columns if _is_fixed_width(data_type))

    def _memos(self) -> tuple[StoredMemo, ...]:
        """sqlglot's results stored beside the warehouse (read on the first connection, saved after each)."""
        if not self._stored_memos:
            self._stored_memos = (translation_store(translations_path(self.path)), lineage_store(lineage_path(self.path)))
            for memo in self._stored_memos:
                memo.load()
        return self._stored_memos

    def _save_memos(self) -> None:
        for memo in self._memos():
            memo.save()

    def _connect(self) -> duckdb.DuckDBPyConnection:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._memos()
        deadline = time.monotonic() + self.lock_timeout_seconds
        delay = 0.05
        while True:
            try:
                connection = duckdb.connect(self.path)
                connection.execute("SET TimeZone = 'UTC'")
                connection.execute(f"SET checkpoint_threshold = {duckdb_string(CHECKPOINT_THRESHOLD)}")
                if self.memory_limit:
                    connection.execute(f"SET memory_limit = {duckdb_string(self.memory_limit)}")
                return connection
            except duckdb.IOException as error:
                if not any(m in str(error) for m in LOCK_MESSAGES) or time.monotonic() + delay > deadline:
                    raise
                time.sleep(delay * (1 + random.random()))
                delay = min(delay * 2, 2.0)

    def setup_for_execution(self, context) -> None:
        self._run_scoped = True  # a run's steps share one connection (the in-process executor runs them all here)

    def teardown_after_execution(self, context) -> None:
        self._run_scoped = False
        self._close_session()

    @contextmanager
    def session(self) -> Iterator[None]:
        """Hold one connection (and so the file's write lock) for the block; calls inside reuse it. Inside a
        Dagster run it stays open until the run ends; a block that raises closes it."""
        outermost = self._session_connection is None
        if outermost:
            self._session_connection = self._connect()
        try:
            yield
        except BaseException:
            if outermost:
                self._close_session()
            raise
        if outermost and not self._run_scoped:
            self._close_session()

    def _close_session(self) -> None:
        if self._session_connection is not None:
            self._session_connection.close()
            self._session_connection = None
            self._save_memos()

    @contextmanager
    def connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if self._session_connection is not None:
            yield self._session_connection
            return
        connection = self._connect()
        try:
            yield connection
        finally:
            connection.close()
            self._save_memos()

    @contextmanager
    def transaction(self) -> Iterator[DuckDBTransaction]:
        with self.connection() as connection:
            connection.execute("BEGIN TRANSACTION")
            try:
                yield DuckDBTransaction(connection)
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    # A read is one statement, its own transaction in DuckDB: no BEGIN and COMMIT around it (a scale-1 backfill
    # makes about a hundred reads: catalog, counts, checks)
    def query(self, sql: str, params: Params = ()) -> list[tuple]:
        with self.connection() as connection:
            return DuckDBTransaction(connection).query(sql, params)

    def query_columns(self, sql: str, params: Params = ()) -> tuple[list[str], list[tuple]]:
        with self.connection() as connection:
            reader = DuckDBTransaction(connection)
            rows = reader.query(sql, params)
            return reader.last_columns, rows

    def export_parquet(self, select_sql: str, lake: Lake, prefix: str, partition_by: Sequence[str]) -> int:
        columns = ", ".join(ident(c) for c in partition_by)
        with tempfile.TemporaryDirectory(prefix="capstone-export-") as folder:
            with self.connection() as connection:
                # unpartitioned: one file in the folder (COPY would otherwise write the folder path as a file)
                target, options = (folder, f", PARTITION_BY ({columns}), OVERWRITE_OR_IGNORE") if partition_by else \
                    (str(Path(folder) / "part-0.parquet"), "")
                written = connection.execute(
                    f"COPY ({to_dialect(select_sql, 'duckdb')}) TO {duckdb_string(target)} (FORMAT PARQUET{options})"
                ).fetchone()
            lake.replace_prefix(Path(folder), prefix)
        return int(written[0]) if written else 0

    def load_batch(self, requests: Sequence[LoadRequest], lake: Lake) -> list[LoadOutcome]:
        """One read over every request's files; each row takes its partition from its file's row in `_load_files`."""
        first = requests[0]
        partition_columns = list(first.partition)
        types = {column.name: column.duckdb_type for column in first.columns}
        with ExitStack() as stack:
            files = [(str(stack.enter_context(lake.local_file(obj.key))), request.source_key(obj.key), request)
                     for request in requests for obj in request.files]
            stack.enter_context(self.session())
            connection = stack.enter_context(self.connection())
            # a loaded table has no row order to keep; not keeping it lets a large file stream within memory_limit
            connection.execute("SET preserve_insertion_order = false")
            stack.callback(self._reset_insertion_order, connection)  # after the commit or the rollback
            with self.transaction() as tx:
                definitions = ["path VARCHAR", "key VARCHAR"] + [f"{ident(c)} {types[c]}" for c in partition_columns]
                connection.execute(f"CREATE OR REPLACE TEMP TABLE _load_files ({', '.join(definitions)})")
                row = "(" + ", ".join("?" * len(definitions)) + ")"
                connection.execute(f"INSERT INTO _load_files VALUES {', '.join([row] * len(files))}",
                                   [v for path, key, request in files for v in (path, key, *request.partition.values())])
                where, params = batch_filter(requests)
                tx.execute(f"DELETE FROM {first.target} WHERE {where}", params)
                self._insert(connection, first, files)
                too_long = reject_too_long(tx, first, files, where, params)
                rows_by_file = dict(tx.query(
                    f"SELECT _source_file, COUNT(*) FROM {first.target} WHERE {where} GROUP BY _source_file", params))
                rejected = (rejected_records(connection) if first.format == "csv" else []) + too_long
                for request in requests:
                    keys = request.file_keys
                    rejected += misfits_left_out(request, files, rows_by_file, [row for row in rejected if row.file in keys])
                    check_rejects(request, [row for row in rejected if row.file in keys])
                confirm_unchanged(requests, lake)  # last thing before the commit
        outcomes = []
        for request in requests:
            keys = request.file_keys
            outcomes.append(LoadOutcome(rows=sum(rows_by_file.get(key, 0) for key in keys),
                                        rejected=tuple(row for row in rejected if row.file in keys)))
        return outcomes

    @staticmethod
    def _reset_insertion_order(connection: duckdb.DuckDBPyConnection) -> None:
        with contextlib.suppress(duckdb.Error):  # a connection a failure left unusable is closed anyway
            connection.execute("RESET preserve_insertion_order")

    def _source(self, request: LoadRequest, paths: list[str]) -> str:
        files = "[" + ", ".join(duckdb_string(p) for p in paths) + "]"
        types = {column.name: column.duckdb_type for column in request.columns}
        struct = "{" + ", ".join(f"{duckdb_string(field)}: {duckdb_string(types[column])}" for column, field in request.file_fields) + "}"
        if request.format == "csv":  # every field as text: `sql_fit` casts only the values that fit exactly
            struct = "{" + ", ".join(f"{duckdb_string(field)}: 'VARCHAR'" for _, field in request.file_fields) + "}"
            return (
                f"read_csv({files}, header = true, columns = {struct}, auto_detect = false, delim = ',', "
                "quote = '\"', escape = '\"', strict_mode = true, filename = true, store_rejects = true, "
                "rejects_table = '_rejects', rejects_scan = '_reject_scans')"
            )
        json_format = "newline_delimited" if request.format == "ndjson" else "auto"
        return f"read_json({files}, format = '{json_format}', columns = {struct}, filename = true)"

    def _insert(self, connection: duckdb.DuckDBPyConnection, request: LoadRequest,
                files: list[tuple[str, str, LoadRequest]]) -> None:
        table_columns = [column for column, _ in request.file_fields] + list(request.partition) + ["_source_file"]
        fits = ["TRUE"]
        if request.format == "csv":
            by_name = {column.name: column for column in request.columns}
            typed = [sql_fit(f"r.{ident(column)}", by_name[column], column in request.utc_offset_columns)
                     for column, _ in request.file_fields]
            select_list = [value for value, _ in typed]
            fits = [fit for _, fit in typed if fit != "TRUE"] or fits
        else:
            select_list = [f'"{field}" AS {ident(column)}' for column, field in request.file_fields]
        select_list += [f"f.{ident(column)}" for column in request.partition] + ["f.key"]
        sql = (
            f"INSERT INTO {request.target} ({', '.join(ident(c) for c in table_columns)}) "
            f"SELECT {', '.join(select_list)} FROM {self._source(request, [path for path, _, _ in files])} AS r "
            f"JOIN _load_files AS f ON r.filename = f.path WHERE {' AND '.join(fits)}"
        )
        try:
            connection.execute(sql)
        except duckdb.Error as error:
            message = str(error)
            for path, key, _ in files:
                message = message.replace(path, key)
            raise LoadError(f"load of {request.schema}.{request.table} failed, nothing was changed: {message}") from None
