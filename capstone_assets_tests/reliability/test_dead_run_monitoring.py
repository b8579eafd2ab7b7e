"""Issue 14, class 4, under the daemon: a run started through a code server by the local run launcher
(capstone_assets/run_launcher.py, as `make dev` and deploy/one-host.yaml run it), killed with SIGKILL together with
its code server while it holds the `warehouse` pool's slot, is failed by run monitoring's next look, naming the
dead process, and its slot is freed; before, only `max_runtime_seconds` (6 h) ended it."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
from dagster._core.launcher import WorkerStatus
from dagster._core.test_utils import freeze_time
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import GrpcServerTarget
from dagster._daemon.monitoring.concurrency import execute_concurrency_slots_iteration
from dagster._daemon.monitoring.run_monitoring import monitor_started_run
from dagster._grpc.client import DagsterGrpcClient
from dagster._grpc.server import wait_for_grpc_server

from capstone_assets.run_launcher import HOST, LocalRunLauncher
from capstone_assets_tests.postgres_server import free_port
from capstone_assets_tests.reliability.test_process_faults import PATIENCE, wait_for

REPO = Path(__file__).resolve().parents[2]
JOB_FILE = Path(__file__).with_name("hold_job.py")
STARTED_PROCESS = re.compile(r"Started process for run \(pid: (\d+)\)")
LOGGER = logging.getLogger("run_monitoring")


def local_instance(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(REPO / ".dagster_home" / "dagster.yaml", home / "dagster.yaml")  # `make dev`'s instance, as it is
    return home


def gone(pid: int) -> bool:
    """Exited (a zombie waiting for its parent counts as exited)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def launch(instance: dg.DagsterInstance, workspace, marker: Path) -> dg.DagsterRun:
    """Create and launch a run of hold_job.hold_warehouse as the daemon does for a queued run."""
    location = workspace.get_code_location("hold")
    repository = location.get_repository("__repository__")
    job = repository.get_full_job("hold_warehouse")
    run_config = {"ops": {"hold_the_warehouse_slot": {"config": {"marker": str(marker)}}}}
    plan = location.get_execution_plan(job, run_config, step_keys_to_execute=None, known_state=None,
                                       instance=instance)
    run = instance.create_run(
        job_name=job.name, run_id=None, run_config=run_config, resolved_op_selection=None, step_keys_to_execute=None,
        status=dg.DagsterRunStatus.NOT_STARTED, op_selection=None, root_run_id=None, parent_run_id=None, tags={},
        job_snapshot=job.job_snapshot, execution_plan_snapshot=plan.execution_plan_snapshot,
        parent_job_snapshot=job.parent_job_snapshot, remote_job_origin=job.get_remote_origin(),
        job_code_origin=job.get_python_origin(), asset_selection=None, asset_check_selection=None,
        asset_graph=repository.asset_graph)
    return instance.launch_run(run.run_id, workspace)


def test_the_local_instance_loads_the_local_run_launcher(tmp_path):
    with dg.DagsterInstance.from_config(str(local_instance(tmp_path))) as instance:
        assert type(instance.run_launcher) is LocalRunLauncher
        assert instance.run_launcher.supports_check_run_worker_health
        assert instance.run_monitoring_enabled and instance.run_monitoring_max_resume_run_attempts == 0


def test_a_run_killed_with_its_code_server_is_failed_by_run_monitoring_and_its_slot_freed(tmp_path):
    home = local_instance(tmp_path)
    port = free_port()
    command = [sys.executable, "-m", "dagster", "api", "grpc", "--python-file", str(JOB_FILE),
               "--location-name", "hold", "--host", "localhost", "--port", str(port)]
    with open(tmp_path / "code_server.log", "w") as log:  # a session of its own: killed as a group, with its runs
        server = subprocess.Popen(command, cwd=tmp_path, env={**os.environ, "DAGSTER_HOME": str(home)},
                                  stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_grpc_server(server, DagsterGrpcClient(port=port, host="localhost"), command, timeout=PATIENCE)
        with dg.DagsterInstance.from_config(str(home)) as instance, \
                WorkspaceProcessContext(instance, GrpcServerTarget(host="localhost", port=port, socket=None,
                                                                   location_name="hold")) as context:
            workspace = context.create_request_context()
            marker = tmp_path / "holding"
            run = launch(instance, workspace, marker)
            wait_for(marker, server)
            run = instance.get_run_by_id(run.run_id)
            assert run.status == dg.DagsterRunStatus.STARTED
            claimed = instance.event_log_storage.get_concurrency_info("warehouse").claimed_slots
            assert [slot.run_id for slot in claimed] == [run.run_id]
            (pid,) = {int(m.group(1)) for e in instance.all_logs(run.run_id) if (m := STARTED_PROCESS.search(e.message))}
            alive = instance.run_launcher.check_run_worker_health(run)
            assert alive.status == WorkerStatus.RUNNING and str(pid) in alive.msg  # a live run is left alone

            os.killpg(server.pid, signal.SIGKILL)  # the code server, the run's process and its step's process
            server.wait()
            deadline = time.monotonic() + PATIENCE  # SIGKILL is delivered at once; the process ends a moment later
            while not gone(pid):
                assert time.monotonic() < deadline, f"process {pid} survived SIGKILL"
                time.sleep(0.05)
            monitor_started_run(instance, workspace, instance.get_run_record_by_id(run.run_id), LOGGER)

            failed = instance.get_run_by_id(run.run_id)
            assert failed.status == dg.DagsterRunStatus.FAILURE
            (failure,) = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)
            assert f"its process {pid} on {HOST} is gone (killed, or out of memory)" in failure.message
            # the daemon frees a finished run's slots free_slots_after_run_end_seconds after its end: one pass, later
            delay = instance.run_monitoring_settings["free_slots_after_run_end_seconds"]
            assert instance.event_log_storage.get_concurrency_info("warehouse").claimed_slots  # not yet
            with freeze_time(dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=delay + 1)):
                list(execute_concurrency_slots_iteration(context, LOGGER))
            assert not instance.event_log_storage.get_concurrency_info("warehouse").claimed_slots
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
