"""The monthly schedule and the new-files sensor, switched on through the webserver's GraphQL API.

The sensor test re-uploads one lake file and reloads only its partition, leaving the marts stale on purpose
(the sensor never rebuilds them). test_backfill.py does not depend on running before or after this file: it
compares only what its own two backfills produce.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from capstone_assets.learning.automation import dimensions_job, facts_job, facts_schedule, new_files_sensor
from capstone_assets_tests.helpers import query
from capstone_assets_tests.ui import graphql as gql
from capstone_assets_tests.ui.conftest import expected_partitions

pytestmark = pytest.mark.ui

CHANGED_DEGREE, CHANGED_MONTH = "machine_learning", 3


def test_monthly_schedule_runs_and_requests_one_run_per_degree(ui, ui_env):
    selector = {"s": gql.schedule_selector(facts_schedule.name)}
    state = gql.start_schedule(ui, facts_schedule.name)
    try:
        assert state["status"] == "RUNNING"
        schedule = ui.query(gql.SCHEDULE, selector)["scheduleOrError"]
        assert schedule["scheduleState"]["status"] == "RUNNING"
        assert schedule["cronSchedule"] == "0 0 1 * *"
        (next_tick,) = schedule["futureTicks"]["results"]
        next_time = dt.datetime.fromtimestamp(next_tick["timestamp"], tz=dt.timezone.utc)
        assert (next_time.day, next_time.hour, next_time.minute) == (1, 0, 0)

        tick_time = dt.datetime(2019, CHANGED_MONTH + 1, 1, tzinfo=dt.timezone.utc)  # the tick after March closes
        evaluation = gql.dry_run(ui, gql.SCHEDULE_DRY_RUN, {**selector, "t": tick_time.timestamp()})
        requested = [gql.tags_of(r)["dagster/partition"] for r in evaluation["runRequests"]]
        month = f"2019-{CHANGED_MONTH:02d}-01"
        assert sorted(requested) == sorted(f"{degree}|{month}" for degree in ui_env.settings.degrees)
        assert {r["runKey"] for r in evaluation["runRequests"]} == set(requested)
        assert {r["jobName"] for r in evaluation["runRequests"]} == {facts_job.name}
    finally:
        ui.query(gql.STOP_SCHEDULE, {"id": state["id"]})


def rewrite_without_last_rows(path, drop: int) -> int:
    """A corrected re-upload of one file: the same header, the last `drop` rows removed. Returns its data rows."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    kept = rows[:-drop]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(kept)
    path.write_text(out.getvalue(), encoding="utf-8")
    return len(kept) - 1


def test_new_files_for_one_partition_produce_exactly_that_partitions_run(ui, ui_env, learning_backfill):
    settings = ui_env.settings
    selector = {"s": gql.sensor_selector(new_files_sensor.name)}
    # "Preview tick result" in the UI: from an empty cursor the sensor would request everything the lake holds.
    evaluation = gql.dry_run(ui, gql.SENSOR_DRY_RUN, selector)
    by_job = {}
    for request in evaluation["runRequests"]:
        by_job.setdefault(request["jobName"], []).append(gql.tags_of(request).get("dagster/partition"))
    assert sorted(by_job[facts_job.name]) == sorted(expected_partitions(settings))
    assert by_job[dimensions_job.name] == [None]
    # The backfill already loaded all of that: set the evaluated cursor (the UI: copy the preview's computed
    # cursor, then Cursor -> Edit -> Set cursor value; docs/using_the_ui.md, "The file sensor's first tick").
    cursor_set = ui.query(gql.SET_SENSOR_CURSOR, {**selector, "cursor": evaluation["cursor"]})["setSensorCursor"]
    assert cursor_set["__typename"] == "Sensor", cursor_set

    changed = settings.lake_dir / "learning" / CHANGED_DEGREE / "2019" / str(CHANGED_MONTH) / "video_log.csv"
    expected_rows = rewrite_without_last_rows(changed, drop=3)
    partition = f"{CHANGED_DEGREE}|2019-{CHANGED_MONTH:02d}-01"

    state = gql.start_sensor(ui, new_files_sensor.name)
    try:
        assert state["status"] == "RUNNING"
        ticks = gql.wait_for_sensor_tick_with_runs(ui, new_files_sensor.name)
    finally:
        ui.query(gql.STOP_SENSOR, {"id": state["id"]})
    run_ids = [run_id for tick in ticks for run_id in tick["runIds"]]
    assert len(run_ids) == 1, ticks
    run = gql.wait_for_run(ui, run_ids[0])
    assert run["status"] == "SUCCESS", run
    assert gql.tags_of(run)["dagster/partition"] == partition
    assert [key["path"] for key in run["assetSelection"]] == [["learning", "stg_video_log"]]

    loaded = query(settings, "SELECT count(*) FROM learning.stg_video_log WHERE degree = ? AND month = ?",
                   [CHANGED_DEGREE, dt.date(2019, CHANGED_MONTH, 1)])[0][0]
    assert loaded == expected_rows
