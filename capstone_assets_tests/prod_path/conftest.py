"""Fixtures for the production path: the product's own Redshift and S3 code, against a real PostgreSQL server
reached through the real `redshift_connector`, with Redshift-only statements emulated over moto's S3.

- `prod_env`: the environment of a `CAPSTONE_ENV=prod` deployment: `CAPSTONE_S3_BUCKET` (a fresh moto
  bucket), `CAPSTONE_S3_PREFIX` (`lake`), `CAPSTONE_S3_ENDPOINT_URL` (moto), `CAPSTONE_REDSHIFT_HOST`/`_PORT`/
  `_DATABASE`/`_USER`/`_PASSWORD` (a fresh database of the session's PostgreSQL server, shims and load-error
  tables installed, owned by an MD5-password login role), `CAPSTONE_REDSHIFT_IAM_ROLE` (an IAM role ARN).
  The password is also set in `os.environ` (monkeypatch), because the product reads it through `dg.EnvVar`.
  While the test runs, `redshift_connector.connect` is the emulator's (proxy.py) and the driver's
  connect-time adaptations are applied (driver.py); both are undone afterwards.
- `prod_settings`: `load_settings(prod_env)`.
- `prod_lake`: the S3Lake on the moto bucket (`build_lake(prod_settings)`).
- `prod_warehouse`: the RedshiftWarehouse (`build_warehouse(prod_settings)`), its `EnvVar` secrets resolved
  so a test can call it directly; Dagster runs (`build_definitions(prod_settings)`) resolve them themselves.
- `emulated_cluster(server, s3_endpoint, patcher)`: the same as a context manager, for module-scoped fixtures
  (with a `pytest.MonkeyPatch.context()`).
- `redshift_emulator`: the emulator: `.statements` (every statement sent, as sent), `.violations`
  (statements breaking a Redshift-only rule), `.refused` (COPY/UNLOAD Redshift would refuse),
  `.connections_opened`, `.s3` (a boto3 client on moto).
A test fails at teardown if any statement broke a Redshift-only rule (rules.py), even if the product caught
the error; a test that provokes a violation on purpose clears `redshift_emulator.violations`.
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from typing import Iterator

import boto3
import dagster as dg
import pytest

from capstone_assets_tests.prod_path import driver
from capstone_assets_tests.prod_path.database import create_redshift_database
from capstone_assets_tests.prod_path.proxy import RedshiftEmulator

IAM_ROLE = "arn:aws:iam::123456789012:role/capstone-redshift-loader"
FAKE_AWS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


def s3_client(endpoint: str):
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing")


@contextmanager
def emulated_cluster(server, s3_endpoint: str, patcher: pytest.MonkeyPatch) -> Iterator[tuple[dict, RedshiftEmulator]]:
    """A fresh database and bucket, the driver patched through `patcher`; yields (prod env, emulator)."""
    import redshift_connector

    role, password = driver.install_login_role(server)
    database = create_redshift_database(server, role)
    s3 = s3_client(s3_endpoint)
    bucket = f"capstone-prod-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    env = {
        "CAPSTONE_ENV": "prod",
        "CAPSTONE_S3_BUCKET": bucket,
        "CAPSTONE_S3_PREFIX": "lake",
        "CAPSTONE_S3_ENDPOINT_URL": s3_endpoint,
        "CAPSTONE_REDSHIFT_HOST": server.host,
        "CAPSTONE_REDSHIFT_PORT": str(server.port),
        "CAPSTONE_REDSHIFT_DATABASE": database,
        "CAPSTONE_REDSHIFT_USER": role,
        "CAPSTONE_REDSHIFT_PASSWORD": password,
        "CAPSTONE_REDSHIFT_IAM_ROLE": IAM_ROLE,
    }
    for name, value in {**FAKE_AWS, "CAPSTONE_REDSHIFT_PASSWORD": password}.items():
        patcher.setenv(name, value)
    driver.patch_driver(patcher)
    emulator = RedshiftEmulator(real_connect=redshift_connector.connect, s3=s3, admin_dsn=server.dsn(database))
    patcher.setattr(redshift_connector, "connect", emulator.connect)
    yield env, emulator


@pytest.fixture
def _emulated_cluster(postgres_server, s3_endpoint, monkeypatch):
    with emulated_cluster(postgres_server, s3_endpoint, monkeypatch) as (env, emulator):
        yield env, emulator
        if emulator.violations:
            pytest.fail("statements Redshift refuses were sent:\n" + "\n".join(emulator.violations[:10]), pytrace=False)


@pytest.fixture
def prod_env(_emulated_cluster) -> dict[str, str]:
    return dict(_emulated_cluster[0])


@pytest.fixture
def redshift_emulator(_emulated_cluster) -> RedshiftEmulator:
    return _emulated_cluster[1]


@pytest.fixture
def prod_settings(prod_env, tmp_path):
    from capstone_assets.settings import load_settings

    return load_settings({**prod_env, "CAPSTONE_DUCKDB_PATH": str(tmp_path / "unused.duckdb"),
                          "CAPSTONE_LAKE_DIR": str(tmp_path / "unused-lake")})


@pytest.fixture
def prod_lake(prod_settings):
    from capstone_assets.resources import build_lake

    return build_lake(prod_settings)


def resolved(resource):
    """The resource with its `dg.EnvVar` fields replaced by their values (what Dagster does at launch)."""
    values = {name: value.get_value() for name, value in dict(resource).items() if isinstance(value, dg.EnvVar)}
    return resource.model_copy(update=values) if values else resource


@pytest.fixture
def prod_warehouse(prod_settings):
    from capstone_assets.resources import build_warehouse

    return resolved(build_warehouse(prod_settings))
