"""Configuration errors name the variable; the Redshift password never shows up anywhere."""

from __future__ import annotations

import socket

import dagster as dg
import pytest
from dagster._serdes import serialize_value

from capstone_assets.definitions import build_definitions
from capstone_assets.learning.assets import build_assets
from capstone_assets.settings import SettingsError, load_settings

PASSWORD = "pw-7f3a9c-Do-Not-Leak"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prod_environment(**overrides: str) -> dict[str, str]:
    environ = {
        "CAPSTONE_ENV": "prod", "CAPSTONE_S3_BUCKET": "capstone-lake", "CAPSTONE_S3_ENDPOINT_URL": "http://127.0.0.1:9",
        "CAPSTONE_REDSHIFT_HOST": "127.0.0.1", "CAPSTONE_REDSHIFT_PORT": str(closed_port()),
        "CAPSTONE_REDSHIFT_DATABASE": "dev", "CAPSTONE_REDSHIFT_USER": "loader",
        "CAPSTONE_REDSHIFT_PASSWORD": PASSWORD, "CAPSTONE_REDSHIFT_IAM_ROLE": "arn:aws:iam::123456789012:role/loader",
    }
    environ.update(overrides)
    return {name: value for name, value in environ.items() if value is not None}


@pytest.mark.parametrize("overrides, named", [
    ({"CAPSTONE_ENV": "production"}, "CAPSTONE_ENV"),
    ({"CAPSTONE_S3_BUCKET": None}, "CAPSTONE_S3_BUCKET"),
    ({"CAPSTONE_REDSHIFT_HOST": None}, "CAPSTONE_REDSHIFT_HOST"),
    ({"CAPSTONE_REDSHIFT_PASSWORD": None}, "CAPSTONE_REDSHIFT_PASSWORD"),
    ({"CAPSTONE_REDSHIFT_PORT": "fifty"}, "CAPSTONE_REDSHIFT_PORT"),
    ({"CAPSTONE_REDSHIFT_IAM_ROLE": "loader"}, "CAPSTONE_REDSHIFT_IAM_ROLE"),
    ({"CAPSTONE_DUCKDB_LOCK_TIMEOUT": "-1"}, "CAPSTONE_DUCKDB_LOCK_TIMEOUT"),
    ({"CAPSTONE_DUCKDB_MEMORY_LIMIT": "1GB'; SET threads = 1"}, "CAPSTONE_DUCKDB_MEMORY_LIMIT"),
    ({"CAPSTONE_LEARNING_START": "2019-01-15"}, "CAPSTONE_LEARNING_START"),
    ({"CAPSTONE_DEGREES": " , "}, "CAPSTONE_DEGREES"),
])
def test_missing_or_malformed_configuration(overrides, named):
    with pytest.raises(SettingsError) as error:
        load_settings(prod_environment(**overrides))
    assert named in str(error.value)
    assert PASSWORD not in str(error.value)


def test_secret_never_appears_in_definitions_run_config_logs_or_errors(monkeypatch):
    environ = prod_environment()
    for name, value in environ.items():
        monkeypatch.setenv(name, value)  # dg.EnvVar resolves the password from the process at launch
    settings = load_settings(environ)
    defs = build_definitions(settings)
    assert PASSWORD not in repr(settings) and PASSWORD not in repr(defs.resources)

    (users,) = [a for a in build_assets(settings) if a.key == dg.AssetKey(["learning", "stg_users"])]
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([users], resources=defs.resources, instance=instance, raise_on_error=False)
    assert not result.success  # the warehouse is unreachable: the password was used, and must not be shown
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert "redshift_connector" in failure.event_specific_data.error.to_string()
    run = instance.get_run_by_id(result.run_id)
    assert PASSWORD not in serialize_value(run)
    for record in instance.all_logs(result.run_id):
        assert PASSWORD not in serialize_value(record), record.dagster_event_type


def test_missing_secret_at_launch_names_the_variable(monkeypatch):
    environ = prod_environment()
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    settings = load_settings(environ)
    monkeypatch.delenv("CAPSTONE_REDSHIFT_PASSWORD")
    (users,) = [a for a in build_assets(settings) if a.key == dg.AssetKey(["learning", "stg_users"])]
    with pytest.raises(Exception, match="CAPSTONE_REDSHIFT_PASSWORD"):
        dg.materialize([users], resources=build_definitions(settings).resources)
