"""What operators see when something fails: the load audit, the run-failure record, blocking checks."""

from __future__ import annotations

import csv

import dagster as dg
import pytest

from capstone_assets.automation import run_failure_sensor
from capstone_assets.definitions import build_definitions
from capstone_assets.learning.assets import build_assets
from capstone_assets.learning.automation import dimensions_selection
from capstone_assets.learning.generator import generate
from capstone_assets.resources import build_resources
from capstone_assets_tests.helpers import materialize, query
from capstone_assets_tests.reliability.lakes import FEBRUARY, fact_key, video_rows, write_file, write_video_log

BAD_ROW = "999,1,seven,2019-02-02 00:00:00,30"


@pytest.fixture
def failed_run(settings, lake_dir):
    """One ranged run over January (good, 12 rows) and February (11 good rows + 1 bad row)."""
    write_video_log(lake_dir, video_rows(12))
    path = write_video_log(lake_dir, video_rows(11, FEBRUARY, first_id=100), FEBRUARY)
    path.write_text(path.read_text() + BAD_ROW + "\n")
    instance = dg.DagsterInstance.ephemeral()
    report = materialize(settings, "key:learning/stg_video_log", instance=instance,
                         months=["2019-01-01", "2019-02-01"], degrees=["data_science"])
    assert not report.success
    (run,) = instance.get_runs()
    return instance, run


def test_load_audit_has_one_row_per_partition_load(settings, failed_run):
    _, run = failed_run
    rows = query(settings, "SELECT run_id, asset, partition_key, files, source_rows, rows_loaded, rows_rejected, status, "
                           "error, started_at <= finished_at FROM capstone.load_audit ORDER BY partition_key")
    january, february = fact_key("video_log"), fact_key("video_log", FEBRUARY)
    assert [row[:8] for row in rows] == [
        (run.run_id, "learning.stg_video_log", "degree=data_science, month=2019-01-01", january, 12, 12, 0, "loaded"),
        (run.run_id, "learning.stg_video_log", "degree=data_science, month=2019-02-01", february, 12, None, 1, "failed"),
    ]
    assert rows[0][8] is None and f"{february}, line 13, column 'video_id'" in rows[1][8]
    assert all(row[9] for row in rows)
    assert query(settings, "SELECT run_id, line_number, raw_line FROM capstone.rejected_rows") == [
        (run.run_id, 13, BAD_ROW)]


def test_bad_partition_in_a_ranged_run_fails_alone(settings, lake_dir):
    """January and March good, February bad: the run fails naming February's file, January and March land
    (the run's one-transaction load is refused, then its partitions load one by one), February keeps its rows."""
    march = FEBRUARY.replace(month=3)
    write_video_log(lake_dir, video_rows(4, FEBRUARY, first_id=50), FEBRUARY)
    materialize(settings, "key:learning/stg_video_log", months=["2019-02-01"], degrees=["data_science"])
    write_video_log(lake_dir, video_rows(12))
    path = write_video_log(lake_dir, video_rows(11, FEBRUARY, first_id=100), FEBRUARY)
    path.write_text(path.read_text() + BAD_ROW + "\n")
    write_video_log(lake_dir, video_rows(7, march, first_id=200), march)
    report = materialize(settings, "key:learning/stg_video_log", months=["2019-01-01", "2019-02-01", "2019-03-01"],
                         degrees=["data_science"])
    assert not report.success and f"{fact_key('video_log', FEBRUARY)}, line 13" in report.runs[-1][3]
    assert query(settings, "SELECT month, COUNT(*), MIN(view_id) FROM learning.stg_video_log GROUP BY month ORDER BY month") == [
        (FEBRUARY.replace(month=1), 12, 1), (FEBRUARY, 4, 50), (march, 7, 200)]
    assert query(settings, "SELECT partition_key, status FROM capstone.load_audit WHERE rows_loaded IS DISTINCT FROM 4 "
                           "ORDER BY partition_key") == [
        ("degree=data_science, month=2019-01-01", "loaded"), ("degree=data_science, month=2019-02-01", "failed"),
        ("degree=data_science, month=2019-03-01", "loaded")]


