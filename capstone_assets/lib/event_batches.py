"""A ranged run's partition materializations written to the instance together, not one by one.

A step that materializes a range of partitions gives Dagster one materialization event per partition (480 for a
40-degree year). Dagster hands them to the event log storage as one batch when `DAGSTER_EVENT_BATCH_SIZE` is set
(it reads only the environment, at each event). Its PostgreSQL storage then writes a batch in one multi-row
INSERT and updates the asset's latest-materialization row once, with the last event; its SQLite storage (a
local `DAGSTER_HOME`, where `capstone run` records its runs) writes them one by one regardless, each event
serialized twice and its asset row rewritten. `write_batches_together` gives a SQLite event log the same batch
write as PostgreSQL's: the same rows in the same tables, so the UI shows exactly what it shows without batches.
"""

from __future__ import annotations

import types
from typing import ContextManager, Sequence

from dagster._core.events import DagsterEventType
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.schema import SqlEventLogStorageTable
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from capstone_assets.lib.environment_switch import environment_switch

BATCH_SWITCH = "DAGSTER_EVENT_BATCH_SIZE"  # read by DagsterInstance.handle_new_event
BATCH_SIZE = 1000  # events buffered at most before they are written (a step's range is flushed at its end anyway)
BATCH_WRITABLE = {DagsterEventType.ASSET_MATERIALIZATION, DagsterEventType.ASSET_OBSERVATION}  # as PostgreSQL's


def events_written_in_batches() -> ContextManager[None]:
    """While the block runs, Dagster hands a step's partition materializations to the storage as one batch."""
    return environment_switch(BATCH_SWITCH, str(BATCH_SIZE))


def write_batches_together(storage: SqliteEventLogStorage) -> None:
    """Replace the storage's `store_event_batch` (one `store_event` per event) by dagster-postgres's batch write,
    for a batch of one asset's materializations (or observations) in one run; anything else is written as before."""
    one_by_one = storage.store_event_batch

    def store_event_batch(self: SqliteEventLogStorage, events: Sequence[EventLogEntry]) -> None:
        if not _writable_together(events):
            one_by_one(events)
            return
        insert = self.prepare_insert_event_batch(events)
        with self.run_connection(events[0].run_id) as connection:  # the run's own file
            connection.execute(insert)
        with self.index_transaction() as connection:  # the index of every run's asset events
            # RETURNING lists rows in no set order; one INSERT numbers its rows in the order given
            ids = sorted(row[0] for row in connection.execute(insert.returning(SqlEventLogStorageTable.c.id)))
            self._store_asset_event_tags(connection, events, ids)
            self._store_asset_event(connection, events[-1], ids[-1])  # the asset's row: the last event wins

    storage.store_event_batch = types.MethodType(store_event_batch, storage)


def _writable_together(events: Sequence[EventLogEntry]) -> bool:
    if len(events) < 2 or not all(event.is_dagster_event for event in events):
        return False
    kinds = {event.get_dagster_event().event_type for event in events}
    assets = {event.get_dagster_event().asset_key for event in events}
    return (len(kinds) == 1 and kinds <= BATCH_WRITABLE and len(assets) == 1 and None not in assets
            and len({event.run_id for event in events}) == 1)
