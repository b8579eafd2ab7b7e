"""The production warehouse: Amazon Redshift through `redshift-connector`.

Loads run `COPY ... IAM_ROLE` from S3 with a manifest listing exactly the partition's files, into a
temporary table, then replace the partition with `DELETE` + `INSERT` in the same transaction (never
`TRUNCATE`, which commits on its own). Credentials come from `dagster.EnvVar` and never appear in SQL.
"""

from __future__ import annotations

import json
import uuid
from contextlib import contextmanager
from typing import Any, Iterator, Sequence

import sqlglot

from capstone_assets.lib import statements as st
from capstone_assets.lib.sql import ident
from capstone_assets.resources.lake import Lake
from capstone_assets.resources.warehouse import (
    LoadError,
    LoadOutcome,
    LoadRequest,
    Params,
    RejectedRow,
    Transaction,
    Warehouse,
    check_rejects,
)

MANIFEST_PREFIX = "_manifests"


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


class RedshiftWarehouse(Warehouse):
    host: str
    port: int = 5439
    database: str
    user: str
    password: str
    iam_role: str
    region: str | None = None

    @property
    def engine(self) -> str:
        return "redshift"

    def _connect(self):
        import redshift_connector

        return redshift_connector.connect(
            host=self.host, port=self.port, database=self.database, user=self.user, password=self.password
        )

    @contextmanager
    def _session(self) -> Iterator[Any]:
        connection = self._connect()
        try:
            connection.autocommit = False
            yield connection
        finally:
            connection.close()

    @contextmanager
    def transaction(self) -> Iterator[RedshiftTransaction]:
        with self._session() as connection:
            cursor = connection.cursor()
            try:
                yield RedshiftTransaction(cursor)
            except BaseException:
                connection.rollback()
                raise
            connection.commit()

    def copy_statement(self, request: LoadRequest, staging: str, manifest_uri: str, lake: Lake) -> str:
        columns = ", ".join(ident(column) for column, _ in request.file_fields)
        options = [f"IAM_ROLE {_literal(self.iam_role)}", "MANIFEST"]
        if self.region:
            options.append(f"REGION {_literal(self.region)}")
        if request.format == "csv":
            options += ["FORMAT AS CSV", "IGNOREHEADER 1", "DATEFORMAT 'auto'", "TIMEFORMAT 'auto'", "EMPTYASNULL",
                        "ENCODING UTF8"]
        else:
            jsonpaths = request.options.get("jsonpaths")
            # camelCase fields (`customerName`) match lower-case columns (`customername`) only case-insensitively
            auto = "auto ignorecase" if any(f != c and f.lower() == c for c, f in request.file_fields) else "auto"
            options.append(f"FORMAT AS JSON {_literal(lake.uri(jsonpaths)) if jsonpaths else _literal(auto)}")
            options.append("TIMEFORMAT 'epochmillisecs'" if request.options.get("epoch_millis") else "TIMEFORMAT 'auto'")
        options.append(f"MAXERROR {int(request.max_rejected_rows)}")
        return f"COPY {staging} ({columns}) FROM {_literal(manifest_uri)} " + " ".join(options)

    def export_parquet(self, select_sql: str, lake: Lake, prefix: str, partition_by: Sequence[str]) -> int:
        """UNLOAD to S3; the old export is removed first (S3 has no atomic folder swap)."""
        lake.delete_prefix(prefix)
        options = [f"IAM_ROLE {_literal(self.iam_role)}", "FORMAT AS PARQUET"]
        if partition_by:
            options.append(f"PARTITION BY ({', '.join(ident(c) for c in partition_by)})")
        if self.region:
            options.append(f"REGION {_literal(self.region)}")
        with self.transaction() as tx:
            query = sqlglot.parse_one(select_sql, read="redshift").sql("redshift")  # one line: no `--` comments
            tx.execute(f"UNLOAD ({_literal(query)}) TO {_literal(lake.uri(prefix.rstrip('/') + '/'))} " + " ".join(options))
            return int(tx.query("SELECT PG_LAST_UNLOAD_COUNT()")[0][0])

    def write_manifest(self, request: LoadRequest, lake: Lake) -> str:
        key = f"{MANIFEST_PREFIX}/{request.schema}/{request.table}/{uuid.uuid4().hex}.manifest"
        entries = [{"url": lake.uri(f.key), "mandatory": True, "meta": {"content_length": f.size}} for f in request.files]
        lake.write_bytes(key, json.dumps({"entries": entries}, indent=2).encode("utf-8"))
        return lake.uri(key)

    def load_batch(self, requests: Sequence[LoadRequest], lake: Lake) -> list[LoadOutcome]:
        """One COPY per request (COPY cannot tell which file a row came from), all in one transaction."""
        first = requests[0]
        staging = ident(f"_load_{first.table}"[:63])
        file_columns = [column for column, _ in first.file_fields]
        with self._session() as connection:
            cursor = connection.cursor()
            request, outcomes = first, []
            try:
                # only the file's columns, all nullable: (LIKE target) would copy NOT NULL on month/_source_file,
                # which COPY does not fill
                cursor.execute(st.create_table_as(
                    staging, f"SELECT {', '.join(ident(c) for c in file_columns)} FROM {first.target} WHERE 1 = 0",
                    temporary=True))
                for index, request in enumerate(requests):
                    if index:
                        cursor.execute(f"DELETE FROM {staging}")  # not TRUNCATE: it would commit
                    outcomes.append(self._replace_partition(cursor, request, staging, lake))
                connection.commit()
            except LoadError:
                connection.rollback()
                raise
            except Exception as error:
                connection.rollback()
                rejected = self._rejected(cursor)
                detail = "; ".join(r.describe() for r in rejected[:5]) or str(error)
                raise LoadError(f"load of {request.schema}.{request.table} {request.partition or ''} failed, "
                                f"nothing was changed: {detail}", rejected) from None
        return outcomes

    def _replace_partition(self, cursor, request: LoadRequest, staging: str, lake: Lake) -> LoadOutcome:
        manifest_uri = self.write_manifest(request, lake)
        source_file = request.source_key(request.files[0].key) if len(request.files) == 1 else manifest_uri
        file_columns = [column for column, _ in request.file_fields]
        target_columns = ", ".join(ident(c) for c in file_columns + list(request.partition) + ["_source_file"])
        select_list = ", ".join([ident(c) for c in file_columns] + ["%s"] * (len(request.partition) + 1))
        where, params = request.partition_filter()
        cursor.execute(self.copy_statement(request, staging, manifest_uri, lake))
        rejected = self._rejected(cursor)
        check_rejects(request, rejected)
        cursor.execute(f"DELETE FROM {request.target} WHERE {where}", tuple(params) or None)
        cursor.execute(
            f"INSERT INTO {request.target} ({target_columns}) SELECT {select_list} FROM {staging}",
            tuple(list(request.partition.values()) + [source_file]),
        )
        cursor.execute(f"SELECT COUNT(*) FROM {staging}")
        return LoadOutcome(rows=int(cursor.fetchone()[0]), rejected=tuple(rejected))

    @staticmethod
    def _rejected(cursor) -> list[RejectedRow]:
        """The rows the last COPY of this session rejected, from Redshift's load-error log."""
        cursor.execute(
            "SELECT TRIM(filename), line_number, TRIM(colname), TRIM(err_reason), TRIM(raw_line) "
            "FROM stl_load_errors WHERE query = pg_last_copy_id() ORDER BY line_number"
        )
        return [RejectedRow(file=f, line=line, column=col or None, reason=reason, raw=raw)
                for f, line, col, reason, raw in cursor.fetchall()]
