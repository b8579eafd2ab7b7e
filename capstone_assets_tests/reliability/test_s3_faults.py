"""S3 throttling against moto's S3 server: boto3's standard retries absorb a burst of SlowDown, and when
they give up the staged asset asks Dagster to retry (RetryRequested) with nothing half-written."""

from __future__ import annotations

import types

import boto3
import botocore.endpoint
import dagster as dg
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError
from moto.server import ThreadedMotoServer

from capstone_assets.learning.assets import build_assets
from capstone_assets.lib.loading import load_partition
from capstone_assets.resources import DuckDBWarehouse, S3Lake
from capstone_assets.resources.lake import is_transient
from capstone_assets_tests.helpers import query
from capstone_assets_tests.reliability.lakes import (
    FACT_COLUMNS, csv_text, fact_key, partition, spec_for, video_rows,
)

BUCKET = "capstone-lake"
MAX_ATTEMPTS = 4
SLOW_DOWN = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code>'
             b"<Message>Please reduce your request rate.</Message></Error>")


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


class Throttle:
    """Answers the first `failures` GETs/LISTs with 503 SlowDown before they reach the server; records backoffs."""

    def __init__(self, failures: int):
        self.failures, self.sent, self.sleeps = failures, 0, []

    def __call__(self, request, **_):
        self.sent += 1
        if self.sent <= self.failures:
            return AWSResponse(request.url, 503, {"Content-Type": "application/xml"}, types.SimpleNamespace(
                stream=lambda **_: iter([SLOW_DOWN]), read=lambda *_: SLOW_DOWN))
        return None

    def install(self, monkeypatch):
        real_client = boto3.session.Session.client  # S3Lake's client comes from dagster-aws's S3Resource, via a Session

        def client(session, *args, **kwargs):
            made = real_client(session, *args, **kwargs)
            for operation in ("GetObject", "ListObjectsV2"):
                made.meta.events.register(f"before-send.s3.{operation}", self)
            return made

        monkeypatch.setattr(boto3.session.Session, "client", client)
        # boto3's backoff sleeps are recorded, not slept: the test asserts them without waiting
        monkeypatch.setattr(botocore.endpoint, "time", types.SimpleNamespace(sleep=self.sleeps.append))


@pytest.fixture
def s3_lake(s3_endpoint, monkeypatch, settings):
    for name, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    seed = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    if BUCKET not in [b["Name"] for b in seed.list_buckets()["Buckets"]]:
        seed.create_bucket(Bucket=BUCKET)
    prefix = settings.duckdb_path.parent.name  # one prefix per test
    seed.put_object(Bucket=BUCKET, Key=f"{prefix}/{fact_key('video_log')}",
                    Body=csv_text(FACT_COLUMNS["video_log"], video_rows(25)).encode())
    return lambda: S3Lake(bucket=BUCKET, prefix=prefix, endpoint_url=s3_endpoint, region_name="us-east-1",
                          max_attempts=MAX_ATTEMPTS)


def test_s3_throttling_is_retried_with_backoff(settings, s3_lake, monkeypatch):
    throttle = Throttle(failures=MAX_ATTEMPTS)  # the largest burst boto3 absorbs on its own
    throttle.install(monkeypatch)
    warehouse = DuckDBWarehouse(path=str(settings.duckdb_path))
    spec = spec_for(settings, "stg_video_log")
    warehouse.ensure_table(spec.group, spec.name)
    loaded = load_partition(spec, partition(), s3_lake(), warehouse, "throttled")
    assert loaded.rows == 25
    assert query(settings, "SELECT COUNT(*) FROM learning.stg_video_log") == [(25,)]
    assert len(throttle.sleeps) == MAX_ATTEMPTS and all(0 <= s <= 20 for s in throttle.sleeps)


def test_s3_throttling_fails_cleanly_after_the_bound(settings, s3_lake, monkeypatch):
    throttle = Throttle(failures=10_000)
    throttle.install(monkeypatch)
    lake = s3_lake()
    with pytest.raises(ClientError) as error:
        lake.list("learning/")
    assert error.value.response["Error"]["Code"] == "SlowDown" and is_transient(error.value)
    # botocore's `max_attempts` counts retries: one request plus MAX_ATTEMPTS retries, each after a backoff
    assert (throttle.sent, len(throttle.sleeps)) == (1 + MAX_ATTEMPTS, MAX_ATTEMPTS)

    (asset,) = [a for a in build_assets(settings) if a.key == dg.AssetKey(["learning", "stg_video_log"])]
    warehouse = DuckDBWarehouse(path=str(settings.duckdb_path))
    result = dg.materialize([asset], resources={"lake": lake, "warehouse": warehouse},
                            partition_key="data_science|2019-01-01", raise_on_error=False)
    retries = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY]
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert not result.success and len(retries) == 3  # Dagster's retries, after boto3's, then a clean failure
    assert "SlowDown" in str(failure.event_specific_data.error.to_string())
    assert query(settings, "SELECT COUNT(*) FROM learning.stg_video_log") == [(0,)]
    audit = query(settings, "SELECT status, error FROM capstone.load_audit")
    assert len(audit) == 4 and all(status == "failed" and "SlowDown" in error for status, error in audit)
