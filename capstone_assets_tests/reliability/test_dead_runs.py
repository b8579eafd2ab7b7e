"""Issue 14, class 4: a dead run blocks nothing. A `capstone run` killed with SIGKILL in the middle of its load
(holding a slot of the `warehouse` pool, its run STARTED in the instance) does not stop the next `capstone run`:
the dead run is marked failed, its slot freed, and the next run completes."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import dagster as dg

from capstone_assets_tests.reliability.lakes import csv_text, write_file
from capstone_assets_tests.reliability.test_process_faults import PATIENCE, wait_for

REPO = Path(__file__).resolve().parents[2]
USERS = "learning/dimensional_tables/users_dim.csv"
HEADER = ["user_id", "user_name", "email", "country", "signup_date", "degree"]


def cli(env, *argv, marker: Path | None = None) -> subprocess.Popen:
    module = "capstone_assets_tests.reliability.hold_cli" if marker else "capstone_assets.cli"
    command = [sys.executable, "-m", module, *([str(marker)] if marker else []), *argv]
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def one_user_and_a_local_instance(test_env, lake_dir, tmp_path) -> tuple[Path, dict, Path]:
    """A one-row users file, a DAGSTER_HOME with the local instance's config (pools of 1), the CLI's environment
    and the marker file a held run (`cli(..., marker=)`) writes once it holds the `warehouse` slot."""
    write_file(lake_dir, USERS, csv_text(HEADER, [(1, "a", "a@x", "DE", "2019-01-02", "data_science")]))
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(REPO / ".dagster_home" / "dagster.yaml", home / "dagster.yaml")
    return home, {**os.environ, **test_env, "DAGSTER_HOME": str(home)}, tmp_path / "holding"


def test_a_killed_cli_run_is_marked_failed_and_the_next_run_completes(test_env, lake_dir, tmp_path):
    home, env, marker = one_user_and_a_local_instance(test_env, lake_dir, tmp_path)
    first = cli(env, "run", "--select", "key:learning/stg_users", marker=marker)
    wait_for(marker, first)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        (dead,) = instance.get_runs()
        assert dead.status == dg.DagsterRunStatus.STARTED
        assert instance.event_log_storage.get_concurrency_info("warehouse").claimed_slots  # it holds the slot
    os.kill(first.pid, signal.SIGKILL)
    first.wait()

    second = cli(env, "run", "--select", "key:learning/stg_users")
    out, err = second.communicate(timeout=PATIENCE)  # before the fix: waited for the dead run's slot forever
    assert second.returncode == 0, out + err
    assert f"recovered run {dead.run_id}: its process {first.pid}" in out and "its concurrency slots freed" in out
    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = {run.run_id: run for run in instance.get_runs()}
        assert runs[dead.run_id].status == dg.DagsterRunStatus.FAILURE
        assert [run.status for run_id, run in runs.items() if run_id != dead.run_id] == [dg.DagsterRunStatus.SUCCESS]
        assert not instance.event_log_storage.get_concurrency_info("warehouse").claimed_slots
