"""A ranged run's partition materializations handed to the instance's storage as one batch, not one by one.

A step that materializes a range of partitions gives Dagster one materialization event per partition (480 for a
40-degree year). Dagster hands them to the event log storage as one batch when `DAGSTER_EVENT_BATCH_SIZE` is set
(it reads only the environment, at each event). Its PostgreSQL storage then writes a batch in one multi-row
INSERT and updates the asset's latest-materialization row once, with the last event; its SQLite storage writes
them one by one regardless, so `capstone run` gives its SQLite event log the same batch write
(lib/instance_storage.py). This module stays light: the runner, hence every definitions load, imports it.
"""

from __future__ import annotations

from typing import ContextManager

from capstone_assets.lib.environment_switch import environment_switch

BATCH_SWITCH = "DAGSTER_EVENT_BATCH_SIZE"  # read by DagsterInstance.handle_new_event
BATCH_SIZE = 1000  # events buffered at most before they are written (a step's range is flushed at its end anyway)


def events_written_in_batches() -> ContextManager[None]:
    """While the block runs, Dagster hands a step's partition materializations to the storage as one batch."""
    return environment_switch(BATCH_SWITCH, str(BATCH_SIZE))
