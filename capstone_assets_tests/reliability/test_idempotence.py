"""Re-running never duplicates: same file, same partition, whole backfill -> identical rows, checksum for checksum."""

from __future__ import annotations

import csv
import os

import dagster as dg
import pytest

from capstone_assets.definitions import build_definitions
from capstone_assets.learning.automation import dimensions_selection
from capstone_assets.learning.generator import FACT_COLUMNS, generate
from capstone_assets.resources import build_resources
from capstone_assets_tests.helpers import materialize, query
from capstone_assets_tests.reliability.lakes import checksum_sql, load, video_rows, write_video_log

DEGREES = "data_science,machine_learning"
END = "2019-03-01"  # two months: January and February


def table_checksums(settings, schema: str = "learning") -> dict[str, tuple]:
    tables = query(settings, "SELECT table_name FROM information_schema.tables WHERE table_schema = ? "
                             "ORDER BY table_name", [schema])
    return {name: query(settings, checksum_sql(f'"{schema}"."{name}"'))[0] for (name,) in tables}


def test_same_file_delivered_twice(settings, lake_dir):
    path = write_video_log(lake_dir, video_rows(30))
    load(settings, run_id="first")
    first = table_checksums(settings)
    content, stat = path.read_bytes(), path.stat()
    path.write_bytes(content)  # re-delivered: same bytes, a new object version
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    load(settings, run_id="second")
    assert table_checksums(settings) == first
    assert first["stg_video_log"][0] == 30
    audit = query(settings, "SELECT run_id, status, rows_loaded FROM capstone.load_audit ORDER BY started_at, run_id")
    assert sorted(audit) == [("first", "loaded", 30), ("second", "loaded", 30)]


@pytest.fixture
def learning_lake(make_settings, lake_dir):
    generate(lake_dir, scale=0.001, degrees=DEGREES.split(","), months=[1, 2])
    return make_settings(CAPSTONE_DEGREES=DEGREES, CAPSTONE_LEARNING_END=END)


def file_rows(lake_dir, name: str, degree: str, month: int) -> int:
    with open(lake_dir / "learning" / degree / "2019" / str(month) / f"{name}.csv", newline="", encoding="utf-8") as f:
        return sum(1 for _ in csv.DictReader(f))


def test_same_partition_run_twice(learning_lake, lake_dir):
    settings = learning_lake
    assert materialize(settings, dimensions_selection).success  # the facts' reference checks read the dims
    selection = "key:learning/stg_video_log"
    options = dict(months=["2019-02-01"], degrees=["machine_learning"])
    assert materialize(settings, selection, **options).success
    first = table_checksums(settings)
    assert materialize(settings, selection, **options).success
    assert table_checksums(settings) == first
    assert first["stg_video_log"][0] == file_rows(lake_dir, "video_log", "machine_learning", 2)


def test_full_backfill_run_twice(learning_lake, lake_dir):
    settings, instance = learning_lake, dg.DagsterInstance.ephemeral()
    first_report = materialize(settings, "group:learning", instance=instance)
    assert first_report.success, first_report.runs
    first = table_checksums(settings)
    second_report = materialize(settings, "group:learning", instance=instance)
    assert second_report.success, second_report.runs
    assert table_checksums(settings) == first
    for name in FACT_COLUMNS:
        expected = sum(file_rows(lake_dir, name, d, m) for d in DEGREES.split(",") for m in (1, 2))
        assert first[f"stg_{name}"][0] == expected, name
    assert all(count > 0 for count, _ in first.values())


def test_same_file_delivered_twice_sensor(settings, lake_dir):
    """A duplicate notification asks for nothing; a re-delivery (new version) asks again, and its load is a no-op."""
    path = write_video_log(lake_dir, video_rows(30))
    defs = build_definitions(settings)
    sensor = defs.get_sensor_def("learning_new_files_sensor")

    def evaluate(cursor):
        # `with`: the warehouse opens and closes a connection per run, so its context must be closed too
        with dg.build_sensor_context(cursor=cursor, resources=build_resources(settings), definitions=defs) as context:
            result = sensor(context)
        return [r.run_key for r in result.run_requests], result.cursor

    (first_key,), cursor = evaluate(None)
    assert evaluate(cursor)[0] == []
    stat = path.stat()
    path.write_bytes(path.read_bytes())
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    (second_key,), _ = evaluate(cursor)
    assert second_key != first_key and second_key.startswith("data_science|2019-01-01:")
