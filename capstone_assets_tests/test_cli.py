"""The `capstone` command as a user runs it: generate, run with a report, exit codes, runs recorded in the instance."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pytest

from capstone_assets.cli import main
from capstone_assets_tests.helpers import query


@pytest.fixture
def cli_env(monkeypatch, tmp_path, test_env):
    for name, value in {**test_env, "CAPSTONE_DEGREES": "data_science,machine_learning",
                        "CAPSTONE_LEARNING_END": "2019-03-01", "DAGSTER_HOME": str(tmp_path / "home")}.items():
        monkeypatch.setenv(name, value)
    return tmp_path / "home"


def test_generate_then_run_reports_and_records_runs(cli_env, lake_dir, settings, capsys):
    assert main(["generate", "--group", "learning", "--scale", "0.005"]) == 0
    assert (lake_dir / "learning/machine_learning/2019/2/video_log.csv").exists()
    assert not (lake_dir / "learning/machine_learning/2019/3").exists()  # CAPSTONE_LEARNING_END=2019-03-01
    assert main(["run", "--select", "group:learning"]) == 0
    out = capsys.readouterr().out
    assert "[####################] 1/1" in out  # dimensions, every degree x month and the marts in one run
    assert "learning/stg_video_log" in out and "every run succeeded and every check passed" in out
    rows = {line.split()[0]: line.split()[2] for line in out.splitlines() if line.startswith("learning/")}
    staged = query(settings, "SELECT COUNT(*) FROM learning.stg_video_log")[0][0]
    assert rows["learning/stg_video_log"] == f"{staged:,}"
    assert rows["learning/text_terms"] == "-"  # a view: no row count, rather than a misleading 0
    with dg.DagsterInstance.from_config(str(cli_env)) as instance:
        runs = instance.get_runs()
    assert len(runs) == 1 and all(run.is_success for run in runs)
    ranged = [run for run in runs if "dagster/asset_partition_range_start" in run.tags]
    assert [(run.tags["dagster/asset_partition_range_start"], run.tags["dagster/asset_partition_range_end"])
            for run in ranged] == [("data_science|2019-01-01", "machine_learning|2019-02-01")]


def test_a_failing_blocking_check_stops_downstream_and_exits_non_zero(cli_env, lake_dir, settings, capsys):
    assert main(["generate", "--group", "learning", "--scale", "0.005"]) == 0
    path = lake_dir / "learning/data_science/2019/2/video_log.csv"
    lines = path.read_text().splitlines()
    january = (lake_dir / "learning/data_science/2019/1/video_log.csv").read_text().splitlines()
    duplicate = january[1].split(",")
    duplicate[3] = "2019-02-10 10:00:00"  # same view_id as a January view, inside February
    path.write_text("\n".join(lines + [",".join(duplicate)]) + "\n")
    assert main(["run", "--select", "group:learning"]) == 1
    out = capsys.readouterr().out
    assert "view_id_unique" in out and "FAILURES" in out
    tables = {row[0] for row in query(settings, "SELECT table_name FROM information_schema.tables")}
    # the marts that read video views are not built on top of the failed check; the others are
    assert not tables & {"top_videos_by_views_per_user", "viewing_after_negative_feedback"}
    assert {"negative_feedback_share", "mentor_question_topics"} <= tables


def test_generate_writes_the_configured_months_across_a_year_end(cli_env, lake_dir, monkeypatch, settings, capsys):
    monkeypatch.setenv("CAPSTONE_LEARNING_START", "2019-11-01")
    monkeypatch.setenv("CAPSTONE_LEARNING_END", "2020-02-01")
    assert main(["generate", "--group", "learning", "--scale", "0.005"]) == 0
    months = sorted(str(p.relative_to(lake_dir / "learning/data_science")) for p in
                    (lake_dir / "learning/data_science").glob("*/*"))
    assert months == ["2019/11", "2019/12", "2020/1"]
    assert main(["run", "--select", "group:learning"]) == 0  # every configured partition finds its files
    assert "every run succeeded and every check passed" in capsys.readouterr().out
    assert query(settings, "SELECT DISTINCT month FROM learning.stg_video_log ORDER BY 1") == \
        [(dt.date(2019, 11, 1),), (dt.date(2019, 12, 1),), (dt.date(2020, 1, 1),)]


def test_bad_configuration_exits_2_naming_the_variable(monkeypatch, capsys):
    monkeypatch.setenv("CAPSTONE_DEGREES", "data science")
    assert main(["run"]) == 2
    assert "CAPSTONE_DEGREES" in capsys.readouterr().err
