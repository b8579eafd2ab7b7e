"""The sensor requests exactly the month partitions whose log files are new or changed; the schedule is monthly."""

import datetime as dt
import os
import shutil

import dagster as dg

from capstone_assets.definitions import build_definitions
from capstone_assets.resources.local_lake import LocalLake
from capstone_assets.sparkify.generator import generate


def evaluate(defs, lake_dir, cursor=None):
    sensor = defs.get_sensor_def("sparkify_new_files_sensor")
    context = dg.build_sensor_context(cursor=cursor, resources={"lake": LocalLake(root=str(lake_dir))})
    return sensor(context)


def test_sensor_requests_exactly_the_new_or_changed_month(make_settings, lake_dir):
    defs = build_definitions(make_settings(CAPSTONE_SPARKIFY_END="2019-01-01"))
    generate(lake_dir, scale=0.01, seed=1)
    first = evaluate(defs, lake_dir)
    assert sorted((r.job_name, r.partition_key) for r in first.run_requests) == [
        ("sparkify_events_job", "2018-11-01"), ("sparkify_songs_job", None)]
    assert evaluate(defs, lake_dir, first.cursor).run_requests == []  # nothing changed: nothing requested

    november = lake_dir / "sparkify" / "log_data" / "2018" / "11"
    december = lake_dir / "sparkify" / "log_data" / "2018" / "12"
    december.mkdir()
    for day in ("01", "02"):
        shutil.copy(november / f"2018-11-{day}-events.json", december / f"2018-12-{day}-events.json")
    added = evaluate(defs, lake_dir, first.cursor)
    assert [(r.job_name, r.partition_key) for r in added.run_requests] == [("sparkify_events_job", "2018-12-01")]

    changed_file = december / "2018-12-02-events.json"
    changed_file.write_bytes(changed_file.read_bytes() + b"\n")
    os.utime(changed_file, ns=(0, changed_file.stat().st_mtime_ns + 1_000_000))
    corrected = evaluate(defs, lake_dir, added.cursor)
    assert [r.partition_key for r in corrected.run_requests] == ["2018-12-01"]
    assert corrected.run_requests[0].run_key != added.run_requests[0].run_key  # a corrected upload is a new run


def test_sensor_ignores_months_outside_the_configured_range(settings, lake_dir):
    defs = build_definitions(settings)  # default range: 2018-11 only
    generate(lake_dir, scale=0.01, seed=1, months=("2018-11", "2018-12"))
    requested = [r.partition_key for r in evaluate(defs, lake_dir).run_requests if r.partition_key]
    assert requested == ["2018-11-01"]


def test_monthly_schedule_requests_the_month_that_just_ended(make_settings):
    defs = build_definitions(make_settings(CAPSTONE_SPARKIFY_END="2019-01-01"))
    schedule = defs.get_schedule_def("sparkify_monthly_schedule")
    assert schedule.cron_schedule == "0 0 1 * *"
    context = dg.build_schedule_context(scheduled_execution_time=dt.datetime(2019, 1, 1, tzinfo=dt.timezone.utc),
                                        repository_def=defs.get_repository_def())
    requests = schedule.evaluate_tick(context).run_requests
    assert [r.partition_key for r in requests] == ["2018-12-01"]
