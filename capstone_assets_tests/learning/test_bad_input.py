"""Issue 2's acceptance: a fourth degree needs no code; a malformed fact file fails its partition and loses nothing."""

from __future__ import annotations

import pytest

from capstone_assets.learning.generator import generate
from capstone_assets_tests.helpers import materialize, query, scalar

TWO_MONTHS = {"CAPSTONE_LEARNING_END": "2019-03-01"}
PARTITION_FILE = "learning/data_science/2019/1/video_log.csv"


def test_fourth_degree_is_configuration_only(lake_dir, make_settings):
    degrees = "data_science,data_engineering,machine_learning,cybersecurity"
    settings = make_settings(CAPSTONE_DEGREES=degrees, **TWO_MONTHS)
    generate(lake_dir, scale=0.01, degrees=degrees.split(","), months=[1, 2])
    report = materialize(settings, "group:learning")
    assert report.success, report.runs
    rows = query(settings, "SELECT degree, COUNT(DISTINCT month) FROM learning.stg_video_log GROUP BY degree ORDER BY degree")
    assert rows == [("cybersecurity", 2), ("data_engineering", 2), ("data_science", 2), ("machine_learning", 2)]
    assert scalar(settings, "SELECT COUNT(*) FROM learning.negative_feedback_share WHERE degree = 'cybersecurity'") == 2


@pytest.fixture
def loaded_partition(lake_dir, make_settings):
    settings = make_settings(CAPSTONE_DEGREES="data_science", **TWO_MONTHS)
    generate(lake_dir, scale=0.01, degrees=["data_science"], months=[1, 2])
    assert materialize(settings, "group:learning").success
    before = query(settings, "SELECT COUNT(*), SUM(view_id) FROM learning.stg_video_log WHERE month = DATE '2019-01-01'")
    return settings, lake_dir / PARTITION_FILE, before


def rewrite(path, edit) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(edit(lines)) + "\n", encoding="utf-8")


def bad_number(lines):
    fields = lines[3].split(",")
    fields[4] = "twelve"  # watched_seconds
    return lines[:3] + [",".join(fields)] + lines[4:]


def missing_column(lines):
    return [",".join(line.split(",")[:4]) for line in lines]


def extra_column(lines):
    return [lines[0] + ",device"] + [line + ",phone" for line in lines[1:]]


@pytest.mark.parametrize("edit, expected", [
    (bad_number, [PARTITION_FILE, "line 4", "watched_seconds", "twelve"]),
    (missing_column, [PARTITION_FILE, "line 1", "missing column", "watched_seconds"]),
    (extra_column, [PARTITION_FILE, "line 1", "unexpected new column", "device"]),
])
def test_malformed_file_fails_the_partition_and_keeps_previous_rows(loaded_partition, edit, expected):
    settings, path, before = loaded_partition
    rewrite(path, edit)
    report = materialize(settings, "key:learning/stg_video_log", months=["2019-01-01"])
    assert not report.success
    message = report.runs[-1][3]
    for fragment in expected:
        assert fragment in message, message
    after = query(settings, "SELECT COUNT(*), SUM(view_id) FROM learning.stg_video_log WHERE month = DATE '2019-01-01'")
    assert after == before
    audit = query(settings, "SELECT status, error FROM capstone.load_audit WHERE partition_key = 'degree=data_science, month=2019-01-01' "
                            "AND asset = 'learning.stg_video_log' ORDER BY status")  # the fixture's load, then this one
    assert [row[0] for row in audit] == ["failed", "loaded"] and PARTITION_FILE in audit[0][1]


def test_rejected_row_is_recorded_with_file_line_column_and_reason(loaded_partition):
    settings, path, _ = loaded_partition
    rewrite(path, bad_number)
    materialize(settings, "key:learning/stg_video_log", months=["2019-01-01"])
    rejected = query(settings, "SELECT source_file, line_number, column_name, reason FROM capstone.rejected_rows")
    assert len(rejected) == 1
    source_file, line, column, reason = rejected[0]
    assert (source_file, line, column) == (PARTITION_FILE, 4, "watched_seconds") and "twelve" in reason


def test_missing_partition_fails_before_any_write(loaded_partition):
    settings, path, before = loaded_partition
    path.unlink()
    report = materialize(settings, "key:learning/stg_video_log", months=["2019-01-01"])
    assert "no files for degree=data_science, month=2019-01-01" in report.runs[-1][3]
    assert query(settings, "SELECT COUNT(*), SUM(view_id) FROM learning.stg_video_log WHERE month = DATE '2019-01-01'") == before
