"""Issue 14, class 4: a run never waits without saying what it waits for. A `capstone run` whose step waits for the
`warehouse` pool's only slot, held by another live `capstone run`, prints which run holds it (id, job, process,
start time); when the holder's process is killed while it waits, the waiting run recovers that run itself, gets the
slot and completes. A run that does not wait says nothing of the kind."""

from __future__ import annotations

import datetime as dt
import os
import queue
import re
import signal
import socket
import threading

import dagster as dg

from capstone_assets.run_launcher import LocalRunLauncher
from capstone_assets_tests.reliability.test_dead_runs import cli, one_user_and_a_local_instance
from capstone_assets_tests.reliability.test_process_faults import PATIENCE, wait_for

WAITING = re.compile(r"waiting for pool 'warehouse': its slot is held by run (\S+) \(job (\S+), process (\S+), "
                     r"started (\d\d:\d\d:\d\d)\)")


def lines_of(process) -> queue.Queue:
    """The process's output lines as they come (None at the end), read by a thread so a test can wait for one."""
    lines: queue.Queue = queue.Queue()

    def read() -> None:
        for line in process.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    return lines


def next_line(lines: queue.Queue, pattern: re.Pattern, seen: list[str]) -> re.Match:
    while True:
        line = lines.get(timeout=PATIENCE)
        assert line is not None, f"no line matching {pattern.pattern!r} in:\n" + "\n".join(seen)
        seen.append(line)
        if match := pattern.search(line):
            return match


def test_a_waiting_run_names_the_run_holding_its_slot_and_completes_once_it_is_free(test_env, lake_dir, tmp_path):
    home, env, marker = one_user_and_a_local_instance(test_env, lake_dir, tmp_path)
    holder = cli(env, "run", "--select", "key:learning/stg_users", marker=marker)
    wait_for(marker, holder)  # in the middle of its load, holding the slot
    with dg.DagsterInstance.from_config(str(home)) as instance:
        (held,) = instance.get_runs()
        started = instance.get_run_record_by_id(held.run_id).start_time

    waiting = cli(env, "run", "--select", "key:learning/stg_users")
    seen: list[str] = []
    lines = lines_of(waiting)
    said = next_line(lines, WAITING, seen)
    assert said.groups()[:3] == (held.run_id, held.job_name, f"{socket.gethostname()}:{holder.pid}"), said.group(0)
    assert said.group(4) == dt.datetime.fromtimestamp(started).strftime("%H:%M:%S")
    with dg.DagsterInstance.from_config(str(home)) as instance:  # the daemon's health check leaves the live run alone
        assert isinstance(instance.run_launcher, LocalRunLauncher)
        health = instance.run_launcher.check_run_worker_health(instance.get_run_by_id(held.run_id))
        assert health.status.value == "RUNNING", health

    os.kill(holder.pid, signal.SIGKILL)  # the slot's holder dies while the other run waits for the slot
    holder.wait()
    held_said = holder.stdout.read()
    assert "... start" in held_said, held_said  # it got to its load
    assert "waiting for pool" not in held_said, held_said  # the run that did not wait said nothing of the kind
    next_line(lines, re.compile(re.escape(f"recovered run {held.run_id}: its process {holder.pid} on "
                                          f"{socket.gethostname()} is gone")), seen)
    assert waiting.wait(timeout=PATIENCE) == 0, "\n".join(seen) + waiting.stderr.read()
    while (line := lines.get(timeout=PATIENCE)) is not None:
        seen.append(line)
    recovered_at = next(i for i, line in enumerate(seen) if line.strip().startswith("recovered run"))
    assert not any("waiting for pool" in line for line in seen[recovered_at:]), seen
    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = {run.run_id: run.status for run in instance.get_runs()}
        assert runs.pop(held.run_id) == dg.DagsterRunStatus.FAILURE
        assert list(runs.values()) == [dg.DagsterRunStatus.SUCCESS]
        assert not instance.event_log_storage.get_concurrency_info("warehouse").claimed_slots

