"""deploy/dagster.yaml and deploy/workspace.yaml against the installed Dagster 1.13 / dagster-aws 0.29 /
dagster-postgres 0.29: every section is built as the webserver and the daemon build it (storage connected to a
real PostgreSQL, the ECS launcher looking up its task definition in moto's ECS), and a misspelled key anywhere
fails to load."""

from __future__ import annotations

import copy
from pathlib import Path

import boto3
import pytest
import yaml
from dagster import DagsterInstance
from dagster._core.errors import DagsterInvalidConfigError
from dagster._core.run_coordinator import QueuedRunCoordinator
from dagster._core.workspace.config_schema import ensure_workspace_config
from dagster_aws.ecs import EcsRunLauncher
from dagster_aws.s3.compute_log_manager import S3ComputeLogManager
from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage, PostgresScheduleStorage

from capstone_assets.run_launcher import LocalRunLauncher
from capstone_assets_tests.deploy.stack import DEPLOY, write_instance

pytestmark = pytest.mark.deploy

RUN_TASK_FAMILY = "capstone-dagster-run"


@pytest.fixture(scope="module")
def instance_database(postgres_server) -> dict:
    return postgres_server.dsn(postgres_server.create_database("instance"))


@pytest.fixture
def deploy_env(monkeypatch, aws_env, s3_endpoint, instance_database) -> dict[str, str]:
    """The variables deploy/dagster.yaml reads, pointing at the test's PostgreSQL and moto (S3, ECS)."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    ecs = boto3.client("ecs", endpoint_url=s3_endpoint)
    ecs.register_task_definition(family=RUN_TASK_FAMILY, containerDefinitions=[
        {"name": "run", "image": "capstone-assets:latest", "memory": 2048}])
    boto3.client("s3", endpoint_url=s3_endpoint).create_bucket(Bucket="capstone-step-logs")
    env = {"DAGSTER_POSTGRES_HOST": instance_database["host"], "DAGSTER_POSTGRES_PORT": str(instance_database["port"]),
           "DAGSTER_POSTGRES_DB": instance_database["database"], "DAGSTER_POSTGRES_USER": instance_database["user"],
           "DAGSTER_POSTGRES_PASSWORD": instance_database["password"],
           "DAGSTER_COMPUTE_LOGS_BUCKET": "capstone-step-logs", "DAGSTER_COMPUTE_LOGS_PREFIX": "dagster/compute-logs",
           "DAGSTER_RUN_TASK_DEFINITION": RUN_TASK_FAMILY}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def built(home: Path) -> DagsterInstance:
    """The instance with every configurable section constructed (Dagster builds some lazily)."""
    instance = DagsterInstance.from_config(str(home))
    for section in ("run_storage", "event_log_storage", "schedule_storage", "run_coordinator", "run_launcher",
                    "compute_log_manager"):
        getattr(instance, section)
    return instance


def test_production_instance_builds_every_section(tmp_path, deploy_env):
    write_instance(tmp_path)

    with built(tmp_path) as instance:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
        assert isinstance(instance.schedule_storage, PostgresScheduleStorage)
        launcher = instance.run_launcher
        assert isinstance(launcher, EcsRunLauncher)
        assert launcher.task_definition.endswith(f"task-definition/{RUN_TASK_FAMILY}:1")  # resolved in ECS
        assert launcher.container_name == "run"
        logs = instance.compute_log_manager
        assert isinstance(logs, S3ComputeLogManager) and logs._s3_bucket == "capstone-step-logs"
        coordinator = instance.run_coordinator
        assert isinstance(coordinator, QueuedRunCoordinator)
        queue = instance.get_concurrency_config().run_queue_config  # the `concurrency:` block over the coordinator's
        limits = {limit["key"]: (limit["value"], limit["limit"]) for limit in queue.tag_concurrency_limits}
        assert limits["capstone/writes"] == ({"applyLimitPerUniqueValue": True}, 1)
        assert queue.max_concurrent_runs == 10
        assert instance.run_monitoring_enabled and instance.run_monitoring_max_resume_run_attempts == 0


def test_one_host_overlay_swaps_only_the_run_launcher(tmp_path, deploy_env):
    production = yaml.safe_load(write_instance(tmp_path / "production").read_text())
    one_host = yaml.safe_load(write_instance(tmp_path / "one_host", DEPLOY / "one-host.yaml").read_text())

    assert {k: v for k, v in one_host.items() if k != "run_launcher"} == \
           {k: v for k, v in production.items() if k != "run_launcher"}
    with built(tmp_path / "one_host") as instance:
        assert type(instance.run_launcher) is LocalRunLauncher  # Dagster's default launcher + a health check
        assert isinstance(instance.run_storage, PostgresRunStorage)


MISSPELLINGS = {  # where in dagster.yaml, the wrong key
    "top-level section": ((), "run_monitor"),
    "run monitoring": (("run_monitoring",), "poll_interval"),
    "queue limit": (("concurrency", "runs"), "max_runs"),
    "postgres storage": (("storage", "postgres", "postgres_db"), "host"),
    "ECS launcher": (("run_launcher", "config"), "task_defintion"),
    "S3 step logs": (("compute_logs", "config"), "bucket_name"),
}


@pytest.mark.parametrize("where", MISSPELLINGS)
def test_a_misspelled_key_fails_to_load(tmp_path, deploy_env, where):
    path, wrong = MISSPELLINGS[where]
    config = copy.deepcopy(yaml.safe_load((DEPLOY / "dagster.yaml").read_text()))
    section = config
    for key in path:
        section = section[key]
    section[wrong] = 1
    (tmp_path / "dagster.yaml").write_text(yaml.safe_dump(config))

    with pytest.raises(DagsterInvalidConfigError) as error:
        built(tmp_path)
    assert wrong in str(error.value)


def test_workspace_points_at_the_code_server(monkeypatch):
    monkeypatch.setenv("DAGSTER_CODE_SERVER_HOST", "code-server")
    monkeypatch.setenv("DAGSTER_CODE_SERVER_PORT", "4000")
    workspace_path = DEPLOY / "workspace.yaml"
    config = ensure_workspace_config(yaml.safe_load(workspace_path.read_text()), str(workspace_path))
    (entry,) = config["load_from"]
    assert entry["grpc_server"]["location_name"] == "capstone_assets"
