"""Issue 14, class 2: files still being written. A load never commits a file that changed between its inspection and
the commit (the partition keeps its rows, the error names the file); sensors request a partition only once all its
files have stopped changing for CAPSTONE_SENSOR_SETTLE_SECONDS."""

from __future__ import annotations

import json
import os
import time

import dagster as dg
import pytest

from capstone_assets.definitions import build_definitions
from capstone_assets.resources import LocalLake
from capstone_assets.resources.duckdb_warehouse import DuckDBWarehouse
from capstone_assets.resources.warehouse import FileChanged
from capstone_assets.settings import SettingsError, load_settings
from capstone_assets_tests.helpers import query
from capstone_assets_tests.reliability.lakes import (
    checksum_sql, csv_text, fact_key, load, video_rows, write_file, write_video_log,
)
from capstone_assets.learning.generator import FACT_COLUMNS


def test_a_file_that_changes_before_the_commit_is_not_committed(settings, lake_dir, monkeypatch):
    path = write_video_log(lake_dir, video_rows(20))
    load(settings, run_id="before")
    before = query(settings, checksum_sql("learning.stg_video_log"))
    write_video_log(lake_dir, video_rows(30, first_id=100))  # a new delivery ...
    insert = DuckDBWarehouse._insert

    def insert_while_the_upload_goes_on(self, connection, request, files):
        insert(self, connection, request, files)
        with open(path, "a", encoding="utf-8") as handle:  # ... still being written after it was inspected
            handle.write("131,1,2,2019-01-03 00:00:00,30\n")

    monkeypatch.setattr(DuckDBWarehouse, "_insert", insert_while_the_upload_goes_on)
    with pytest.raises(FileChanged, match=rf"{fact_key('video_log')}: changed while being loaded .*nothing was committed"):
        load(settings, run_id="changing")
    assert query(settings, checksum_sql("learning.stg_video_log")) == before
    assert query(settings, "SELECT status FROM capstone.load_audit WHERE run_id = 'changing'") == [("failed",)]
    monkeypatch.setattr(DuckDBWarehouse, "_insert", insert)
    assert load(settings, run_id="complete").rows == 31  # once complete, the file loads whole


def age(path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def evaluate(defs, name, lake, cursor):
    with dg.build_sensor_context(cursor=cursor, resources={"lake": lake}, definitions=defs) as context:
        return defs.get_sensor_def(name)(context)


def test_sensor_requests_a_file_only_once_it_has_settled(settings, lake_dir):
    video = write_video_log(lake_dir, video_rows(3))
    feedback = write_file(lake_dir, fact_key("project_feedback"),
                          csv_text(FACT_COLUMNS["project_feedback"], [(1, 1, 1, "2019-01-03 10:00:00", 4, "ok")]))
    age(video, 600)  # settled long ago; the feedback file was written just now
    defs, lake = build_definitions(settings), LocalLake(root=str(lake_dir), settle_seconds=60)
    first = evaluate(defs, "learning_new_files_sensor", lake, None)
    assert [[key.path[-1] for key in r.asset_selection] for r in first.run_requests] == [["stg_video_log"]]
    assert set(json.loads(first.cursor)) == {fact_key("video_log")}  # the unsettled file is not marked seen
    age(feedback, 120)
    (request,) = evaluate(defs, "learning_new_files_sensor", lake, first.cursor).run_requests
    assert (request.partition_key, [key.path[-1] for key in request.asset_selection]) == (
        "data_science|2019-01-01", ["stg_project_feedback"])


def test_a_month_folder_waits_whole_until_every_file_has_settled(make_settings, lake_dir):
    """Sparkify's month folder: one log file settled, one still being copied: the month is not requested, and the
    settled file is not marked seen either, so the month is requested once, whole."""
    settings = make_settings()
    folder = "sparkify/log_data/2018/11/"
    done = write_file(lake_dir, folder + "2018-11-01-events.json", '{"ts": 1}\n')
    copying = write_file(lake_dir, folder + "2018-11-02-events.json", '{"ts": 2}\n')
    age(done, 600)
    defs, lake = build_definitions(settings), LocalLake(root=str(lake_dir), settle_seconds=60)
    first = evaluate(defs, "sparkify_new_files_sensor", lake, None)
    assert first.run_requests == [] and json.loads(first.cursor) == {}
    age(copying, 120)
    (request,) = evaluate(defs, "sparkify_new_files_sensor", lake, first.cursor).run_requests
    assert request.partition_key == "2018-11-01"
    assert request.tags["capstone/changed_files"] == f"{folder}2018-11-01-events.json,{folder}2018-11-02-events.json"


@pytest.mark.parametrize("value", ["-1", "soon", "inf"])
def test_the_settle_time_setting_is_validated(test_env, value):
    with pytest.raises(SettingsError, match="CAPSTONE_SENSOR_SETTLE_SECONDS"):
        load_settings({**test_env, "CAPSTONE_SENSOR_SETTLE_SECONDS": value})
    assert load_settings({**test_env, "CAPSTONE_SENSOR_SETTLE_SECONDS": "90"}).sensor_settle_seconds == 90
