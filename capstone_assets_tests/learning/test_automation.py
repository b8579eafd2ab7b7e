"""The learning schedule and sensor, evaluated with Dagster's own contexts against a real local lake."""

from __future__ import annotations

import datetime as dt
import os

import dagster as dg

from capstone_assets.definitions import build_definitions
from capstone_assets.learning.automation import facts_job, facts_schedule, new_files_sensor
from capstone_assets.learning.generator import generate
from capstone_assets.resources import LocalLake


def evaluate_sensor(defs: dg.Definitions, lake: LocalLake, cursor: str | None):
    context = dg.build_sensor_context(cursor=cursor, resources={"lake": lake}, definitions=defs)
    result = new_files_sensor(context)
    return result.run_requests, result.cursor


def test_monthly_schedule_requests_one_run_per_degree_for_the_month_that_ended(settings):
    defs = build_definitions(settings)
    schedule = defs.resolve_schedule_def(facts_schedule.name)
    context = dg.build_schedule_context(scheduled_execution_time=dt.datetime(2019, 4, 1, tzinfo=dt.timezone.utc))
    requests = list(schedule.evaluate_tick(context).run_requests)
    assert schedule.cron_schedule == "0 0 1 * *"
    assert sorted(r.partition_key for r in requests) == sorted(f"{d}|2019-03-01" for d in settings.degrees)
    assert {r.run_key for r in requests} == {r.partition_key for r in requests}


def test_sensor_requests_exactly_the_new_or_changed_partitions(make_settings, lake_dir):
    settings = make_settings(CAPSTONE_LEARNING_END="2019-04-01")
    defs = build_definitions(settings)
    lake = LocalLake(root=str(lake_dir))
    generate(lake_dir, scale=0.002, degrees=settings.degrees, months=[1, 2])

    first, cursor = evaluate_sensor(defs, lake, None)
    facts = [r for r in first if r.job_name == facts_job.name]
    assert len(facts) == len(settings.degrees) * 2 and any(r.job_name != facts_job.name for r in first)
    assert all(len(r.asset_selection) == 4 for r in facts)

    again, cursor = evaluate_sensor(defs, lake, cursor)
    assert again == []  # re-evaluation is harmless

    generate(lake_dir / "_month3", scale=0.002, degrees=settings.degrees, months=[3])
    new_file = lake_dir / "learning/data_science/2019/3/video_log.csv"
    new_file.parent.mkdir(parents=True)
    new_file.write_bytes((lake_dir / "_month3/learning/data_science/2019/3/video_log.csv").read_bytes())
    (request,), cursor = evaluate_sensor(defs, lake, cursor)
    assert request.partition_key == "data_science|2019-03-01"
    assert request.asset_selection == [dg.AssetKey(["learning", "stg_video_log"])]

    stat = new_file.stat()
    os.utime(new_file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # a corrected re-upload of the same key
    (corrected,), cursor = evaluate_sensor(defs, lake, cursor)
    assert corrected.partition_key == request.partition_key and corrected.run_key != request.run_key


def test_sensor_ignores_degrees_and_months_outside_the_partitions(make_settings, lake_dir):
    settings = make_settings(CAPSTONE_DEGREES="data_science", CAPSTONE_LEARNING_END="2019-02-01")
    defs = build_definitions(settings)
    generate(lake_dir, scale=0.002, degrees=["data_science", "robotics"], months=[1, 2])
    requests, _ = evaluate_sensor(defs, LocalLake(root=str(lake_dir)), None)
    assert {r.partition_key for r in requests if r.job_name == facts_job.name} == {"data_science|2019-01-01"}
