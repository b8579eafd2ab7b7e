"""The deployment of deploy/ running here without Docker: the compose file's code server, webserver and daemon
as plain processes, on deploy/dagster.yaml (PostgreSQL storage, run queue limits, run monitoring, S3 step
logs) with its one documented override (deploy/one-host.yaml: runs start in the code server, not in ECS).

One stack for the module: a throwaway PostgreSQL database, moto's S3 for the step logs, a small generated
learning lake (one degree, two months) and a DuckDB warehouse in tmp.
"""

from __future__ import annotations

import csv
import json
import os
import re
import signal
from dataclasses import dataclass
from pathlib import Path

import boto3
import duckdb
import psycopg2
import pytest

from capstone_assets.lib.event_batches import BATCH_SIZE
from capstone_assets.learning.generator import generate
from capstone_assets_tests.deploy.stack import DEPLOY, SERVICES, Stack, compose_services, free_port, wait_for, write_instance
from capstone_assets_tests.helpers import daemon_ticks
from capstone_assets_tests.ui import graphql as gql

pytestmark = pytest.mark.deploy

DEGREE, MONTHS = "data_science", (1, 2)
WRITES_TAG = "capstone/writes"
LOGS_PREFIX = "dagster/compute-logs"
# The test's own overlay, after deploy/one-host.yaml: run monitoring every second instead of every minute
# (a run that does not start, or the slots of a finished one, are dealt with in seconds).
MONITORING_OVERLAY = """\
run_monitoring:
  enabled: true
  start_timeout_seconds: 120
  cancel_timeout_seconds: 60
  max_resume_run_attempts: 0
  poll_interval_seconds: 1
  free_slots_after_run_end_seconds: 5
"""
LAUNCH_RUN = """mutation($params: ExecutionParams!) { launchRun(executionParams: $params) {
    __typename ... on LaunchRunSuccess { run { runId status } } ... on PythonError { message }
    ... on RunConfigValidationInvalid { errors { message } } ... on InvalidSubsetError { message } } }"""
STEP_LOG = re.compile(re.escape(LOGS_PREFIX) + r"/storage/([0-9a-f-]{36})/compute_logs/")
STARTED_PROCESS = re.compile(r"Started process for run \(pid: (\d+)\)")


@dataclass
class Deployment:
    stack: Stack
    dsn: dict
    bucket: str
    s3: object
    lake: Path
    warehouse: Path

    def sql(self, statement: str, params=()) -> list[tuple]:
        """The instance's own database: what the webserver and the daemon read and write."""
        with psycopg2.connect(host=self.dsn["host"], port=self.dsn["port"], dbname=self.dsn["database"],
                              user=self.dsn["user"], password=self.dsn["password"]) as connection:
            with connection.cursor() as cursor:
                cursor.execute(statement, params)
                return cursor.fetchall()


def environments(home: Path, dsn: dict, bucket: str, s3_endpoint: str, lake: Path, warehouse: Path) -> dict[str, dict[str, str]]:
    """What each service's container gets from the compose file's `environment:`, for processes on this host."""
    common = {
        "DAGSTER_HOME": str(home),
        "DAGSTER_POSTGRES_HOST": dsn["host"], "DAGSTER_POSTGRES_PORT": str(dsn["port"]),
        "DAGSTER_POSTGRES_DB": dsn["database"], "DAGSTER_POSTGRES_USER": dsn["user"],
        "DAGSTER_POSTGRES_PASSWORD": dsn["password"],
        "DAGSTER_COMPUTE_LOGS_BUCKET": bucket, "DAGSTER_COMPUTE_LOGS_PREFIX": LOGS_PREFIX,
        "DAGSTER_CODE_SERVER_HOST": "127.0.0.1", "DAGSTER_CODE_SERVER_PORT": str(free_port()),
        "DAGSTER_EVENT_BATCH_SIZE": str(BATCH_SIZE),
        "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "", "AWS_ENDPOINT_URL_S3": s3_endpoint,
    }
    return {
        "code-server": {**common, "CAPSTONE_ENV": "local", "CAPSTONE_LAKE_DIR": str(lake),
                        "CAPSTONE_DUCKDB_PATH": str(warehouse),
                        # test-only: a small partition grid (what capstone.env would hold in a deployment)
                        "CAPSTONE_DEGREES": DEGREE, "CAPSTONE_LEARNING_START": "2019-01-01",
                        "CAPSTONE_LEARNING_END": f"2019-{MONTHS[-1] + 1:02d}-01"},
        "webserver": {**common, "DAGSTER_WEBSERVER_HOST": "127.0.0.1", "DAGSTER_WEBSERVER_PORT": str(free_port())},
        "daemon": {**common, **daemon_ticks()},
    }


