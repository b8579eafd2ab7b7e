"""The production warehouse: Amazon Redshift through `redshift-connector`.

- One connection per step (a `session()` block) or per run (inside a Dagster run), with a connect timeout and a
  statement timeout; password or IAM authentication (provisioned cluster or Serverless workgroup).
- Every write transaction locks the tables it writes first, and runs again (bounded, with backoff, logged) after a
  serialization conflict (error 1023) or a dropped connection (redshift_retry.py).
- Loads (redshift_load.py) `COPY ... IAM_ROLE` from S3 into a temporary table so each row names its own file: a
  partition's small JSON files merged into a few scratch objects whose records carry `_source_file`
  (redshift_merge.py), every other file through a manifest naming exactly that file; then replace the partition
  with `DELETE` + `INSERT` in the same transaction (never `TRUNCATE`, which commits on its own). Rejected rows come
  from SYS_LOAD_ERROR_DETAIL (redshift_load_errors.py), and NaN/Infinity in a float column, which COPY loads, from
  redshift_misfits.py.
Credentials come from `dagster.EnvVar` and never appear in SQL.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence, TypeVar

import redshift_connector
import sqlglot
from pydantic import PrivateAttr

from capstone_assets.lib.sql import ident
from capstone_assets.resources.lake import Lake
from capstone_assets.resources.redshift_load import load_partitions, write_manifests
from capstone_assets.resources.redshift_load_errors import CopyFailed, copy_error
from capstone_assets.resources.redshift_retry import is_dropped_connection, retrying
from capstone_assets.resources.warehouse import (
    LoadError,
    LoadOutcome,
    LoadRequest,
    Params,
    Transaction,
    Warehouse,
)

MANIFEST_PREFIX = "_manifests"
T = TypeVar("T")
logger = logging.getLogger("capstone_assets.redshift")


# the exact-fit rules of lib/value_rules, in COPY's terms (docs/reliability.md: which COPY behaviour each relies on)
EXACT_DATEFORMAT = "DATEFORMAT 'YYYY-MM-DD'"
EXACT_TIMEFORMAT = "TIMEFORMAT 'YYYY-MM-DD HH:MI:SS'"


def _literal(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


class RedshiftTransaction(Transaction):
    def __init__(self, cursor):
        self.cursor = cursor
        self.last_columns: list[str] = []

    def execute(self, sql: str, params: Params = ()) -> None:
        self.cursor.execute(sql, tuple(params) or None)

    def query(self, sql: str, params: Params = ()) -> list[tuple]:
        self.cursor.execute(sql, tuple(params) or None)
        self.last_columns = [d[0] for d in self.cursor.description or []]
        return [tuple(row) for row in self.cursor.fetchall()]

    def lock(self, tables: Sequence[str]) -> None:
        if tables:  # one statement, in name order: two transactions locking the same tables cannot deadlock
            self.execute("LOCK " + ", ".join(sorted(set(tables))))


class RedshiftWarehouse(Warehouse):
    host: str | None = None  # optional with IAM: the driver finds the cluster or workgroup's endpoint
    port: int = 5439
    database: str
    user: str | None = None
    password: str | None = None  # password authentication; None with IAM
    iam_role: str  # COPY/UNLOAD's IAM_ROLE: 'default' or a role ARN
    region: str | None = None  # COPY's REGION, when the bucket is in another region than the cluster
    connect_timeout_seconds: int | None = 30
    statement_timeout_seconds: int | None = None  # sent as SET statement_timeout on every new connection
    iam: bool = False
    cluster_identifier: str | None = None  # IAM, provisioned
    serverless_work_group: str | None = None  # IAM, Serverless
    db_user: str | None = None  # IAM: the database user to sign in as
    cluster_region: str | None = None  # IAM: the cluster's or workgroup's region
    profile: str | None = None  # IAM: the AWS profile holding the credentials (default chain when None)
    write_attempts: int = 5  # tries of a transaction a serialization conflict or a dropped connection interrupts

    _connection: Any = PrivateAttr(default=None)
    _session_depth: int = PrivateAttr(default=0)
    _run_scoped: bool = PrivateAttr(default=False)

    @property
    def engine(self) -> str:
        return "redshift"

    def connection_params(self) -> dict[str, Any]:
        """`redshift_connector.connect`'s arguments: password or IAM authentication, and the connect timeout."""
        params: dict[str, Any] = {"host": self.host, "port": self.port, "database": self.database,
                                  "timeout": self.connect_timeout_seconds}
        if self.iam:
            params.update(iam=True, user="", password="", db_user=self.db_user or self.user, region=self.cluster_region,
                          profile=self.profile, cluster_identifier=self.cluster_identifier)
            if self.serverless_work_group:
                params.update(is_serverless=True, serverless_work_group=self.serverless_work_group)
        else:
            params.update(user=self.user, password=self.password)
        return {name: value for name, value in params.items() if value is not None}

    def _connect(self):
        connection = redshift_connector.connect(**self.connection_params())  # looked up at call time (tests patch it)
        try:
            # the driver's `timeout` stays on the socket and would bound every read (a 30 s query would fail): it is
            # meant for connecting only; a statement's time is bounded by the server (statement_timeout)
            socket_ = getattr(connection, "_usock", None)
            if socket_ is not None:
                socket_.settimeout(None)
            connection.autocommit = False
            if self.statement_timeout_seconds:
                connection.cursor().execute(f"SET statement_timeout TO {int(self.statement_timeout_seconds) * 1000}")
                connection.commit()
        except BaseException:
            connection.close()
            raise
        return connection

    # ---- one connection per step (a `session()` block) or per run (inside a Dagster run) -------------------------
    def setup_for_execution(self, context) -> None:
        self._run_scoped = True

    def teardown_after_execution(self, context) -> None:
        self._run_scoped = False
        self._close()

    @contextmanager
    def session(self) -> Iterator[None]:
        """Calls inside the block share one connection (opened on first use, reopened if it drops); inside a
        Dagster run it stays open until the run ends."""
        self._session_depth += 1
        try:
            yield
        finally:
            self._session_depth -= 1
            if not self._session_depth and not self._run_scoped:
                self._close()

    def _open(self):
        if self._connection is None:
            self._connection = self._connect()
        return self._connection

    def _close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):  # a dropped connection cannot be closed politely
                connection.close()

    @contextmanager
    def transaction(self) -> Iterator[RedshiftTransaction]:
        with self.session():
            connection = self._open()
            try:
                yield RedshiftTransaction(connection.cursor())
            except BaseException as error:
                try:
                    connection.rollback()
                except Exception:  # the connection is gone, and the server rolled the transaction back
                    self._close()
                else:
                    if is_dropped_connection(error):
                        self._close()
                raise
            try:
                connection.commit()
            except Exception:
                self._close()
                raise

    def _retrying(self, work: Callable[[], T], what: str) -> T:
        return retrying(work, self.write_attempts, what,
                        on_retry=lambda error: self._close() if is_dropped_connection(error) else None)

    def write(self, work: Callable[[Transaction], T], lock: Sequence[str] = ()) -> T:
        """One write transaction that locks `lock` first; run again (bounded, with backoff, logged) after a
        serialization conflict (error 1023) or a dropped connection."""
        return self._retrying(lambda: super(RedshiftWarehouse, self).write(work, lock),
                              f"write transaction on {', '.join(lock) or 'the warehouse'}")

    def query(self, sql: str, params: Params = ()) -> list[tuple]:
        return self._retrying(lambda: super(RedshiftWarehouse, self).query(sql, params), "query")

    def query_columns(self, sql: str, params: Params = ()) -> tuple[list[str], list[tuple]]:
        return self._retrying(lambda: super(RedshiftWarehouse, self).query_columns(sql, params), "query")

    @property
    def iam_role_option(self) -> str:
        """COPY/UNLOAD's authorization: `IAM_ROLE default` (the cluster's default role) or `IAM_ROLE '<arn>'`."""
        return "IAM_ROLE default" if self.iam_role.lower() == "default" else f"IAM_ROLE {_literal(self.iam_role)}"

    def copy_statement(self, request: LoadRequest, staging: str, manifest_uri: str, lake: Lake,
                       compressed: bool = False, with_source_file: bool = False, jsonpaths: str | None = None) -> str:
        """`with_source_file`: the object's records carry `_source_file` (a merged object; `jsonpaths` then names
        the JSONPaths file that reads it too)."""
        columns = ", ".join(ident(column) for column, _ in request.file_fields)
        columns += ', "_source_file"' if with_source_file else ""
        options = [self.iam_role_option, "MANIFEST"] + (["GZIP"] if compressed else [])  # a `.gz` upload
        if self.region:
            options.append(f"REGION {_literal(self.region)}")
        if request.format == "csv":
            if request.utc_offset_columns:  # COPY cannot convert offsets into a TIMESTAMP column: refuse, never truncate
                raise LoadError(f"{request.schema}.{request.table}: UTC-offset columns {list(request.utc_offset_columns)} "
                                "are converted only in JSON loads on Redshift; nothing was loaded")
            # explicit formats (not 'auto'): a time part in a DATE, an offset or a 'T' is rejected, never dropped
            options += ["FORMAT AS CSV", "IGNOREHEADER 1", EXACT_DATEFORMAT, EXACT_TIMEFORMAT, "EMPTYASNULL",
                        "ENCODING UTF8"]
        else:
            jsonpaths = jsonpaths or request.options.get("jsonpaths")
            # camelCase fields (`customerName`) match lower-case columns (`customername`) only case-insensitively
            auto = "auto ignorecase" if any(f != c and f.lower() == c for c, f in request.file_fields) else "auto"
            options.append(f"FORMAT AS JSON {_literal(lake.uri(jsonpaths)) if jsonpaths else _literal(auto)}")
            # JSON timestamps arrive as canonical UTC text (lib/json_rules converts declared UTC-offset columns)
            options.append("TIMEFORMAT 'epochmillisecs'" if request.options.get("epoch_millis") else EXACT_TIMEFORMAT)
        options.append(f"MAXERROR {int(request.max_rejected_rows)}")
        return f"COPY {staging} ({columns}) FROM {_literal(manifest_uri)} " + " ".join(options)

    def export_parquet(self, select_sql: str, lake: Lake, prefix: str, partition_by: Sequence[str]) -> int:
        """UNLOAD to S3 into `prefix`, a new version folder: nothing is deleted here, so readers keep the previous
        export (in its own folder) until the caller switches the catalogue and removes it (issue 13, defect 10)."""
        options = [self.iam_role_option, "FORMAT AS PARQUET"]
        if partition_by:
            options.append(f"PARTITION BY ({', '.join(ident(c) for c in partition_by)})")
        if self.region:
            options.append(f"REGION {_literal(self.region)}")
        with self.transaction() as tx:
            query = sqlglot.parse_one(select_sql, read="redshift").sql("redshift")  # one line: no `--` comments
            tx.execute(f"UNLOAD ({_literal(query)}) TO {_literal(lake.uri(prefix.rstrip('/') + '/'))} " + " ".join(options))
            return int(tx.query("SELECT PG_LAST_UNLOAD_COUNT()")[0][0])

    # ---- loads -----------------------------------------------------------------------------------------------------
    def load_batch(self, requests: Sequence[LoadRequest], lake: Lake) -> list[LoadOutcome]:
        """Every request's files COPYed one by one into a temporary table (each row gets its own file's name), then
        each partition replaced (DELETE + INSERT), all in one transaction that first locks the table. A file
        Redshift rejects rows of fails the load as LoadError naming file, line and column (from
        SYS_LOAD_ERROR_DETAIL, read on this session after the rollback); other failures are raised as they are,
        after the retries a serialization conflict or a dropped connection earn. The manifests are removed after."""
        first = requests[0]
        folder = f"{MANIFEST_PREFIX}/{first.schema}/{first.table}/{uuid.uuid4().hex}/"
        try:
            copies = [write_manifests(request, lake, f"{folder}{position:05d}/")
                      for position, request in enumerate(requests)]
            with self.session():  # the load-error view is read on the load's own session
                try:
                    return self.write(lambda tx: load_partitions(tx, requests, copies, lake, self.copy_statement,
                                                                 self._connect), lock=[first.target])
                except CopyFailed as failure:
                    raise copy_error(failure, self.query) from None
        finally:
            try:
                lake.delete_prefix(folder)
            except Exception as error:  # never hide the load's own outcome; the folder is only bookkeeping
                logger.warning("could not remove the manifests under %s: %s", folder, error)
