"""Issue 13 §2 on the production path: concurrent runs writing one staged table, and a bad file.

- Two runs at once (a UI backfill of learning is one run per degree), each writing `learning.stg_video_log`:
  both succeed and every partition holds exactly its file's rows. The test database runs SERIALIZABLE
  transactions as Redshift does, so unsynchronised writers conflict (40001) instead of passing by luck.
- A file with a bad value: the run fails naming file, line and column (from the load-error view the COPY
  wrote), the row lands in `capstone.rejected_rows`, and the partition keeps its previous rows.
"""

from __future__ import annotations

import csv
import threading

import pytest

from capstone_assets.learning.generator import generate
from capstone_assets.settings import load_settings
from capstone_assets_tests.helpers import materialize
from capstone_assets_tests.prod_path.harness import connect, rows
from capstone_assets_tests.prod_path.scenario import checksum

pytestmark = pytest.mark.prod_path
DEGREES = ("data_science", "data_engineering")
VIDEO_LOG = 'key:"learning/stg_video_log"'


@pytest.fixture
def learning(prod_env, prod_lake, tmp_path):
    generate(tmp_path / "lake", scale=0.005, degrees=DEGREES, months=[1])
    prod_lake.upload_tree(tmp_path / "lake", "learning")
    settings = load_settings({**prod_env, "CAPSTONE_DEGREES": ",".join(DEGREES), "CAPSTONE_LEARNING_END": "2019-02-01",
                              "CAPSTONE_DUCKDB_PATH": str(tmp_path / "unused.duckdb")})
    report = materialize(settings, "+" + VIDEO_LOG, degrees=["data_science"])  # dimensions and one degree first
    assert [error for _, ok, _, error in report.runs if not ok] == []
    return settings, tmp_path / "lake"


def file_rows(lake, degree: str, month: int) -> list[dict]:
    with open(lake / "learning" / degree / "2019" / str(month) / "video_log.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def partition_rows(env, degree: str, month: str) -> list[tuple]:
    connection = connect(env)
    try:
        return rows(connection, "SELECT view_id, user_id, video_id, viewed_at, watched_seconds FROM "
                                "learning.stg_video_log WHERE degree = %s AND month = CAST(%s AS DATE)", (degree, month))
    finally:
        connection.close()


def test_two_runs_writing_one_staged_table_at_once_both_succeed_and_lose_nothing(prod_env, learning):
    settings, lake = learning
    reports, start = {}, threading.Barrier(len(DEGREES))

    def run(degree: str) -> None:
        start.wait()
        reports[degree] = materialize(settings, VIDEO_LOG, degrees=[degree])

    threads = [threading.Thread(target=run, args=(degree,)) for degree in DEGREES]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for degree in DEGREES:
        assert [error for _, ok, _, error in reports[degree].runs if not ok] == [], degree
    for degree in DEGREES:
        for month in (1,):
            expected = file_rows(lake, degree, month)
            got = partition_rows(prod_env, degree, f"2019-0{month}-01")
            assert len(got) == len(expected) > 0, (degree, month)
            assert sorted(str(r[0]) for r in got) == sorted(r["view_id"] for r in expected)


def test_a_bad_value_fails_naming_file_line_and_column_and_the_partition_keeps_its_rows(prod_env, prod_lake,
                                                                                       redshift_emulator, learning):
    settings, lake = learning
    before = checksum(partition_rows(prod_env, "data_science", "2019-01-01"))
    key = "learning/data_science/2019/1/video_log.csv"
    lines = (lake / key).read_text(encoding="utf-8").splitlines()
    fields = lines[3].split(",")
    fields[4] = "3.7"  # watched_seconds is an INTEGER: Redshift refuses, never rounds
    lines[3] = ",".join(fields)
    prod_lake.write_bytes(key, ("\n".join(lines) + "\n").encode("utf-8"))

    report = materialize(settings, VIDEO_LOG, degrees=["data_science"])

    (_, ok, _, error), = report.runs
    assert not ok
    assert "video_log.csv" in error and "line 4" in error and "watched_seconds" in error, error
    assert checksum(partition_rows(prod_env, "data_science", "2019-01-01")) == before
    connection = connect(prod_env)
    rejected = rows(connection, "SELECT source_file, line_number, column_name FROM capstone.rejected_rows")
    assert rejected == [(key, 4, "watched_seconds")]
    logged = rows(connection, "SELECT TRIM(file_name), line_number, TRIM(column_name), error_code FROM sys_load_error_detail")
    connection.close()
    assert [(line, column, code) for _, line, column, code in logged] == [(4, "watched_seconds", 1207)]
    assert logged[0][0].endswith(key)
