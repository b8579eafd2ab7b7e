"""The production warehouse: Amazon Redshift through `redshift-connector`.

- One connection per step (a `session()` block) or per run (inside a Dagster run), with a connect timeout and a
  statement timeout; password or IAM authentication (provisioned cluster or Serverless workgroup).
- Every write transaction locks the tables it writes first, and runs again (bounded, with backoff, logged) after a
  serialization conflict (error 1023) or a dropped connection (redshift_retry.py).
- Loads `COPY ... IAM_ROLE` from S3 into a temporary table so each row names its own file: a partition's small
  JSON files merged into a few scratch objects whose records carry `_source_file` (redshift_merge.py), every
  other file through a manifest naming exactly that file; then replace the partition with `DELETE` + `INSERT` in
  the same transaction (never `TRUNCATE`, which commits on its own). Rejected rows come from SYS_LOAD_ERROR_DETAIL
  (redshift_load_errors.py), and NaN/Infinity in a float column, which COPY loads, from redshift_misfits.py.
Credentials come from `dagster.EnvVar` and never appear in SQL.
"""

from __future__ import annotations

import contextlib
import json
import logging
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence, TypeVar

import redshift_connector
import sqlglot
from pydantic import PrivateAttr

from capstone_assets.lib import statements as st
from capstone_assets.lib.sql import ident, literal
from capstone_assets.resources.lake import Lake
from capstone_assets.resources.redshift_load_errors import CopyFailed, copy_error, skipped_rows
from capstone_assets.resources.redshift_merge import jsonpaths_with_source_file, merge_small_files, origin
from capstone_assets.resources.redshift_misfits import reject_non_finite
from capstone_assets.resources.redshift_retry import is_dropped_connection, is_retryable, retrying
from capstone_assets.resources.warehouse import (
    LoadError,
    LoadOutcome,
    LoadRequest,
    Params,
    RejectedRow,
    Transaction,
    Warehouse,
    check_rejects,
    confirm_unchanged,
)

MANIFEST_PREFIX = "_manifests"
T = TypeVar("T")
logger = logging.getLogger("capstone_assets.redshift")


