"""What every asset reports: row count, column schema, check results over the partitions it wrote.

A run over several partitions (a backfill's ranged run) gives each partition its own row count, so the
UI's partition view shows what each holds rather than the run's total copied onto every partition.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Sequence

import dagster as dg

from capstone_assets.lib.partitions import partitions_filter
from capstone_assets.lib.checks import Check, count_bad_rows, missing_tables_result
from capstone_assets.lib.sql import Column, ident, inline, qualified
from capstone_assets.resources.warehouse import Warehouse

Scope = tuple[str, list[Any]]


def scope_filter(partitions: Sequence[dict[str, Any]]) -> Scope:
    """SQL selecting the rows of the given partitions (`1 = 1` for an unpartitioned table), its values as literals:
    the scope lands where Redshift refuses bind parameters (a model's CREATE TABLE ... AS, the scalar subqueries of
    the batched check query), so it carries none."""
    return inline(*partitions_filter(partitions)), []


def column_schema(columns: Sequence[Column]) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[
            dg.TableColumn(c.name, c.redshift_type.lower(), constraints=dg.TableColumnConstraints(nullable=not c.not_null))
            for c in columns
        ]
    )


def add_partition_metadata(context: dg.AssetExecutionContext, metadata_by_partition: Sequence[dict[str, Any]]) -> None:
    """Attach each entry to its partition's materialization; entries follow `context.partition_keys`' order, as
    `run_partitions` does."""
    keys = context.partition_keys
    if len(keys) != len(metadata_by_partition):
        raise ValueError(f"{len(metadata_by_partition)} partition metadata entries for {len(keys)} partitions")
    with _range_keys_listed_once(context.assets_def.partitions_def):
        for key, metadata in zip(keys, metadata_by_partition):
            context.add_asset_metadata(metadata, partition_key=key)


@contextmanager
def _range_keys_listed_once(partitions_def: dg.PartitionsDefinition) -> Iterator[None]:
    """Dagster's `add_asset_metadata(partition_key=...)` checks the key against the run's range by listing every key
    of the range again, at each call: for a multi-partitioned table that grows with the square of the partitions (a
    480-partition run spent a third of its time there). Within this block the definition lists a range once."""
    list_range = partitions_def.get_partition_keys_in_range
    listed: dict[tuple, Sequence[str]] = {}

    def listed_once(*args, **kwargs) -> Sequence[str]:
        key = (args, tuple(sorted(kwargs.items())))
        if key not in listed:
            listed[key] = list_range(*args, **kwargs)
        return listed[key]

    partitions_def.get_partition_keys_in_range = listed_once
    try:
        yield
    finally:
        del partitions_def.get_partition_keys_in_range  # the class's method again


def partition_row_counts(warehouse: Warehouse, schema: str, table: str, partitions: Sequence[dict[str, Any]],
                         scope: Scope) -> list[int]:
    """The rows each of `partitions` holds, in their order, in one query (`[{}]`: the rows in `scope`)."""
    columns = list(partitions[0])
    where, params = scope
    names = [ident(c) for c in columns]
    group_by = f" GROUP BY {', '.join(names)}" if names else ""
    counts = {tuple(row[:-1]): row[-1] for row in warehouse.query(
        f"SELECT {', '.join(names + ['COUNT(*)'])} FROM {qualified(schema, table)} WHERE {where}{group_by}", params)}
    return [int(counts.get(tuple(p[c] for c in columns), 0)) for p in partitions]


def live_column_schema(columns: Sequence[tuple[str, str]]) -> dg.TableSchema:
    return dg.TableSchema(columns=[dg.TableColumn(name, data_type.lower()) for name, data_type in columns])


def run_table_metadata(context: dg.AssetExecutionContext, warehouse: Warehouse, schema: str, table: str,
                       partitions: Sequence[dict[str, Any]], scope: Scope, count_rows: bool = True,
                       columns: Sequence[tuple[str, str]] | None = None) -> dict[str, Any]:
    """Row count, live column schema and name of what a run wrote. A partitioned table's row counts go to each
    partition's materialization, the run's total to `rows_in_run`. A view's rows are not counted (`count_rows`):
    counting would compute the whole view, and its rows are whatever it reads at the time. `columns`: the table's
    (column, type) as the caller read them after the run's writes; read here when not given."""
    live_columns = warehouse.table_schema(schema, table) if columns is None else columns
    metadata: dict[str, Any] = {
        "dagster/column_schema": live_column_schema(live_columns),
        "dagster/table_name": f"{schema}.{table}",
    }
    if not count_rows:
        return metadata
    counts = partition_row_counts(warehouse, schema, table, partitions or [{}], scope)
    if partitions and partitions[0]:
        metadata["rows_in_run"] = sum(counts)
        add_partition_metadata(context, [{"dagster/row_count": dg.MetadataValue.int(n)} for n in counts])
    else:
        metadata["dagster/row_count"] = dg.MetadataValue.int(counts[0])
    return metadata


def evaluate_checks(warehouse: Warehouse, schema: str, table: str, checks: Sequence[Check], scope: Scope,
                    columns: Sequence[tuple[str, str]] = ()) -> list[dg.AssetCheckResult]:
    """All bad-row counts in one query, then a sample only for the checks that failed. A check class that
    overrides `evaluate` (e.g. to list every bad row) is evaluated on its own. `columns`: the table's (column, type),
    when the caller knows them, to count each check the cheapest way (`Warehouse.columns_sorting_fast`)."""
    where, params = scope
    target = qualified(schema, table)
    sorts_fast = warehouse.columns_sorting_fast(columns)
    missing: dict[int, list[tuple[str, str]]] = {}
    batched = [check for check in checks if type(check).evaluate is Check.evaluate]
    try:
        counts = dict(zip(map(id, batched), count_bad_rows(warehouse, target, batched, where, params, sorts_fast)))
    except Exception:  # e.g. a reference check on a dimension never materialized: find which, run the others
        missing = _missing_tables(warehouse, checks)
        if not missing:
            raise
        batched = [check for check in batched if id(check) not in missing]
        counts = dict(zip(map(id, batched), count_bad_rows(warehouse, target, batched, where, params, sorts_fast)))
    return [missing_tables_result(check, missing[id(check)]) if id(check) in missing
            else check.result(warehouse, target, where, params, counts[id(check)]) if id(check) in counts
            else check.evaluate(warehouse, target, where, params) for check in checks]


def _missing_tables(warehouse: Warehouse, checks: Sequence[Check]) -> dict[int, list[tuple[str, str]]]:
    """The checks (by id) reading tables that do not exist, with those tables."""
    exists = {name: warehouse.table_exists(*name) for check in checks for name in check.requires}
    missing = {id(check): [name for name in check.requires if not exists[name]] for check in checks}
    return {key: names for key, names in missing.items() if names}
