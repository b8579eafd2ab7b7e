"""moto's AWS server in-process (S3, Glue, Athena, CloudFormation, ...), fake credentials, a bucket per test."""

from __future__ import annotations

import pytest

from capstone_assets_tests.postgres_server import free_port


@pytest.fixture(scope="session")
def s3_endpoint():
    """moto's server (every service it emulates), in-process, on a free loopback port."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def aws_env(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def bucket(s3_endpoint, aws_env, request):
    import boto3

    name = "capstone-" + request.node.name.lower().replace("_", "-")[:40].strip("-")
    client = boto3.client("s3", endpoint_url=s3_endpoint)
    client.create_bucket(Bucket=name)
    return name
