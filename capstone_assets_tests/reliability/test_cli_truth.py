"""Issue 14, class 7: the command line tells the truth. A filter that is malformed or matches nothing exits non-zero
naming it; a load error is one line (asset, partition, file, line, column, reason) with no traceback on the
terminal; partitions print as keys; a partly loaded asset is in the closing table; the failed run is in
`capstone.run_failures`; an unusable DAGSTER_HOME is one clear message."""

from __future__ import annotations

import errno

import dagster as dg
import pytest

from capstone_assets.cli import main
from capstone_assets_tests.helpers import query
from capstone_assets_tests.reliability.lakes import (
    FEBRUARY, csv_text, fact_key, video_rows, write_file, write_video_log,
)
from capstone_assets.learning.generator import FACT_COLUMNS


@pytest.fixture
def cli_env(monkeypatch, tmp_path, test_env):
    for name, value in {**test_env, "CAPSTONE_DEGREES": "data_science", "CAPSTONE_LEARNING_END": "2019-03-01",
                        "DAGSTER_HOME": str(tmp_path / "home")}.items():
        monkeypatch.setenv(name, value)
    return tmp_path / "home"


def recorded_runs(home):
    if not home.exists():
        return []
    with dg.DagsterInstance.from_config(str(home)) as instance:
        return instance.get_runs()


@pytest.mark.parametrize("option, value, message", [
    ("--months", "2019-13-01", "is not a month"),
    ("--months", "2019-01", "is not a month"),
    ("--months", "2019-02-15", "is not a month"),
    ("--months", "2018-06-01", "matches no partition of the selection (its months run 2019-01-01..2019-02-01)"),
    ("--degrees", "data_sciense", "matches no partition of the selection (its degrees are data_science)"),
])
def test_a_bad_filter_exits_non_zero_naming_it(cli_env, capsys, option, value, message):
    """Before: a mistyped month ran the unpartitioned dimensions only and reported success."""
    assert main(["run", "--select", "group:learning", option, value]) != 0
    out = capsys.readouterr().out
    assert f"{option} {value!r} {message}" in out
    assert recorded_runs(cli_env) == []  # nothing ran


def test_a_load_error_is_one_line_and_the_partial_load_is_reported(cli_env, lake_dir, settings, capfd):
    write_video_log(lake_dir, video_rows(4))
    bad = csv_text(FACT_COLUMNS["video_log"], video_rows(2, FEBRUARY, first_id=10)) + "99,1,seven,2019-02-02 00:00:00,30\n"
    write_file(lake_dir, fact_key("video_log", FEBRUARY), bad)
    assert main(["run", "--select", "key:learning/stg_video_log"]) == 1
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err and 'File "' not in out + err  # the traceback is in the run's log only
    expected = (f"learning/stg_video_log [data_science|2019-01-01...data_science|2019-02-01]: "
                f"{fact_key('video_log', FEBRUARY)}, line 4, column 'video_id': CAST: Could not convert 'seven'")
    (line,) = [line.strip() for line in out.splitlines() if line.strip().startswith("learning/stg_video_log [")]
    assert line.startswith(expected)
    assert "MultiPartitionKey" not in out and "datetime.date" not in out  # partitions print as keys
    (row,) = [line for line in out.splitlines() if line.startswith("learning/stg_video_log ")]
    assert row.split()[1:3] == ["1", "4"] and "STEP FAILED" in row  # January (4 rows) loaded, February did not
    (run,) = recorded_runs(cli_env)
    assert run.is_failure
    failures = query(settings, "SELECT run_id, assets, partition_key, error FROM capstone.run_failures")
    assert [(f[0], f[1], f[2]) for f in failures] == [
        (run.run_id, "learning/stg_video_log", "data_science|2019-01-01...data_science|2019-02-01")]
    assert "line 4, column 'video_id'" in failures[0][3]
    with dg.DagsterInstance.from_config(str(cli_env)) as instance:  # January is recorded as materialized
        materialized = instance.get_materialized_partitions(dg.AssetKey(["learning", "stg_video_log"]))
    assert materialized == {"data_science|2019-01-01"}


def test_an_unwritable_dagster_home_is_one_clear_message(cli_env, lake_dir, monkeypatch, capfd):
    write_video_log(lake_dir, video_rows(2))
    blocker = cli_env.parent / "not-a-folder"
    blocker.write_text("a file where DAGSTER_HOME should be a folder")
    monkeypatch.setenv("DAGSTER_HOME", str(blocker / "home"))
    assert main(["run", "--select", "key:learning/stg_video_log"]) == 1
    out, err = capfd.readouterr()
    assert f"error: cannot keep the run records in DAGSTER_HOME={blocker / 'home'}: it cannot be written" in out
    assert "Traceback" not in out + err


def test_a_full_disk_is_one_clear_message(cli_env, lake_dir, monkeypatch, capfd):
    write_video_log(lake_dir, video_rows(2))

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(dg.DagsterInstance, "from_config", full)
    assert main(["run", "--select", "key:learning/stg_video_log"]) == 1
    out, err = capfd.readouterr()
    assert "cannot keep the run records in DAGSTER_HOME=" in out and "the disk is full" in out
    assert "Traceback" not in out + err
