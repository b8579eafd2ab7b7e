"""While a `capstone run` runs: which runs of this host are dead (their slots freed), and what a run waits for.

A run of this process waiting for a pool slot that another run holds says so, naming that run, instead of
waiting in silence; a holder whose process is gone is failed and its slots freed, so the wait ends.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
import time
from contextlib import contextmanager
from typing import Callable, Iterator

import dagster as dg
from dagster._core.launcher import WorkerStatus

from capstone_assets.run_launcher import PROCESS_TAG, worker_health, worker_process

PROCESS = f"{socket.gethostname()}:{os.getpid()}"  # this process, in PROCESS_TAG (capstone_assets/run_launcher.py)
WAIT_REPORT_SECONDS = 30  # a run still waiting for a pool slot says so again this often
WAIT_POLL_SECONDS = 2  # how often the pools are looked at while a run runs (a shorter wait is not reported)


def recover_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Runs still STARTED whose process on this host is gone (`kill -9`, the OOM killer; a CLI run, or a run of a
    `make dev` killed with its code server): marked failed and their concurrency slots freed, so the next run does
    not wait for them forever. Returns what was done."""
    done = []
    statuses = [dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING]
    for record in instance.get_run_records(dg.RunsFilter(statuses=statuses)):
        run = record.dagster_run
        health = worker_health(instance, run)
        if health.status != WorkerStatus.FAILED:
            continue
        message = f"{health.msg}; marked failed by `capstone run` (process {PROCESS})"
        instance.report_run_failed(run, message)
        if instance.event_log_storage.supports_global_concurrency_limits:
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
            message += "; its concurrency slots freed"
        done.append(f"run {run.run_id}: {message}")
    return done


def _describe_run(instance: dg.DagsterInstance, run_id: str) -> str:
    record = instance.get_run_record_by_id(run_id)
    if record is None:
        return f"run {run_id} (no longer recorded)"
    process = worker_process(instance, record.dagster_run) or "unknown"
    started = dt.datetime.fromtimestamp(record.start_time).strftime("%H:%M:%S") if record.start_time else "not yet"
    return f"run {run_id} (job {record.dagster_run.job_name}, process {process}, started {started})"


def pool_waits(instance: dg.DagsterInstance) -> list[str]:
    """One line per pool where a step of this process's run waits for a slot that other runs hold."""
    ours = {run.run_id for run in instance.get_runs(dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED],
                                                                   tags={PROCESS_TAG: PROCESS}))}
    storage = instance.event_log_storage
    lines = []
    for pool, info in sorted(storage.get_concurrency_infos(sorted(storage.get_concurrency_keys())).items()):
        holders = sorted({slot.run_id for slot in info.claimed_slots} - ours)
        if ours & info.pending_run_ids and holders:
            held = "its slot is held by " if len(holders) == 1 else f"its {len(holders)} slots are held by "
            lines.append(f"waiting for pool {pool!r}: {held}{'; '.join(_describe_run(instance, h) for h in holders)}")
    return lines


@contextmanager
def reporting_pool_waits(instance: dg.DagsterInstance | None, on_wait: Callable[[str], None] | None) -> Iterator[None]:
    """While the block runs, a thread says what the run waits for (every WAIT_REPORT_SECONDS, and when it changes),
    and recovers a holder whose process is gone; nothing is said when nothing waits."""
    if instance is None or on_wait is None or not instance.event_log_storage.supports_global_concurrency_limits:
        yield
        return
    stop = threading.Event()

    def watch() -> None:
        said, next_report = [], 0.0
        while not stop.wait(WAIT_POLL_SECONDS):
            try:
                waits = pool_waits(instance)
                recovered = recover_dead_runs(instance) if waits else []
            except Exception:  # looking must never break the run (e.g. a busy SQLite file): look again next time
                continue
            for line in recovered:
                on_wait(f"recovered {line}")
            if waits and (waits != said or time.monotonic() >= next_report) and not recovered:
                for line in waits:
                    on_wait(line)
                next_report = time.monotonic() + WAIT_REPORT_SECONDS
            said = waits

    watcher = threading.Thread(target=watch, name="capstone-pool-waits", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        stop.set()
        watcher.join()
