"""A ranged run's planned partitions as one event per asset, with failed partitions still shown failed.

Before a run starts, Dagster writes one ASSET_MATERIALIZATION_PLANNED event per partition of every asset in
it (480 partitions x 4 staged tables = 1,920 events for a 40-degree year): the partition status the UI shows
("failed" = planned by a run that failed, with no materialization since) is read from them. With
DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS, Dagster writes one event per asset carrying the partition
range instead, but then a failed run leaves its partitions with no status at all. So the runner turns it on
for its runs and, when a run fails, writes the per-partition planned events of what the run did not
materialize, attributed to the failed run: the status then reads "failed" exactly as without the setting.
"""

from __future__ import annotations

import logging
from typing import ContextManager

import dagster as dg
from dagster._core.events import AssetMaterializationPlannedData, DagsterEvent, DagsterEventType

from capstone_assets.lib.environment_switch import environment_switch

# Read by Dagster's event log storage itself (EventLogStorage.supports_partition_subset_in_..._planned_events).
SUBSET_SWITCH = "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS"


ENABLED = True  # the benchmark turns it off to measure the difference (benchmarks/pipeline.py --planned-per-partition)


def planned_partitions_as_subsets() -> ContextManager[None]:
    """While the block runs, Dagster plans a ranged run's partitions as one event per asset (if ENABLED)."""
    return environment_switch(SUBSET_SWITCH, "true" if ENABLED else None)


def mark_unmaterialized_partitions(instance: dg.DagsterInstance, run_id: str) -> int:
    """After a failed run: one planned event per partition that a subset event planned and the run did not
    materialize, so the partition status shows them failed. Returns how many were written."""
    records = instance.get_records_for_run(run_id, of_type={DagsterEventType.ASSET_MATERIALIZATION_PLANNED,
                                                            DagsterEventType.ASSET_MATERIALIZATION}).records
    materialized = {(r.event_log_entry.dagster_event.asset_key, r.event_log_entry.dagster_event.partition)
                    for r in records if r.event_log_entry.dagster_event.is_step_materialization}
    written = 0
    for record in records:
        event = record.event_log_entry.dagster_event
        planned = event.event_specific_data
        if event.event_type != DagsterEventType.ASSET_MATERIALIZATION_PLANNED or planned.partitions_subset is None:
            continue
        for key in planned.partitions_subset.get_partition_keys():
            if (planned.asset_key, key) in materialized:
                continue
            instance.report_dagster_event(DagsterEvent.build_asset_materialization_planned_event(
                event.job_name, event.step_key, AssetMaterializationPlannedData(planned.asset_key, partition=key)),
                run_id, logging.DEBUG)
            written += 1
    return written
