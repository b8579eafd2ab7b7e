"""The audit trail in schema `capstone`: every load, every rejected row, every failed run.

Audit rows are written in their own transaction, so a rolled-back load still leaves its record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Sequence

from capstone_assets.lib.statements import insert_values
from capstone_assets.resources.warehouse import RejectedRow, Warehouse

AUDIT_SCHEMA = "capstone"
AUDIT_TABLES = ("load_audit", "rejected_rows", "run_failures")
LOAD_AUDIT_COLUMNS = ("run_id", "asset", "partition_key", "files", "source_rows", "rows_loaded", "rows_rejected",
                      "status", "error", "started_at", "finished_at")
REJECTED_ROW_COLUMNS = ("run_id", "asset", "partition_key", "source_file", "line_number", "column_name", "reason",
                        "raw_line", "recorded_at")
RUN_FAILURE_COLUMNS = ("run_id", "job_name", "assets", "partition_key", "error", "failed_at")


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)


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
    """Every record and its rejected rows, in one transaction."""
    ensure_audit_tables(warehouse)
    loads = [
        (record.run_id, record.asset, record.partition, ",".join(record.files), record.source_rows, record.rows_loaded,
         len(record.rejected), record.status, (record.error or "")[:60000] or None, record.started_at, now())
        for record in records
    ]
    rejected = [
        (record.run_id, record.asset, record.partition, row.file, row.line, row.column, row.reason[:60000],
         (row.raw or "")[:60000] or None, now())
        for record in records for row in record.rejected
    ]
    with warehouse.transaction() as tx:
        tx.insert_rows(AUDIT_SCHEMA, "load_audit", LOAD_AUDIT_COLUMNS, loads)
        tx.insert_rows(AUDIT_SCHEMA, "rejected_rows", REJECTED_ROW_COLUMNS, rejected)


def record_run_failure(warehouse: Warehouse, run_id: str, job_name: str, assets: Sequence[str],
                       partition: str | None, error: str) -> None:
    ensure_audit_tables(warehouse)
    warehouse.execute(
        (
            insert_values(AUDIT_SCHEMA, "run_failures", RUN_FAILURE_COLUMNS),
            (run_id, job_name, ",".join(assets), partition, error[:60000], now()),
        )
    )