TEST_ONLY = {"CAPSTONE_DEGREES", "CAPSTONE_LEARNING_START", "CAPSTONE_LEARNING_END", *daemon_ticks()}


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, postgres_server, s3_endpoint) -> Deployment:
    root = tmp_path_factory.mktemp("deploy")
    dsn = postgres_server.dsn(postgres_server.create_database("dagster"))
    bucket = "capstone-dagster-logs"
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    s3.create_bucket(Bucket=bucket)
    lake, warehouse = root / "lake", root / "warehouse.duckdb"
    generate(lake, scale=0.01, degrees=(DEGREE,), months=MONTHS)
    (root / "monitoring.yaml").write_text(MONITORING_OVERLAY)
    home = root / "dagster_home"
    write_instance(home, DEPLOY / "one-host.yaml", root / "monitoring.yaml")
    stack = Stack(home, environments(home, dsn, bucket, s3_endpoint, lake, warehouse), root)
    try:
        stack.start(timeout=240)
        yield Deployment(stack, dsn, bucket, s3, lake, warehouse)
    finally:
        stack.stop()


def test_the_test_gives_each_service_what_the_compose_file_gives_it(tmp_path):
    services = compose_services()
    envs = environments(tmp_path, {"host": "h", "port": 1, "database": "d", "user": "u", "password": "p"},
                        "b", "http://s3", tmp_path / "lake", tmp_path / "w.duckdb")
    for service in SERVICES:
        assert set(services[service]["environment"]) == set(envs[service]) - TEST_ONLY, service
        assert services[service]["command"][0] in ("dagster", "dagster-webserver", "dagster-daemon")
    assert "deploy/workspace.yaml" in services["webserver"]["command"]
    assert "deploy/workspace.yaml" in services["daemon"]["command"]


def test_the_image_runs_the_code_server_and_builds_the_instance_the_compose_file_uses():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    (cmd,) = re.findall(r"^CMD (\[.*\])$", dockerfile, re.MULTILINE)
    assert json.loads(cmd) == compose_services()["code-server"]["command"]
    home = compose_services()["daemon"]["environment"]["DAGSTER_HOME"]
    assert f"python deploy/instance.py {home} deploy/one-host.yaml" in dockerfile


