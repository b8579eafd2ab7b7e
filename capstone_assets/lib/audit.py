"""The audit trail in schema `capstone`: every load, its files, every rejected row, every failed run.

Audit rows are written in their own transaction, so a rolled-back load still leaves its record. A load's files
have a table of their own (one row per file: a song load has thousands), and every text is cut to its column's
length in bytes, which is what Redshift's VARCHAR(n) counts.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import Sequence

from capstone_assets.lib.sql import cut_to_bytes, qualified, table_columns
from capstone_assets.lib.statements import insert_values
from capstone_assets.resources.warehouse import RejectedRow, Transaction, Warehouse
from capstone_assets.settings import AUDIT_SCHEMA

AUDIT_TABLES = ("load_audit", "load_files", "rejected_rows", "run_failures")
LOAD_AUDIT_COLUMNS = ("run_id", "asset", "partition_key", "files", "source_rows", "rows_loaded", "rows_rejected",
                      "status", "error", "started_at", "finished_at")
REJECTED_ROW_COLUMNS = ("run_id", "asset", "partition_key", "source_file", "line_number", "column_name", "reason",
                        "raw_line", "recorded_at")
LOAD_FILE_COLUMNS = ("run_id", "asset", "partition_key", "source_file", "recorded_at")
RUN_FAILURE_COLUMNS = ("run_id", "job_name", "assets", "partition_key", "error", "failed_at")
FILES_SHOWN = 20  # load_audit.files names the first files; capstone.load_files holds them all


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)


@functools.cache
def _byte_lengths(table: str) -> dict[str, int]:
    """Each VARCHAR(n)/CHAR(n) column of an audit table and its length in bytes, from the table's DDL file."""
    lengths = {}
    for column in table_columns(AUDIT_SCHEMA, table):
        match = re.match(r"^(?:VARCHAR|CHAR|CHARACTER VARYING|CHARACTER)\((\d+)\)$", column.redshift_type, re.IGNORECASE)
        if match:
            lengths[column.name] = int(match.group(1))
    return lengths


def fit(table: str, columns: Sequence[str], rows: Sequence[tuple]) -> list[tuple]:
    """`rows` with every text cut to its column's length in bytes."""
    lengths = [_byte_lengths(table).get(column) for column in columns]
    return [tuple(cut_to_bytes(value, length) if length and isinstance(value, str) else value
                  for value, length in zip(row, lengths)) for row in rows]


def files_summary(files: Sequence[str]) -> str:
    shown = ",".join(files[:FILES_SHOWN])
    return shown + (f",... and {len(files) - FILES_SHOWN} more (capstone.load_files)" if len(files) > FILES_SHOWN else "")


def ensure_audit_tables(warehouse: Warehouse) -> None:
    for table in AUDIT_TABLES:
        warehouse.ensure_table(AUDIT_SCHEMA, table)


@dataclass(frozen=True)
class LoadRecord:
    run_id: str
    asset: str
    partition: str
    files: Sequence[str]
    source_rows: int | None
    rows_loaded: int | None
    rejected: Sequence[RejectedRow]
    status: str
    error: str | None
    started_at: dt.datetime


def record_loads(warehouse: Warehouse, records: Sequence[LoadRecord]) -> None:
    """Every record, its files and its rejected rows, in one transaction."""
    ensure_audit_tables(warehouse)
    loads = fit("load_audit", LOAD_AUDIT_COLUMNS, [
        (record.run_id, record.asset, record.partition, files_summary(record.files), record.source_rows,
         record.rows_loaded, len(record.rejected), record.status, record.error or None, record.started_at, now())
        for record in records
    ])
    files = fit("load_files", LOAD_FILE_COLUMNS, [
        (record.run_id, record.asset, record.partition, file, now()) for record in records for file in record.files])
    rejected = fit("rejected_rows", REJECTED_ROW_COLUMNS, [
        (record.run_id, record.asset, record.partition, row.file, row.line, row.column, row.reason, row.raw or None, now())
        for record in records for row in record.rejected
    ])

    def write(tx: Transaction) -> None:
        tx.insert_rows(AUDIT_SCHEMA, "load_audit", LOAD_AUDIT_COLUMNS, loads)
        tx.insert_rows(AUDIT_SCHEMA, "load_files", LOAD_FILE_COLUMNS, files)
        tx.insert_rows(AUDIT_SCHEMA, "rejected_rows", REJECTED_ROW_COLUMNS, rejected)

    warehouse.write(write, lock=[qualified(AUDIT_SCHEMA, t) for t in ("load_audit", "load_files", "rejected_rows")])


def record_run_failure(warehouse: Warehouse, run_id: str, job_name: str, assets: Sequence[str],
                       partition: str | None, error: str) -> None:
    ensure_audit_tables(warehouse)
    (row,) = fit("run_failures", RUN_FAILURE_COLUMNS, [(run_id, job_name, ",".join(assets), partition, error, now())])
    warehouse.execute((insert_values(AUDIT_SCHEMA, "run_failures", RUN_FAILURE_COLUMNS), row),
                      lock=[qualified(AUDIT_SCHEMA, "run_failures")])
