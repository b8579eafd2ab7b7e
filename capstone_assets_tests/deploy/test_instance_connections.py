"""`capstone run` on a PostgreSQL-backed instance (deploy/dagster.yaml's storage) keeps its storage connections
open: Dagster's PostgreSQL storage otherwise opens a new connection, a login and a server process, for every
event it writes (lib/instance_storage.py)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import psycopg2.extensions
import pytest
import yaml

from benchmarks.postgres_instance import instance_config
from capstone_assets.lib.instance_storage import EXTRA_CONNECTIONS, keep_connections_open
from capstone_assets_tests.helpers import connections_opened_by_backfill
from capstone_assets_tests.test_event_batches import PARTITIONS, backfill_in, recorded_backfill

pytestmark = pytest.mark.deploy


@dg.asset(partitions_def=dg.StaticPartitionsDefinition(["a", "b", "c", "d"]))
def numbers(context) -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"partitions": len(context.partition_keys)})


def connections_for_one_backfill(home: Path, pooled: bool) -> tuple[int, int]:
    """PostgreSQL connections opened while a ranged run of four partitions is executed and recorded; its events."""
    with dg.DagsterInstance.from_config(str(home)) as instance:
        if pooled:
            keep_connections_open(instance)
        opened = connections_opened_by_backfill(instance, dg.Definitions(assets=[numbers]), psycopg2.extensions.connection)
        events = sum(len(instance.all_logs(run.run_id)) for run in instance.get_runs())
    return opened, events


def test_a_run_reuses_its_connections(tmp_path, postgres_server):
    counts = {}
    for pooled in (False, True):
        home = tmp_path / f"home_{pooled}"
        home.mkdir()
        dsn = postgres_server.dsn(postgres_server.create_database("instance"))
        (home / "dagster.yaml").write_text(yaml.safe_dump(instance_config(dsn)))
        counts[pooled] = connections_for_one_backfill(home, pooled)
    (unpooled, events), (pooled, pooled_events) = counts[False], counts[True]
    assert pooled_events == events >= 10  # the same run, recorded the same way
    assert unpooled > events  # Dagster's default: more than one connection per event
    print(f"connections: {unpooled} by default, {pooled} kept open, for {events} events")
    assert pooled <= 3 * (1 + EXTRA_CONNECTIONS)  # per storage (runs, events, schedules): one kept open, the extras


def test_a_ranged_runs_materializations_are_written_as_one_batch(tmp_path, postgres_server):
    """The runner has Dagster hand a step's partition materializations to the storage as one batch; PostgreSQL's
    storage writes it with one INSERT, and records exactly what the local instance records one by one."""
    home = tmp_path / "postgres"
    home.mkdir()
    dsn = postgres_server.dsn(postgres_server.create_database("batches"))
    (home / "dagster.yaml").write_text(yaml.safe_dump(instance_config(dsn)))
    with dg.DagsterInstance.from_config(str(home)) as instance:
        keep_connections_open(instance)
        batched = recorded_backfill(instance)
    one_by_one = backfill_in(tmp_path / "sqlite", batched=False)
    for what in ("event_types", "row_counts", "tags", "by_degree", "latest", "status"):
        assert batched[what] == one_by_one[what], what
    stored = sum(batched["event_types"].values())
    assert batched["inserts"] == stored - (len(PARTITIONS.get_partition_keys()) - 1)  # one INSERT per event or batch
