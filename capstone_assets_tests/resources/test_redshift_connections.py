"""RedshiftWarehouse's connections: one per session or per run, the connect and statement timeouts, password or IAM
authentication, commit or rollback, captured from a fake `redshift_connector.connect` (fake_redshift.py); and its
prod binding from the settings (the password through `dagster.EnvVar`, bad settings named by their variable), with a
live round trip when a Redshift is configured."""

from __future__ import annotations

import os

import dagster as dg
import pytest

from capstone_assets.resources import RedshiftWarehouse
from capstone_assets.settings import SettingsError, load_settings, redshift_variables_present
from capstone_assets_tests.resources.fake_redshift import PASSWORD, PROD, ROLE, non_statements, statements


def test_one_connection_per_session_and_per_run(fake_redshift, driver):
    """Defect 8: a new connection was opened for every query."""
    warehouse, log, _ = fake_redshift
    with warehouse.session():
        for _ in range(5):
            warehouse.query("SELECT 1")
        warehouse.execute("DELETE FROM learning.x WHERE 1 = 1", lock=['"learning"."x"'])
    assert len(driver.connects) == 1 and non_statements(log).count("close") == 1
    warehouse.setup_for_execution(None)  # a Dagster run: one connection across its steps' sessions
    for _ in range(3):
        with warehouse.session():
            warehouse.query("SELECT 1")
    assert len(driver.connects) == 2 and non_statements(log).count("close") == 1
    warehouse.teardown_after_execution(None)
    assert non_statements(log).count("close") == 2


def test_connect_timeout_statement_timeout_and_password_authentication(driver):
    warehouse = RedshiftWarehouse(host="example", database="dev", user="loader", password=PASSWORD, iam_role=ROLE,
                                  connect_timeout_seconds=12, statement_timeout_seconds=900)
    warehouse.query("SELECT 1")
    assert driver.connects == [{"host": "example", "port": 5439, "database": "dev", "timeout": 12, "user": "loader",
                                "password": PASSWORD}]
    assert statements(driver.log)[0] == "SET statement_timeout TO 900000"
    # the driver keeps `timeout` on the socket for every read: only connecting is bounded by it
    assert driver.connections[0]._usock.timeout is None


@pytest.mark.parametrize("target, expected", [
    ({"cluster_identifier": "analytics"}, {"cluster_identifier": "analytics"}),
    ({"serverless_work_group": "capstone"}, {"is_serverless": True, "serverless_work_group": "capstone"}),
])
def test_iam_authentication_needs_no_password(driver, target, expected):
    warehouse = RedshiftWarehouse(database="dev", iam=True, db_user="loader", cluster_region="eu-west-1",
                                  profile="prod", iam_role="default", **target)
    warehouse.query("SELECT 1")
    assert driver.connects == [{"port": 5439, "database": "dev", "timeout": 30, "iam": True, "user": "", "password": "",
                                "db_user": "loader", "region": "eu-west-1", "profile": "prod", **expected}]


def test_transaction_commits_or_rolls_back(fake_redshift):
    warehouse, log, _ = fake_redshift
    warehouse.execute("DELETE FROM learning.x WHERE 1 = 1", ("INSERT INTO learning.x SELECT 1", ()))
    assert [e[0] for e in log] == ["connect", "execute", "execute", "commit", "close"]
    log.clear()
    with pytest.raises(ZeroDivisionError):
        with warehouse.transaction() as tx:
            tx.execute("DELETE FROM learning.x WHERE 1 = 1")
            1 / 0
    assert [e[0] for e in log] == ["connect", "execute", "rollback", "close"]


def test_prod_binding_reads_the_password_through_envvar_and_passes_the_timeouts():
    from capstone_assets.resources import build_warehouse

    warehouse = build_warehouse(load_settings({**PROD, "CAPSTONE_REDSHIFT_CONNECT_TIMEOUT": "7",
                                               "CAPSTONE_REDSHIFT_STATEMENT_TIMEOUT": "600"}))
    assert isinstance(warehouse.password, dg.EnvVar) and warehouse.password.env_var_name == "CAPSTONE_REDSHIFT_PASSWORD"
    assert PASSWORD not in repr(warehouse)
    assert (warehouse.connect_timeout_seconds, warehouse.statement_timeout_seconds, warehouse.iam) == (7, 600, False)


def test_prod_binding_with_iam_on_serverless_has_no_password():
    from capstone_assets.resources import build_warehouse

    env = {"CAPSTONE_ENV": "prod", "CAPSTONE_S3_BUCKET": "b", "CAPSTONE_REDSHIFT_IAM": "true",
           "CAPSTONE_REDSHIFT_DATABASE": "dev", "CAPSTONE_REDSHIFT_DB_USER": "loader", "CAPSTONE_REDSHIFT_REGION": "us-gov-west-1",
           "CAPSTONE_REDSHIFT_WORKGROUP": "capstone", "CAPSTONE_REDSHIFT_PROFILE": "prod",
           "CAPSTONE_REDSHIFT_IAM_ROLE": "arn:aws-us-gov:iam::123456789012:role/loader"}
    warehouse = build_warehouse(load_settings(env))
    assert warehouse.password is None and warehouse.iam and warehouse.serverless_work_group == "capstone"
    assert (warehouse.db_user, warehouse.cluster_region, warehouse.profile) == ("loader", "us-gov-west-1", "prod")


@pytest.mark.parametrize("env, message", [
    ({"CAPSTONE_REDSHIFT_IAM_ROLE": "arn:aws:iam::1:user/x"}, "CAPSTONE_REDSHIFT_IAM_ROLE"),
    ({"CAPSTONE_REDSHIFT_PASSWORD": ""}, "CAPSTONE_REDSHIFT_PASSWORD"),
    ({"CAPSTONE_REDSHIFT_STATEMENT_TIMEOUT": "soon"}, "CAPSTONE_REDSHIFT_STATEMENT_TIMEOUT"),
    ({"CAPSTONE_REDSHIFT_CONNECT_TIMEOUT": "0"}, "CAPSTONE_REDSHIFT_CONNECT_TIMEOUT"),
    ({"CAPSTONE_REDSHIFT_IAM": "true", "CAPSTONE_REDSHIFT_DB_USER": "u"}, "CAPSTONE_REDSHIFT_CLUSTER_IDENTIFIER"),
    ({"CAPSTONE_REDSHIFT_IAM": "maybe"}, "CAPSTONE_REDSHIFT_IAM"),
])
def test_bad_redshift_settings_name_the_variable(env, message):
    with pytest.raises(SettingsError, match=message) as error:
        load_settings({**PROD, **env})
    assert PASSWORD not in str(error.value)


@pytest.mark.skipif(not redshift_variables_present(), reason="live Redshift: set CAPSTONE_REDSHIFT_HOST, _DATABASE, _USER, "
                                                            "_PASSWORD (or _IAM=true with its settings), _IAM_ROLE")
def test_live_redshift_round_trip():
    from capstone_assets.resources import build_warehouse

    warehouse = build_warehouse(load_settings({**os.environ, "CAPSTONE_ENV": "prod"}))
    if isinstance(warehouse.password, dg.EnvVar):
        warehouse = warehouse.model_copy(update={"password": warehouse.password.get_value()})
    assert warehouse.query("SELECT 1 + 1")[0][0] == 2
    warehouse.ensure_table("capstone", "load_audit")
    assert warehouse.table_exists("capstone", "load_audit")
