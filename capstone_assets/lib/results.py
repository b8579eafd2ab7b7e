"""What every asset reports: row count, column schema, check results over the partitions it wrote."""

from __future__ import annotations

from typing import Any, Sequence

import dagster as dg

from capstone_assets.lib.partitions import partitions_filter
from capstone_assets.lib.checks import Check, count_bad_rows
from capstone_assets.lib.sql import Column, ident, qualified
from capstone_assets.resources.warehouse import Warehouse

Scope = tuple[str, list[Any]]


def scope_filter(partitions: Sequence[dict[str, Any]]) -> Scope:
    """SQL selecting the rows of the given partitions (`1 = 1` for an unpartitioned table)."""
    return partitions_filter(partitions)


def column_schema(columns: Sequence[Column]) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[
            dg.TableColumn(c.name, c.redshift_type.lower(), constraints=dg.TableColumnConstraints(nullable=not c.not_null))
            for c in columns
        ]
    )


def live_column_schema(warehouse: Warehouse, schema: str, table: str) -> dg.TableSchema:
    return dg.TableSchema(columns=[dg.TableColumn(name, data_type.lower()) for name, data_type in warehouse.table_schema(schema, table)])


def table_metadata(warehouse: Warehouse, schema: str, table: str, scope: Scope = ("1 = 1", [])) -> dict[str, Any]:
    where, params = scope
    rows = warehouse.query(f"SELECT COUNT(*) FROM {qualified(schema, table)} WHERE {where}", params)[0][0]
    return {
        "dagster/row_count": dg.MetadataValue.int(int(rows)),
        "dagster/column_schema": live_column_schema(warehouse, schema, table),
        "dagster/table_name": f"{schema}.{table}",
    }


def evaluate_checks(warehouse: Warehouse, schema: str, table: str, checks: Sequence[Check], scope: Scope) -> list[dg.AssetCheckResult]:
    """All bad-row counts in one query, then a sample only for the checks that failed. A check class that
    overrides `evaluate` (e.g. to list every bad row) is evaluated on its own."""
    where, params = scope
    target = qualified(schema, table)
    batched = [check for check in checks if type(check).evaluate is Check.evaluate]
    counts = dict(zip(map(id, batched), count_bad_rows(warehouse, target, batched, where, params)))
    return [check.result(warehouse, target, where, params, counts[id(check)]) if id(check) in counts
            else check.evaluate(warehouse, target, where, params) for check in checks]