def test_learning_backfill_through_the_webserver_completes_and_is_recorded_in_postgres(deployment):
    ui = deployment.stack
    asset_keys = sorted(gql.asset_groups(ui)["learning"])
    partitions = gql.asset_node(ui, "learning/stg_video_log")["partitionKeys"]
    assert partitions == [f"{DEGREE}|2019-{m:02d}-01" for m in MONTHS]

    backfill_id = gql.launch_backfill(ui, asset_keys, partitions, "deployment test: learning")
    backfill = gql.wait_for_backfill(ui, backfill_id, timeout=300)

    assert backfill["status"] == "COMPLETED_SUCCESS", backfill
    run_ids = {run["runId"] for run in backfill["runs"]}
    assert run_ids and all(run["status"] == "SUCCESS" for run in backfill["runs"])
    # The runs, their events and the backfill are rows of the PostgreSQL instance database.
    stored = dict(deployment.sql("SELECT run_id, status FROM runs WHERE run_id = ANY(%s)", (list(run_ids),)))
    assert stored == {run_id: "SUCCESS" for run_id in run_ids}
    assert deployment.sql("SELECT status FROM bulk_actions WHERE key = %s", (backfill_id,)) == [("COMPLETED_SUCCESS",)]
    materialized = deployment.sql(
        "SELECT asset_key, partition FROM event_logs WHERE dagster_event_type = 'ASSET_MATERIALIZATION' AND run_id = ANY(%s)",
        (list(run_ids),))
    video_log = sorted(p for key, p in materialized if key == '["learning", "stg_video_log"]')
    assert video_log == partitions
    assert {tuple(json.loads(key)) for key, _ in materialized} == {tuple(key.split("/")) for key in asset_keys}
    # The rows reached the warehouse, and every step's log reached S3.
    with duckdb.connect(str(deployment.warehouse), read_only=True) as connection:
        staged = connection.execute("SELECT COUNT(*) FROM learning.stg_video_log").fetchone()[0]
    assert staged == sum(_data_rows(path) for path in deployment.lake.rglob("video_log.csv"))
    logged_runs = {found.group(1) for key in _s3_keys(deployment) if (found := STEP_LOG.match(key))}
    assert run_ids <= logged_runs


def test_a_killed_run_is_marked_failed_and_does_not_block_the_next(deployment):
    """kill -9 of a run's process: the run is marked failed, and the next run writing the same schema, queued
    behind it by the `capstone/writes` tag limit (1), then runs.

    With the default launcher the run's process is a child of the code server, whose watcher reports the death
    (with ECS, run monitoring does, from the task's status: `EcsRunLauncher.check_run_worker_health`)."""
    ui = deployment.stack
    killed = _launch(ui, "learning_dimensions_job")
    waiting = _launch(ui, "learning_dimensions_job")
    pid = wait_for(f"run {killed} to start its process", lambda: _run_pid(deployment, killed), 120, interval=0.2,
                   describe=ui.log_tail)
    os.kill(pid, signal.SIGKILL)

    assert gql.wait_for_run(ui, killed, timeout=120)["status"] == "FAILURE"
    assert gql.wait_for_run(ui, waiting, timeout=180)["status"] == "SUCCESS"
    (killed_end,), (waiting_start,) = (deployment.sql("SELECT end_time FROM runs WHERE run_id = %s", (killed,))[0],
                                       deployment.sql("SELECT start_time FROM runs WHERE run_id = %s", (waiting,))[0])
    assert waiting_start >= killed_end  # the queue held it until the dead run was marked failed
    engine_events = [event for (event,) in deployment.sql(
        "SELECT event FROM event_logs WHERE run_id = %s AND dagster_event_type = 'ENGINE_EVENT'", (killed,))]
    assert any(f"Run execution process for {killed} was terminated by signal 9" in e for e in engine_events), engine_events


def _launch(ui: Stack, job: str) -> str:
    params = {"selector": {"repositoryLocationName": gql.LOCATION, "repositoryName": gql.REPOSITORY, "jobName": job},
              "executionMetadata": {"tags": [{"key": WRITES_TAG, "value": "learning"}]}, "runConfigData": {}}
    result = ui.query(LAUNCH_RUN, {"params": params})["launchRun"]
    assert result["__typename"] == "LaunchRunSuccess", result
    return result["run"]["runId"]


def _run_pid(deployment: Deployment, run_id: str) -> int | None:
    for (event,) in deployment.sql("SELECT event FROM event_logs WHERE run_id = %s AND dagster_event_type = 'ENGINE_EVENT'",
                                   (run_id,)):
        found = STARTED_PROCESS.search(event)
        if found:
            return int(found.group(1))
    return None


def _s3_keys(deployment: Deployment) -> list[str]:
    pages = deployment.s3.get_paginator("list_objects_v2").paginate(Bucket=deployment.bucket, Prefix=LOGS_PREFIX + "/")
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def _data_rows(path: Path) -> int:
    with open(path, newline="", encoding="utf-8") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1
