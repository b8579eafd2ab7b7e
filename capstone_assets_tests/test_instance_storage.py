"""`capstone run` on a local (SQLite) instance keeps its event log connections open (lib/instance_storage.py):
the same events, written through a few connections instead of several per event, each committed at once, so
another process (the UI) reads them while the run's process still holds its connections."""

from __future__ import annotations

import sqlite3

import dagster as dg

from capstone_assets.lib.instance_storage import keep_connections_open
from capstone_assets_tests.helpers import connections_opened_by_backfill


@dg.asset(partitions_def=dg.StaticPartitionsDefinition(["a", "b", "c", "d"]),
          check_specs=[dg.AssetCheckSpec("positive", asset="numbers")])
def numbers(context) -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"partitions": len(context.partition_keys)},
                                check_results=[dg.AssetCheckResult(check_name="positive", passed=True)])


def one_backfill(home, kept_open: bool) -> tuple[int, list[str], str]:
    """SQLite connections opened while a ranged run of four partitions runs; the event types another instance on
    the same folder reads before this one is closed; the run's `synchronous` setting."""
    home.mkdir()
    with dg.DagsterInstance.local_temp(str(home), overrides={"telemetry": {"enabled": False}}) as instance:
        if kept_open:
            keep_connections_open(instance)
        connections = connections_opened_by_backfill(instance, dg.Definitions(assets=[numbers]), sqlite3.Connection)
        (run,) = instance.get_runs()
        with instance.event_log_storage.run_connection(run.run_id) as connection:
            synchronous = connection.exec_driver_sql("PRAGMA synchronous").scalar()
        with dg.DagsterInstance.local_temp(str(home), overrides={"telemetry": {"enabled": False}}) as reader:
            seen = [entry.dagster_event.event_type_value for entry in reader.all_logs(run.run_id) if entry.dagster_event]
            status = reader.get_status_by_partition(dg.AssetKey("numbers"), ["a", "b", "c", "d"], numbers.partitions_def)
            assert set(status.values()) == {dg.AssetPartitionStatus.MATERIALIZED}
    return connections, sorted(seen), {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}[synchronous]


def test_a_run_keeps_its_event_log_connections_open(tmp_path):
    (default, default_events, default_sync), (kept, kept_events, kept_sync) = (
        one_backfill(tmp_path / "default", False), one_backfill(tmp_path / "kept", True))
    assert kept_events == default_events and len(default_events) >= 15  # the same run, recorded the same way
    assert default > len(default_events)  # Dagster's default: more than one connection per event
    assert kept <= 12, kept  # a few per file (the run's, the index, runs.db), not several per event
    print(f"SQLite connections: {default} by default, {kept} kept open, for {len(kept_events)} events")
    print(f"SQLite connections: {default} by default, {kept} kept open, for {len(kept_events)} events")
    assert (default_sync, kept_sync) == ("FULL", "NORMAL")
