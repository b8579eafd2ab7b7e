"""Issue 14, class 5: the sensors and the runs agree on a partition's files (one rule, lib/partition_files).
Strays are refused by name, never loaded (twice), never a reason to refuse a whole month; `.gz` uploads load."""

from __future__ import annotations

import dataclasses
import gzip
import json
import os

import dagster as dg
import pytest

from capstone_assets.definitions import build_definitions
from capstone_assets.learning import automation as learning_automation
from capstone_assets.learning.generator import FACT_COLUMNS
from capstone_assets.learning.specs import stage_specs
from capstone_assets.lib.loading import find_partition_files
from capstone_assets.lib.partition_files import FileRule
from capstone_assets.lib.partitions import partition_values
from capstone_assets.resources import build_resources
from capstone_assets.resources.warehouse import LoadError
from capstone_assets_tests.helpers import scalar
from capstone_assets_tests.reliability.lakes import (
    FEBRUARY, csv_text, fact_key, load, spec_for, video_rows, write_file, write_video_log,
)

HEADER = FACT_COLUMNS["video_log"]
FOLDER = "learning/data_science/2019/1/video_log/"


def ndjson_spec(settings):
    return dataclasses.replace(spec_for(settings, "stg_video_log"), format="ndjson",
                               path="learning/{degree}/{year}/{month}/video_log/", suffix=".json")


def json_lines(rows) -> str:
    return "".join(json.dumps(dict(zip(HEADER, row))) + "\n" for row in rows)


def test_strays_in_a_folder_partition_are_refused_by_name_and_gz_is_loaded(settings, lake_dir):
    """Before: `backup/part-0.json` was loaded a second time, and the `._` file, the zero-byte file or an editor's
    temporary file failed the whole month with a message about that file."""
    part0, part1 = video_rows(3), video_rows(2, first_id=10)
    write_file(lake_dir, FOLDER + "part-0.json", json_lines(part0))
    write_file(lake_dir, FOLDER + "part-1.json.gz", gzip.compress(json_lines(part1).encode()))
    strays = {
        FOLDER + "backup/part-0.json": json_lines(part0),  # a copy someone kept: would be loaded twice
        FOLDER + "._part-0.json": b"\x00\x05\x16\x07Mac OS X resource fork",
        FOLDER + "~$part-2.json": "lock",
        FOLDER + ".part-0.json.swp": "b0VIM",
        FOLDER + "part-0.json~": json_lines(part0),
        FOLDER + "part-3.json": "",  # zero bytes: still being written
        FOLDER + "notes.txt": "not data",
    }
    for key, content in strays.items():
        write_file(lake_dir, key, content)
    outcome = load(settings, spec=ndjson_spec(settings), run_id="strays")
    assert outcome.rows == len(part0) + len(part1)
    assert sorted(f.key for f in outcome.files) == [FOLDER + "part-0.json", FOLDER + "part-1.json.gz"]
    assert sorted(r.key for r in outcome.refused) == sorted(strays)
    reasons = {r.key: r.reason for r in outcome.refused}
    assert "subfolder backup/" in reasons[FOLDER + "backup/part-0.json"]
    assert "zero bytes" in reasons[FOLDER + "part-3.json"]
    assert "temporary" in reasons[FOLDER + "part-0.json~"]
    assert scalar(settings, "SELECT COUNT(DISTINCT view_id) FROM learning.stg_video_log") == outcome.rows


def test_a_month_of_only_strays_names_them(settings, lake_dir):
    write_file(lake_dir, fact_key("video_log"), "")  # zero bytes
    write_file(lake_dir, fact_key("video_log") + "~", csv_text(HEADER, video_rows(2)))
    with pytest.raises(LoadError, match=r"no files for degree=data_science, month=2019-01-01 .*refused: "
                                        r".*video_log\.csv \(zero bytes.*video_log\.csv~ \(an editor's"):
        load(settings, run_id="only-strays")


def test_a_gzip_upload_loads_and_a_plain_twin_is_refused(settings, lake_dir):
    rows = video_rows(5)
    write_file(lake_dir, fact_key("video_log") + ".gz", gzip.compress(csv_text(HEADER, rows).encode()))
    assert load(settings, run_id="gz").rows == 5
    write_video_log(lake_dir, rows)  # the same file, also uncompressed: which one is meant?
    with pytest.raises(LoadError, match=r"video_log\.csv and .*video_log\.csv\.gz are both there: keep one"):
        load(settings, run_id="twins")
    assert scalar(settings, "SELECT COUNT(*) FROM learning.stg_video_log") == 5


def evaluate_sensor(settings, defs, cursor):
    sensor = defs.get_sensor_def("learning_new_files_sensor")
    with dg.build_sensor_context(cursor=cursor, resources=build_resources(settings), definitions=defs) as context:
        return sensor(context)


def test_the_sensor_requests_exactly_what_the_run_loads(settings, lake_dir):
    """Every file the sensor counts for a partition is one the run loads; a file the run would not load is neither
    requested nor marked seen (so it is looked at again once it is fixed)."""
    write_video_log(lake_dir, video_rows(3))
    padded = write_file(lake_dir, "learning/data_science/2019/02/video_log.csv", csv_text(HEADER, video_rows(2, FEBRUARY)))
    empty = write_file(lake_dir, fact_key("project_feedback", FEBRUARY), "")
    write_file(lake_dir, fact_key("video_log", FEBRUARY) + "~", "editor backup")
    write_file(lake_dir, "learning/data_science/2019/1/._video_log.csv", b"\x00\x05")
    defs = build_definitions(settings)
    result = evaluate_sensor(settings, defs, None)
    seen = set(json.loads(result.cursor))
    requested = {(r.partition_key, key) for r in result.run_requests for key in r.tags["capstone/changed_files"].split(",")}
    assert requested == {("data_science|2019-01-01", fact_key("video_log"))}
    assert seen == {fact_key("video_log")}
    # the run's rule agrees file by file
    resources = build_resources(settings)
    for partition_key, key in requested:
        values = partition_values(dg.MultiPartitionKey(dict(zip(("degree", "month"), partition_key.split("|")))))
        files, _ = find_partition_files(spec_for(settings, "stg_video_log"), resources["lake"], values)
        assert key in {f.key for f in files}
    # fixed: the empty file is written and the padded month moved where the partition reads; both requested now
    empty.write_text(csv_text(FACT_COLUMNS["project_feedback"], [(1, 1, 1, "2019-02-03 10:00:00", 4, "ok")]))
    os.rename(padded, lake_dir / fact_key("video_log", FEBRUARY))
    again = evaluate_sensor(settings, defs, result.cursor)
    assert sorted((r.partition_key, tuple(a.path[-1] for a in r.asset_selection)) for r in again.run_requests) == [
        ("data_science|2019-02-01", ("stg_project_feedback", "stg_video_log"))]


def test_sensor_file_rules_are_the_specs_paths(settings):
    """The learning sensor's rules are the staged specs' own paths, table by table."""
    specs = {spec.name: spec for spec in stage_specs(settings)}
    assert set(learning_automation.FILE_RULES) == set(specs)
    for name, rule in learning_automation.FILE_RULES.items():
        spec = specs[name]
        assert rule == FileRule(spec.path, spec.suffix, spec.alternative_paths, spec.subfolders), name