def evaluate_failure_sensor(settings, instance, run) -> list[tuple]:
    (failure,) = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)
    context = dg.build_run_status_sensor_context(
        sensor_name=run_failure_sensor.name, dagster_event=failure.dagster_event, dagster_instance=instance,
        dagster_run=run, resources={"warehouse": build_resources(settings)["warehouse"]},
    ).for_run_failure()
    with context:  # the warehouse holds a connection while a context is open (as in the daemon)
        run_failure_sensor(context)
    return query(settings, "SELECT run_id, job_name, assets, partition_key, error FROM capstone.run_failures")


def test_run_failure_sensor_records_the_failure(settings, failed_run):
    """A run of the CLI's runner records its own failure (issue 14: failed CLI runs too); the sensor, which
    records the daemon's runs, skips it, so the failure is recorded once."""
    instance, run = failed_run
    (row,) = evaluate_failure_sensor(settings, instance, run)
    assert row[:4] == (run.run_id, run.job_name, "learning/stg_video_log",
                       "data_science|2019-01-01...data_science|2019-02-01")
    assert row[4].startswith("learning/stg_video_log [data_science|2019-01-01...data_science|2019-02-01]: ")
    assert f"{fact_key('video_log', FEBRUARY)}, line 13, column 'video_id'" in row[4]


def test_run_failure_sensor_records_a_failed_job(settings):
    """A named job (no asset selection on the run): the assets come from its execution plan."""
    instance = dg.DagsterInstance.ephemeral()
    job = build_definitions(settings).resolve_job_def("learning_dimensions_job")
    assert not job.execute_in_process(instance=instance, raise_on_error=False).success  # empty lake
    (run,) = instance.get_runs()
    (row,) = evaluate_failure_sensor(settings, instance, run)
    assert row[:2] == (run.run_id, "learning_dimensions_job") and row[3] is None
    assert "learning/stg_users" in row[2].split(",")
    assert "no files for all rows in learning.stg_" in row[4]


def test_run_failure_sensor_is_registered_for_all_jobs(settings):
    defs = build_definitions(settings)
    sensor = defs.get_sensor_def("capstone_run_failure_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert "warehouse" in sensor.required_resource_keys
    dg.Definitions.validate_loadable(defs)


def test_blocking_check_fails(make_settings, lake_dir):
    """A duplicated view_id fails the blocking `view_id_unique` check: the downstream asset never runs,
    and the check's metadata carries a sample of the offending rows."""
    settings = make_settings(CAPSTONE_DEGREES="data_science", CAPSTONE_LEARNING_END="2019-02-01")
    generate(lake_dir, scale=0.001, degrees=["data_science"], months=[1])
    path = lake_dir / fact_key("video_log")
    with open(path, newline="", encoding="utf-8") as handle:
        duplicate = list(csv.reader(handle))[1]
    write_file(lake_dir, fact_key("video_log"), path.read_text() + ",".join(duplicate) + "\n")
    assert materialize(settings, dimensions_selection).success

    (video_log,) = [a for a in build_assets(settings) if a.key == dg.AssetKey(["learning", "stg_video_log"])]
    downstream_ran = []

    @dg.asset(deps=[video_log.key], partitions_def=video_log.partitions_def)
    def downstream_of_video_log() -> None:
        downstream_ran.append(True)

    result = dg.materialize([video_log, downstream_of_video_log], resources=build_resources(settings),
                            partition_key="data_science|2019-01-01", raise_on_error=False)
    assert not result.success
    assert not downstream_ran
    assert not [e for e in result.get_asset_materialization_events()
                if e.asset_key == downstream_of_video_log.key]
    (unique,) = [e for e in result.get_asset_check_evaluations() if e.check_name == "view_id_unique"]
    assert not unique.passed
    assert f"| {duplicate[0]} | 2 |" in unique.metadata["sample"].value
