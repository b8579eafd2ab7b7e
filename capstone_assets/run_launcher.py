"""Which process runs a run, whether it is still alive, and a local run launcher that tells the daemon.

Dagster's `DefaultRunLauncher` (used by `make dev` and deploy/one-host.yaml) starts each run as a process of the
code server but cannot say whether that process still exists, so run monitoring could only fail a dead run at
`max_runtime_seconds`. `LocalRunLauncher` answers the monitor's health check from the run's own records:

- a `capstone run` (in process) carries its `host:pid` in the `capstone/process` tag;
- a run started through a code server logged "Started process for run (pid: N)"; it runs on the code server's
  host (the run's `dagster/grpc_info` tag).

A code server that is alive fails the runs whose process died itself; while it still tracks the run, the run is
reported RUNNING and left to it. A process on this host that no longer exists and that no live code server tracks
(`kill -9` of `make dev` or of a code server with its runs, the out-of-memory killer, a `capstone run` killed) makes
the run FAILED, which frees its place in the run queue and, after `free_slots_after_run_end_seconds`, its pool
slots. A worker on another host (a code server in another container) cannot be seen from here: it is reported
RUNNING, and `max_runtime_seconds` stays the bound.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
from dagster._core.launcher import CheckRunHealthResult, WorkerStatus
from dagster._core.storage.tags import GRPC_INFO_TAG
from dagster._grpc.client import DagsterGrpcClient
from dagster._grpc.types import CanCancelExecutionRequest, CanCancelExecutionResult
from dagster._serdes import deserialize_value

PROCESS_TAG = "capstone/process"  # host:pid of the CLI process running a run, to tell a dead run from a live one
HOST = socket.gethostname()
LOCAL_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0", HOST})
STARTED_PROCESS_EVENTS = ("Started process for run", "Started process for resuming job")  # dagster/_grpc/impl.py


@dataclass(frozen=True)
class WorkerProcess:
    host: str
    pid: int

    @property
    def on_this_host(self) -> bool:
        return self.host in LOCAL_NAMES

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}"


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


def process_alive(pid: int) -> bool:
    if not _exists(pid):
        return False
    try:  # a zombie (dead, its parent has not collected it yet) still answers os.kill
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return not Path("/proc/self").exists()  # gone meanwhile; or no /proc (macOS): os.kill's answer stands


def worker_process(instance: dg.DagsterInstance, run: dg.DagsterRun) -> WorkerProcess | None:
    """The process executing `run`, from its tags or its "Started process" event; None when none is recorded."""
    host, _, pid = run.tags.get(PROCESS_TAG, "").rpartition(":")
    if host and pid.isdigit():
        return WorkerProcess(host, int(pid))
    started = [entry for entry in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ENGINE_EVENT)
               if entry.message.startswith(STARTED_PROCESS_EVENTS)]
    if not started:
        return None
    pid = started[-1].dagster_event.engine_event_data.metadata["pid"].value  # the latest worker (a resumed run)
    grpc_host = json.loads(run.tags.get(GRPC_INFO_TAG, "{}")).get("host")
    return WorkerProcess(HOST if grpc_host in LOCAL_NAMES else grpc_host or "unknown host", int(pid))


def _code_server_tracks(run: dg.DagsterRun) -> bool:
    """Whether the code server that started `run` is up and still tracks it (it then fails the run itself)."""
    info = json.loads(run.tags.get(GRPC_INFO_TAG, "{}"))
    if not info:
        return False
    client = DagsterGrpcClient(host=info.get("host"), port=info.get("port"), socket=info.get("socket"),
                               use_ssl=bool(info.get("use_ssl")))
    try:
        answer = client.can_cancel_execution(CanCancelExecutionRequest(run_id=run.run_id), timeout=10)
    except Exception:  # DagsterUserCodeUnreachableError: the code server is gone too
        return False
    return deserialize_value(answer, CanCancelExecutionResult).can_cancel


def worker_health(instance: dg.DagsterInstance, run: dg.DagsterRun) -> CheckRunHealthResult:
    """FAILED when the run's process is gone from this host and no live code server tracks it; RUNNING otherwise."""
    process = worker_process(instance, run)
    if process is None:  # not started yet: start_timeout_seconds covers a worker that never starts
        return CheckRunHealthResult(WorkerStatus.RUNNING, "no worker process recorded yet")
    if not process.on_this_host:
        return CheckRunHealthResult(WorkerStatus.RUNNING, f"its process {process} is on another host, "
                                                          f"not visible from {HOST}; assumed running")
    if process_alive(process.pid):
        return CheckRunHealthResult(WorkerStatus.RUNNING, f"its process {process.pid} on {process.host} is alive")
    if _code_server_tracks(run):
        return CheckRunHealthResult(WorkerStatus.RUNNING, f"its process {process.pid} on {process.host} is gone; "
                                                          "its code server, still up, reports the run itself")
    return CheckRunHealthResult(WorkerStatus.FAILED, f"its process {process.pid} on {process.host} is gone "
                                                     "(killed, or out of memory)")


class LocalRunLauncher(dg.DefaultRunLauncher):
    """Dagster's default launcher, plus a worker health check for run monitoring (see the module's docstring)."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: dg.DagsterRun) -> CheckRunHealthResult:
        return worker_health(self._instance, run)
