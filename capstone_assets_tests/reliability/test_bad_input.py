"""Bad input never half-loads: each case fails (or rejects) naming file, line and column, and the
partition's previous rows stay intact."""

from __future__ import annotations

import dataclasses
import json

import pytest

from capstone_assets.learning.generator import FACT_COLUMNS
from capstone_assets.resources.warehouse import LoadError
from capstone_assets_tests.helpers import query, scalar
from capstone_assets_tests.reliability.lakes import (
    FEBRUARY, JANUARY, checksum_sql, csv_text, fact_key, load, spec_for, video_rows, write_file, write_video_log,
)

HEADER = FACT_COLUMNS["video_log"]
KEY = fact_key("video_log")
PARTITION_ROWS = "SELECT * FROM learning.stg_video_log WHERE degree = 'data_science' AND month = DATE '2019-01-01'"


@pytest.fixture
def loaded(settings, lake_dir):
    """January already holds 20 good rows; February 5. Each test then delivers a bad January file."""
    write_video_log(lake_dir, video_rows(20))
    write_video_log(lake_dir, video_rows(5, FEBRUARY, first_id=100), FEBRUARY)
    load(settings, run_id="good-jan")
    load(settings, month=FEBRUARY, run_id="good-feb")
    return {"checksum": scalar_pair(settings)}


def scalar_pair(settings):
    return query(settings, checksum_sql("learning.stg_video_log"))[0]


def assert_nothing_lost(settings, loaded):
    assert scalar_pair(settings) == loaded["checksum"]
    assert scalar(settings, f"SELECT COUNT(*) FROM ({PARTITION_ROWS})") == 20


def failed_audit(settings, run_id):
    return query(settings, "SELECT status, rows_rejected, error FROM capstone.load_audit WHERE run_id = ?", [run_id])


BAD_CSV_ROWS = {
    "text_in_numeric_column": ("21,1,seven,2019-01-02 00:00:00,30", 22, "video_id", "Could not convert"),
    "too_few_fields": ("21,1,2,2019-01-02 00:00:00", 22, "watched_seconds", "MISSING COLUMNS"),
    "too_many_fields": ("21,1,2,2019-01-02 00:00:00,30,99", 22, None, "TOO MANY COLUMNS"),
}


@pytest.mark.parametrize("case", sorted(BAD_CSV_ROWS))
def test_malformed_csv_row(settings, lake_dir, loaded, case):
    bad, line, column, reason = BAD_CSV_ROWS[case]
    write_file(lake_dir, KEY, csv_text(HEADER, video_rows(20, first_id=1000)) + bad + "\n")
    with pytest.raises(LoadError) as error:
        load(settings, run_id=f"bad-{case}")
    assert f"{KEY}, line {line}" in str(error.value)
    if column:
        assert f"column {column!r}" in str(error.value)
    rejected = query(settings, "SELECT source_file, line_number, column_name, reason, raw_line FROM capstone.rejected_rows "
                               "WHERE run_id = ?", [f"bad-{case}"])
    assert len(rejected) == 1
    source_file, line_number, column_name, recorded_reason, raw = rejected[0]
    assert (source_file, line_number, column_name, raw) == (KEY, line, column, bad)
    assert reason in recorded_reason
    assert failed_audit(settings, f"bad-{case}")[0][:2] == ("failed", 1)
    assert_nothing_lost(settings, loaded)


def ndjson_spec(settings):
    """The video_log table loaded from NDJSON: the real JSON path (inspection + DuckDB read_json)."""
    return dataclasses.replace(spec_for(settings, "stg_video_log"), format="ndjson",
                               path="learning/{degree}/{year}/{month}/video_log/", suffix=".json")


def json_lines(rows):
    return "".join(json.dumps(dict(zip(HEADER, row))) + "\n" for row in rows)


def test_malformed_json_line(settings, lake_dir):
    spec = ndjson_spec(settings)
    key = "learning/data_science/2019/1/video_log/part-0.json"
    write_file(lake_dir, key, json_lines(video_rows(4)))
    assert load(settings, spec=spec, run_id="json-good").rows == 4
    before = query(settings, checksum_sql("learning.stg_video_log"))
    write_file(lake_dir, key, json_lines(video_rows(2)) + '{"view_id": 3, "user_id": 1,\n' + json_lines(video_rows(1)))
    with pytest.raises(LoadError, match=rf"{key}, line 3, column \d+: malformed JSON"):
        load(settings, spec=spec, run_id="json-bad")
    assert query(settings, checksum_sql("learning.stg_video_log")) == before
    assert failed_audit(settings, "json-bad")[0][0] == "failed"


def test_json_schema_drift_names_the_field(settings, lake_dir):
    key = "learning/data_science/2019/1/video_log/part-0.json"
    record = dict(zip(HEADER, video_rows(1)[0]), watched_secs=3)
    write_file(lake_dir, key, json.dumps(record) + "\n")
    with pytest.raises(LoadError, match=rf"{key}, line 1: schema drift: unexpected field 'watched_secs'"):
        load(settings, spec=ndjson_spec(settings))


@pytest.mark.parametrize("content, message", [("", r"video_log\.csv \(zero bytes"), (",".join(HEADER) + "\n", "header only")])
def test_empty_file_or_header_only(settings, lake_dir, loaded, content, message):
    write_file(lake_dir, KEY, content)
    with pytest.raises(LoadError, match=message):
        load(settings, run_id="empty")
    assert failed_audit(settings, "empty")[0][0] == "failed"
    assert_nothing_lost(settings, loaded)


def test_missing_partition_in_the_lake(settings, lake_dir):
    write_video_log(lake_dir, video_rows(3))
    with pytest.raises(LoadError, match=r"no files for degree=data_science, month=2019-03-01 .*nothing was written"):
        load(settings, month=JANUARY.replace(month=3), run_id="missing")
    assert scalar(settings, "SELECT COUNT(*) FROM learning.stg_video_log") == 0
    assert failed_audit(settings, "missing")[0][0] == "failed"


DRIFT = {
    "new_column": (HEADER + ["device"], "unexpected new column(s) ['device']"),
    "missing_column": (HEADER[:-1], "missing column(s) ['watched_seconds']"),
    "renamed_column": (HEADER[:-1] + ["watched_secs"], "missing column(s) ['watched_seconds'] and unexpected column(s) ['watched_secs'] (renamed?)"),
    "reordered_columns": ([HEADER[1], HEADER[0], *HEADER[2:]], "columns reordered (first out of place: 'user_id')"),
}


@pytest.mark.parametrize("case", sorted(DRIFT))
def test_schema_drift(settings, lake_dir, loaded, case):
    header, problem = DRIFT[case]
    # same number of fields in every row, so only the header can tell the drift (never matched by position)
    rows = [row[: len(header)] + (0,) * (len(header) - len(row)) for row in video_rows(20, first_id=500)]
    write_file(lake_dir, KEY, csv_text(header, rows))
    with pytest.raises(LoadError) as error:
        load(settings, run_id=f"drift-{case}")
    assert str(error.value).startswith(f"{KEY}, line 1: schema drift: ")
    assert problem in str(error.value)
    assert_nothing_lost(settings, loaded)
