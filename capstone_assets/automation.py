"""Platform-wide automation: a run-failure sensor that records the failure of any job."""

from __future__ import annotations

import dagster as dg

from capstone_assets.lib.audit import record_run_failure
from capstone_assets.resources.warehouse import Warehouse
from capstone_assets.runner import LAUNCHED_BY_TAG

RANGE_TAGS = ("dagster/asset_partition_range_start", "dagster/asset_partition_range_end")


def failed_assets(context: dg.RunFailureSensorContext) -> list[str]:
    run = context.dagster_run
    keys = run.asset_selection or set()
    if not keys:
        plan = context.instance.get_execution_plan_snapshot(run.execution_plan_snapshot_id) if run.execution_plan_snapshot_id else None
        keys = {key for step in (plan.steps if plan else []) for key in _step_keys(step)}
    return sorted(key.to_user_string() for key in keys)


def _step_keys(step) -> list[dg.AssetKey]:
    return [output.properties.asset_key for output in step.outputs
            if output.properties is not None and output.properties.asset_key is not None]


def failed_partition(run: dg.DagsterRun) -> str | None:
    if run.tags.get("dagster/partition"):
        return run.tags["dagster/partition"]
    start, end = (run.tags.get(tag) for tag in RANGE_TAGS)
    return f"{start}...{end}" if start else None


def root_cause(error) -> str:
    """The innermost message of a step's error (the LoadError, not Dagster's wrapper around it)."""
    while error.cause is not None:
        error = error.cause
    return f"{error.cls_name}: {error.message.strip()}" if error.cls_name else error.message.strip()


@dg.run_failure_sensor(
    name="capstone_run_failure_sensor",
    monitor_all_code_locations=True,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Records every failed run (any job): a log line and a row in capstone.run_failures.",
)
def run_failure_sensor(context: dg.RunFailureSensorContext, warehouse: Warehouse) -> None:
    run = context.dagster_run
    if run.tags.get(LAUNCHED_BY_TAG) == "cli":  # the CLI has recorded its own failure (runner.execute)
        return
    assets, partition = failed_assets(context), failed_partition(run)
    error = context.failure_event.message or "run failed"
    step_errors = [root_cause(e.event_specific_data.error) for e in context.get_step_failure_events()
                   if e.event_specific_data and e.event_specific_data.error]
    if step_errors:
        error = f"{error}: " + "; ".join(step_errors)
    context.log.error(f"run {run.run_id} of {run.job_name} failed (assets {assets or 'none'}, "
                      f"partition {partition or 'none'}): {error[:500]}")
    record_run_failure(warehouse, run.run_id, run.job_name, assets, partition, error)
