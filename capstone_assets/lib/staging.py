"""The one factory for staged tables: a `StageSpec` in, an asset with its default checks out."""


from typing import Callable, Sequence

import dagster as dg

from capstone_assets.lib import checks as c
from capstone_assets.lib.checks import default_checks
from capstone_assets.lib.loading import PartitionLoad, load_partitions
from capstone_assets.lib.partitions import describe, run_partitions
from capstone_assets.lib.results import (add_partition_metadata, column_schema, evaluate_checks, partition_row_counts,
                                         scope_filter)
from capstone_assets.lib.specs import StageSpec, partition_columns
from capstone_assets.resources.lake import Lake, is_transient
from capstone_assets.resources.warehouse import FileChanged, Warehouse

WAREHOUSE_POOL = "warehouse"
ROW_COUNT_CHECK = "row_count_matches_source"


def row_count_check(warehouse: Warehouse, spec: StageSpec, loads: Sequence[PartitionLoad]) -> dg.AssetCheckResult:
    partitions = [load.partition for load in loads]
    in_table = partition_row_counts(warehouse, spec.group, spec.name, partitions, scope_filter(partitions))
    mismatches = []
    for load, rows in zip(loads, in_table):
        expected = load.source_rows - len(load.rejected)
        if rows != expected:
            mismatches.append(f"{describe(load.partition)}: {rows} rows in the table, {expected} expected "
                              f"({load.source_rows} in {len(load.files)} file(s) less {len(load.rejected)} rejected)")
    return dg.AssetCheckResult(
        check_name=ROW_COUNT_CHECK,
        passed=not mismatches,
        metadata={
            "partitions_checked": len(loads),
            "source_rows": sum(load.source_rows for load in loads),
            "rejected_rows": sum(len(load.rejected) for load in loads),
            "mismatches": dg.MetadataValue.md("\n".join(f"- {m}" for m in mismatches) or "none"),
        },
    )


def report_partial_loads(context: dg.AssetExecutionContext, spec: StageSpec, partitions: Sequence[dict],
                         loads: Sequence[PartitionLoad]) -> None:
    """A step that fails after some of its partitions loaded (one by one) still records those as materialized,
    so the UI and the CLI's closing table show what is in the table."""
    if spec.partitions is None or not loads:
        return
    keys = list(context.partition_keys)
    for load in loads:
        key = keys[list(partitions).index(load.partition)]
        context.log_event(dg.AssetMaterialization(asset_key=spec.key, partition=str(key), metadata=load_metadata(load)))


def materialize_stage(context: dg.AssetExecutionContext, spec: StageSpec, checks: Sequence[c.Check], lake: Lake,
                      warehouse: Warehouse) -> dg.MaterializeResult:
    warehouse.ensure_table(spec.group, spec.name)
    partitions = run_partitions(context, spec.partitions)
    try:
        loads = load_partitions(spec, partitions, lake, warehouse, context.run.run_id)
    except Exception as error:
        if is_transient(error) or isinstance(error, FileChanged):  # a file still being written may be complete soon
            raise dg.RetryRequested(max_retries=3, seconds_to_wait=5) from error
        report_partial_loads(context, spec, partitions, getattr(error, "loaded", ()))
        raise
    for load in loads:
        for refused in load.refused:  # strays beside the partition's files: named, never loaded
            context.log.warning(f"{spec.group}.{spec.name} {describe(load.partition)}: not loaded: {refused}")
    context.log.info(f"{spec.group}.{spec.name}: {sum(load.rows for load in loads)} rows in {len(loads)} partition(s) "
                     f"from {sum(len(load.files) for load in loads)} file(s), "
                     f"{sum(len(load.rejected) for load in loads)} rejected")
    scope = scope_filter([load.partition for load in loads])
    results = evaluate_checks(warehouse, spec.group, spec.name, checks, scope,
                              columns=[(column.name, column.duckdb_type) for column in spec.columns])
    results.append(row_count_check(warehouse, spec, loads))
    # the columns are the DDL's (the asset's definition metadata shows them); the counts come from the load itself
    metadata: dict = {"dagster/table_name": f"{spec.group}.{spec.name}"}
    if spec.partitions is None:
        (load,) = loads
        metadata.update(load_metadata(load))
    else:
        metadata["partitions_in_run"] = len(loads)
        add_partition_metadata(context, [load_metadata(load) for load in loads])
    return dg.MaterializeResult(metadata=metadata, check_results=results)


def load_metadata(load: PartitionLoad) -> dict:
    metadata = {
        "dagster/row_count": dg.MetadataValue.int(load.rows),
        "rows_rejected": len(load.rejected),
        "source_rows": load.source_rows,
        "source_files": dg.MetadataValue.md("\n".join(f"- `{f.key}`" for f in load.files[:50])
                                            + (f"\n- ... and {len(load.files) - 50} more" if len(load.files) > 50 else "")),
    }
    if load.refused:  # strays beside the partition's files, named and not loaded
        metadata["refused_files"] = dg.MetadataValue.md("\n".join(f"- `{r.key}`: {r.reason}" for r in load.refused))
    return metadata


def build_stage_asset(spec: StageSpec, resolve: Callable[..., StageSpec] | None = None) -> dg.AssetsDefinition:
    """`resolve(context, spec, lake)`, if given, narrows the spec for one run (e.g. to the one file it must load)."""
    checks = default_checks(spec)
    check_specs = [check.spec(spec.key) for check in checks]
    check_specs.append(dg.AssetCheckSpec(
        ROW_COUNT_CHECK, asset=spec.key, blocking=True,
        description="each partition written holds exactly the data rows of its source files, less rejected rows",
    ))

    @dg.asset(
        key=spec.key,
        group_name=spec.group,
        description=spec.description or f"Raw rows of `{spec.path}` ({spec.format}), with partition and source-file columns.",
        partitions_def=spec.partitions,
        backfill_policy=dg.BackfillPolicy.single_run() if spec.partitions else None,
        deps=sorted({ref.asset_key for ref in spec.references}, key=str),
        check_specs=check_specs,
        kinds={"sql", spec.format},
        pool=WAREHOUSE_POOL,
        metadata={
            "dagster/table_name": f"{spec.group}.{spec.name}",
            "dagster/column_schema": column_schema(spec.columns),
            "lake_path": spec.path,
            "partition_columns": ", ".join(partition_columns(spec.partitions)) or "none",
        },
    )
    def stage(context: dg.AssetExecutionContext, lake: Lake, warehouse: Warehouse) -> dg.MaterializeResult:
        lake = lake.for_group(spec.group)  # the group's raw files where they are (CAPSTONE_SOURCE_<GROUP>)
        with warehouse.session():
            run_spec = resolve(context, spec, lake) if resolve else spec
            return materialize_stage(context, run_spec, checks, lake, warehouse)

    return stage
