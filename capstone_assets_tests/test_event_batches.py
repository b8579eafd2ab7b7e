"""A ranged run's partition materializations are written to a local (SQLite) instance as one batch
(lib/event_batches.py, lib/instance_storage.py): the same events, tags, partition status and latest materialization as one by one, in two
INSERTs (the run's file and the index) instead of two per partition."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import dagster as dg
import sqlalchemy as db

from capstone_assets import runner
from capstone_assets.lib.event_batches import BATCH_SIZE, BATCH_SWITCH, events_written_in_batches
from capstone_assets.lib.instance_storage import keep_connections_open

DEGREES, MONTHS = ["data_science", "data_engineering", "machine_learning"], ["2019-01-01", "2019-02-01"]
PARTITIONS = dg.MultiPartitionsDefinition({"degree": dg.StaticPartitionsDefinition(DEGREES),
                                           "month": dg.StaticPartitionsDefinition(MONTHS)})


@dg.asset(partitions_def=PARTITIONS, backfill_policy=dg.BackfillPolicy.single_run(),
          check_specs=[dg.AssetCheckSpec("rows_present", asset="enrolments")])
def enrolments(context) -> dg.MaterializeResult:
    for number, key in enumerate(context.partition_keys, start=1):  # each partition its own count, as lib/results does
        context.add_asset_metadata({"dagster/row_count": number * 10}, partition_key=key)
    return dg.MaterializeResult(check_results=[dg.AssetCheckResult(check_name="rows_present", passed=True)])


def recorded_backfill(instance: dg.DagsterInstance) -> dict:
    """Run the backfill of `enrolments` as `capstone run` does; everything the UI reads of it, and how many
    INSERTs into the event log tables it took."""
    inserts = []

    def count(_connection, _cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO EVENT_LOGS"):
            inserts.append(statement)

    defs = dg.Definitions(assets=[enrolments])
    db.event.listen(db.engine.Engine, "before_cursor_execute", count)
    try:
        report = runner.execute(defs, runner.plan(defs, "*"), instance=instance)
    finally:
        db.event.remove(db.engine.Engine, "before_cursor_execute", count)
    assert report.success
    (run,) = instance.get_runs()
    key = dg.AssetKey("enrolments")
    records = instance.fetch_materializations(key, limit=100).records
    with instance.event_log_storage.index_connection() as connection:
        tags = Counter((asset, name, "(the run's)" if name == "dagster/data_version" else value) for asset, name, value
                       in connection.execute(db.text("SELECT asset_key, key, value FROM asset_event_tags")))
    return {
        "event_types": Counter(e.dagster_event.event_type_value for e in instance.all_logs(run.run_id) if e.dagster_event),
        "row_counts": {r.partition_key: r.asset_materialization.metadata["dagster/row_count"].value for r in records},
        "tags": tags,
        "by_degree": sorted(r.partition_key for r in instance.fetch_materializations(
            dg.AssetRecordsFilter(key, asset_partitions=[str(dg.MultiPartitionKey({"degree": "data_science",
                                                                                   "month": m})) for m in MONTHS]),
            limit=100).records),
        "latest": instance.get_latest_materialization_event(key).dagster_event.partition,
        "status": set(instance.get_status_by_partition(key, PARTITIONS.get_partition_keys(), PARTITIONS).values()),
        "inserts": len(inserts),
    }


def backfill_in(home: Path, batched: bool) -> dict:
    home.mkdir()
    with dg.DagsterInstance.local_temp(str(home), overrides={"telemetry": {"enabled": False}}) as instance:
        if batched:
            keep_connections_open(instance)  # as `capstone run` does, which writes batches together
        return recorded_backfill(instance)


def test_a_ranged_runs_materializations_are_written_as_one_batch(tmp_path):
    one_by_one, batched = backfill_in(tmp_path / "one_by_one", False), backfill_in(tmp_path / "batched", True)
    partitions = len(DEGREES) * len(MONTHS)
    assert batched["status"] == {dg.AssetPartitionStatus.MATERIALIZED}
    assert len(batched["row_counts"]) == partitions and sorted(batched["row_counts"].values()) == [10, 20, 30, 40, 50, 60]
    assert batched["tags"] and batched["by_degree"] == sorted(
        str(dg.MultiPartitionKey({"degree": "data_science", "month": m})) for m in MONTHS)
    for what in ("event_types", "row_counts", "tags", "by_degree", "latest", "status"):
        assert batched[what] == one_by_one[what], what
    # each materialization went to the run's file and the index: 2 INSERTs per partition, or 2 for the batch
    assert one_by_one["inserts"] - batched["inserts"] == 2 * (partitions - 1)


def test_the_switch_holds_for_the_block_only(monkeypatch):
    monkeypatch.delenv(BATCH_SWITCH, raising=False)
    with events_written_in_batches():
        assert os.environ[BATCH_SWITCH] == str(BATCH_SIZE)
    assert BATCH_SWITCH not in os.environ
    monkeypatch.setenv(BATCH_SWITCH, "7")  # a user's own setting comes back after the run
    with events_written_in_batches():
        assert os.environ[BATCH_SWITCH] == str(BATCH_SIZE)
    assert os.environ[BATCH_SWITCH] == "7"