@dataclass(frozen=True)
class FileCopy:
    """One COPY: its manifest, its s3:// URI, and the key `_source_file` names; for a merged object of small files
    (redshift_merge.py) the original (key, line) of each of its lines, and the JSONPaths file that adds
    `_source_file`, if the table has one."""

    manifest_uri: str
    uri: str
    source_key: str
    origins: tuple[tuple[str, int], ...] = ()
    jsonpaths: str | None = None

    @property
    def merged(self) -> bool:
        return bool(self.origins)

    def located(self, line: int | None) -> tuple[str, int | None]:
        """(original key, line) of a line of this COPY's object."""
        return origin(self.origins, line) or (self.source_key, line)


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
    def write_manifests(self, request: LoadRequest, lake: Lake, folder: str) -> list[FileCopy]:
        """One manifest per COPY under `folder`, which the load removes afterwards. COPY cannot tell which file a row
        came from: small JSON files are merged into a few objects whose records carry `_source_file`
        (redshift_merge.py); every other file is its own COPY."""
        merged, alone = merge_small_files(request, lake, folder)
        jsonpaths = request.options.get("jsonpaths")
        merged_jsonpaths = jsonpaths_with_source_file(lake, jsonpaths, folder) if merged and jsonpaths else None
        objects = [(obj.key, obj.size, request.source_key(obj.key), (), None) for obj in alone]
        objects += [(m.key, m.size, m.key, m.origins, merged_jsonpaths) for m in merged]
        copies = []
        for index, (object_key, size, source_key, origins, copy_jsonpaths) in enumerate(objects):
            key = f"{folder}{index:06d}.manifest"
            entry = {"url": lake.uri(object_key), "mandatory": True, "meta": {"content_length": size}}
            lake.write_bytes(key, json.dumps({"entries": [entry]}).encode("utf-8"))
            copies.append(FileCopy(lake.uri(key), lake.uri(object_key), source_key, origins, copy_jsonpaths))
        return copies

    def load_batch(self, requests: Sequence[LoadRequest], lake: Lake) -> list[LoadOutcome]:
        """Every request's files COPYed one by one into a temporary table (each row gets its own file's name), then
        each partition replaced (DELETE + INSERT), all in one transaction that first locks the table. A file
        Redshift rejects rows of fails the load as LoadError naming file, line and column (from
        SYS_LOAD_ERROR_DETAIL, read on this session after the rollback); other failures are raised as they are,
        after the retries a serialization conflict or a dropped connection earn. The manifests are removed after."""
        first = requests[0]
        folder = f"{MANIFEST_PREFIX}/{first.schema}/{first.table}/{uuid.uuid4().hex}/"
        try:
            copies = [self.write_manifests(request, lake, f"{folder}{position:05d}/")
                      for position, request in enumerate(requests)]
            with self.session():  # the load-error view is read on the load's own session
                try:
                    return self.write(lambda tx: self._load(tx, requests, copies, lake), lock=[first.target])
                except CopyFailed as failure:
                    raise copy_error(failure, self.query) from None
        finally:
            try:
                lake.delete_prefix(folder)
            except Exception as error:  # never hide the load's own outcome; the folder is only bookkeeping
                logger.warning("could not remove the manifests under %s: %s", folder, error)

    def _load(self, tx: RedshiftTransaction, requests: Sequence[LoadRequest], copies: Sequence[list[FileCopy]],
              lake: Lake) -> list[LoadOutcome]:
        first = requests[0]
        staging = ident(f"_load_{first.table}"[:63])
        file_columns = [column for column, _ in first.file_fields]
        # the file's columns and _source_file, all nullable (CREATE TABLE AS keeps no NOT NULL)
        tx.execute(st.create_table_as(
            staging, f"SELECT {', '.join(ident(c) for c in file_columns)}, \"_source_file\" FROM {first.target} WHERE 1 = 0",
            temporary=True))
        outcomes = []
        for index, (request, files) in enumerate(zip(requests, copies)):
            if index:
                tx.execute(f"DELETE FROM {staging}")  # not TRUNCATE: it would commit
            rejected: list[RejectedRow] = []
            for file in files:
                try:
                    tx.execute(self.copy_statement(request, staging, file.manifest_uri, lake,
                                                   compressed=file.uri.endswith(".gz"), with_source_file=file.merged,
                                                   jsonpaths=file.jsonpaths))
                except Exception as error:
                    if is_retryable(error):
                        raise
                    raise CopyFailed(request, file, error, tuple(rejected)) from error
                if len(files) > 1 and not file.merged:  # a merged object's records name their files themselves
                    tx.execute(f'UPDATE {staging} SET "_source_file" = {literal(file.source_key)} '
                               'WHERE "_source_file" IS NULL')
                if request.max_rejected_rows:  # COPY succeeded but may have skipped up to MAXERROR rows
                    rejected += skipped_rows(tx, file, self._connect)
            rejected += reject_non_finite(tx, request, staging, lake, rejected)  # NaN/Infinity COPY let in
            check_rejects(request, rejected)
            outcomes.append(LoadOutcome(rows=self._replace_partition(tx, request, staging, files), rejected=tuple(rejected)))
        tx.execute(st.drop("TABLE", staging))  # temporary tables live as long as the session
        confirm_unchanged(requests, lake)  # a file still being written is never committed
        return outcomes

    @staticmethod
    def _replace_partition(tx: RedshiftTransaction, request: LoadRequest, staging: str, files: list[FileCopy]) -> int:
        file_columns = [column for column, _ in request.file_fields]
        target_columns = ", ".join(ident(c) for c in file_columns + list(request.partition) + ["_source_file"])
        # literals, not parameters: Redshift cannot type a bind parameter in the select list of INSERT ... SELECT
        one_file = len(files) == 1 and not files[0].merged
        source_file = literal(files[0].source_key) if one_file else '"_source_file"'
        select_list = [ident(c) for c in file_columns] + [literal(v) for v in request.partition.values()] + [source_file]
        where, params = request.partition_filter()
        tx.execute(f"DELETE FROM {request.target} WHERE {where}", params)
        tx.execute(f"INSERT INTO {request.target} ({target_columns}) SELECT {', '.join(select_list)} FROM {staging}")
        return int(tx.query(f"SELECT COUNT(*) FROM {staging}")[0][0])
