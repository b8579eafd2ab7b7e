"""The learning schedule and sensor, evaluated with Dagster's own contexts against a real local lake."""

from __future__ import annotations

import datetime as dt
import os

import dagster as dg
import pytest

from capstone_assets.definitions import build_definitions
from capstone_assets.learning.automation import DIMENSION_TABLES, facts_job, facts_schedule, new_files_sensor
from capstone_assets.learning.specs import FACT_FILE_NAMES
from capstone_assets.settings import SettingsError
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


def learning_schedules(defs: dg.Definitions) -> dict[str, str]:
    names = [s.name for s in defs.schedules if s.name.startswith("learning")]
    return {name: defs.resolve_schedule_def(name).cron_schedule for name in names}


def tick(defs: dg.Definitions, name: str, at: dt.datetime):
    context = dg.build_schedule_context(scheduled_execution_time=at, repository_def=defs.get_repository_def())
    return defs.resolve_schedule_def(name).evaluate_tick(context)


def test_cadence_monthly_is_the_default_and_closes_the_month_that_ended(settings):
    defs = build_definitions(settings)
    assert settings.learning_cadence == "monthly"
    assert learning_schedules(defs) == {
        "learning_monthly_schedule": "0 0 1 * *", "learning_marts_monthly_schedule": "0 6 1 * *"}
    requests = tick(defs, "learning_monthly_schedule", dt.datetime(2019, 7, 1, tzinfo=dt.timezone.utc)).run_requests
    assert sorted(r.partition_key for r in requests) == sorted(f"{d}|2019-06-01" for d in settings.degrees)


def test_cadence_daily_refreshes_the_current_month_every_day(make_settings):
    """One setting switches to a daily refresh; the partitions stay monthly (the month in progress is one)."""
    settings = make_settings(CAPSTONE_LEARNING_CADENCE="daily", CAPSTONE_LEARNING_END="")
    defs = build_definitions(settings)
    assert learning_schedules(defs) == {
        "learning_daily_schedule": "0 1 * * *", "learning_marts_daily_schedule": "0 3 * * *"}
    mid_month = tick(defs, "learning_daily_schedule", dt.datetime(2019, 4, 16, 1, tzinfo=dt.timezone.utc)).run_requests
    next_day = tick(defs, "learning_daily_schedule", dt.datetime(2019, 4, 17, 1, tzinfo=dt.timezone.utc)).run_requests
    assert sorted(r.partition_key for r in mid_month) == sorted(f"{d}|2019-04-01" for d in settings.degrees)
    assert {r.partition_key for r in next_day} == {r.partition_key for r in mid_month}
    assert not {r.run_key for r in next_day} & {r.run_key for r in mid_month}  # each day is a new run
    on_the_first = tick(defs, "learning_daily_schedule", dt.datetime(2019, 5, 1, 1, tzinfo=dt.timezone.utc)).run_requests
    assert {r.partition_key.split("|")[1] for r in on_the_first} == {"2019-04-01"}  # the day that ended closes April

    closed = build_definitions(make_settings(CAPSTONE_LEARNING_CADENCE="daily", CAPSTONE_LEARNING_END="2019-04-01"))
    result = tick(closed, "learning_daily_schedule", dt.datetime(2019, 4, 16, 1, tzinfo=dt.timezone.utc))
    assert not result.run_requests and "2019-04-01" in result.skip_message


def test_cadence_setting_is_validated(make_settings):
    with pytest.raises(SettingsError, match="CAPSTONE_LEARNING_CADENCE"):
        make_settings(CAPSTONE_LEARNING_CADENCE="hourly")


@pytest.mark.parametrize("cadence, fact_deadline, mart_deadline", [("monthly", "0 12 1 * *", "0 18 1 * *"),
                                                                   ("daily", "0 7 * * *", "0 9 * * *")])
def test_facts_and_marts_carry_the_cadence_freshness_policy(make_settings, cadence, fact_deadline, mart_deadline):
    defs = build_definitions(make_settings(CAPSTONE_LEARNING_CADENCE=cadence))
    policies = {key.path[1]: spec.freshness_policy for assets in defs.assets
                for key, spec in getattr(assets, "specs_by_key", {}).items() if key.path[0] == "learning"}
    assert {name for name, policy in policies.items() if policy is None} == set(DIMENSION_TABLES)
    fact_tables = {f"stg_{name}" for name in FACT_FILE_NAMES}
    for name, policy in policies.items():
        if policy is not None:
            assert isinstance(policy, dg.FreshnessPolicy)
            assert policy.deadline_cron == (fact_deadline if name in fact_tables else mart_deadline), name
            assert policy.lower_bound_delta > dt.timedelta(0)
    assert "negative_feedback_share" in policies and policies["negative_feedback_share"] is not None


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
