"""A ranged run's planned partitions as one event per asset (capstone_assets/lib/planned_events.py): the same
tables, checksum for checksum, and the same per-partition status in the instance as one event per partition,
including the partitions of a failed run, which Dagster alone would leave with no status."""

from __future__ import annotations

import dagster as dg
import pytest
from dagster._core.events import DagsterEventType

from capstone_assets.definitions import build_definitions
from capstone_assets.learning.generator import generate
from capstone_assets.lib import planned_events
from capstone_assets_tests.helpers import materialize
from capstone_assets_tests.reliability.test_idempotence import table_checksums

DEGREES = ("data_science", "machine_learning")
FACT = dg.AssetKey(["learning", "stg_video_log"])
BROKEN = "machine_learning|2019-02-01"  # its video_log.csv loses a column from its header


@pytest.fixture
def lake(make_settings, lake_dir):
    generate(lake_dir, scale=0.001, degrees=DEGREES, months=[1, 2])
    return lake_dir


def backfill(make_settings, tmp_path, name: str, subsets: bool, monkeypatch, persistent: bool = False):
    """The learning group's backfill (one ranged run) into its own warehouse and instance (persistent: SQLite
    files in a DAGSTER_HOME, as the CLI and the UI record runs)."""
    monkeypatch.setattr(planned_events, "ENABLED", subsets)
    settings = make_settings(CAPSTONE_DEGREES=",".join(DEGREES), CAPSTONE_LEARNING_END="2019-03-01",
                             CAPSTONE_DUCKDB_PATH=str(tmp_path / f"{name}.duckdb"))
    home = tmp_path / f"{name}_home"
    home.mkdir()
    instance = dg.DagsterInstance.local_temp(str(home), overrides={"telemetry": {"enabled": False}}) \
        if persistent else dg.DagsterInstance.ephemeral()
    report = materialize(settings, "group:learning", instance=instance)
    partitions_def = build_definitions(settings).resolve_asset_graph().get(FACT).partitions_def
    status = instance.get_status_by_partition(FACT, partitions_def.get_partition_keys(), partitions_def)
    (run,) = instance.get_runs()
    planned = [r.event_log_entry.dagster_event.event_specific_data for r in instance.get_records_for_run(
        run.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION_PLANNED).records]
    return settings, report, {key: str(value) for key, value in status.items()}, \
        [p for p in planned if p.asset_key == FACT]


def test_the_same_tables_and_partition_status_with_one_planned_event_per_asset(lake, make_settings, tmp_path, monkeypatch):
    per_partition = backfill(make_settings, tmp_path, "per_partition", False, monkeypatch)
    subsets = backfill(make_settings, tmp_path, "subsets", True, monkeypatch)
    assert per_partition[1].success and subsets[1].success
    assert table_checksums(subsets[0]) == table_checksums(per_partition[0])
    assert subsets[2] == per_partition[2] == {key: "AssetPartitionStatus.MATERIALIZED" for key in per_partition[2]}
    assert len(per_partition[2]) == 4
    assert sorted(p.partition for p in per_partition[3]) == sorted(per_partition[2])  # one event per partition
    (one,) = subsets[3]  # one event for the whole range
    assert one.partition is None and sorted(one.partitions_subset.get_partition_keys()) == sorted(per_partition[2])


def test_a_failed_ranged_run_shows_its_failed_partitions_failed(lake, make_settings, tmp_path, monkeypatch):
    path = lake / "learning/machine_learning/2019/2/video_log.csv"
    header, rest = path.read_text().split("\n", 1)
    path.write_text(",".join(header.split(",")[:-1]) + "\n" + rest)  # a column missing from the header: refused
    _, report, status, planned = backfill(make_settings, tmp_path, "failed", True, monkeypatch, persistent=True)
    assert not report.success
    assert [p.partition for p in planned] == [None, BROKEN]  # the range, then the failed partition alone
    assert status.pop(BROKEN) == "AssetPartitionStatus.FAILED"  # as Dagster shows it with one event per partition
    assert set(status.values()) == {"AssetPartitionStatus.MATERIALIZED"}  # the good ones landed
