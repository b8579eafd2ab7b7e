"""Small helpers for tests of the harness itself: a driver connection as the product opens one, S3 files."""

from __future__ import annotations

import json

import redshift_connector


def connect(env: dict[str, str]):
    """A connection the way the product opens one (`redshift_connector.connect(**params)`), through the proxy."""
    return redshift_connector.connect(host=env["CAPSTONE_REDSHIFT_HOST"], port=int(env["CAPSTONE_REDSHIFT_PORT"]),
                                      database=env["CAPSTONE_REDSHIFT_DATABASE"], user=env["CAPSTONE_REDSHIFT_USER"],
                                      password=env["CAPSTONE_REDSHIFT_PASSWORD"])


def put(s3, env: dict[str, str], key: str, data: bytes | str) -> str:
    """Write `data` under the lake prefix; return its s3:// URI."""
    bucket = env["CAPSTONE_S3_BUCKET"]
    full = f"{env['CAPSTONE_S3_PREFIX']}/{key}"
    s3.put_object(Bucket=bucket, Key=full, Body=data.encode("utf-8") if isinstance(data, str) else data)
    return f"s3://{bucket}/{full}"


def manifest(s3, env: dict[str, str], key: str, uris: list[str]) -> str:
    entries = [{"url": uri, "mandatory": True} for uri in uris]
    return put(s3, env, key, json.dumps({"entries": entries}))


def rows(connection, sql: str, params=None) -> list[tuple]:
    cursor = connection.cursor()
    cursor.execute(sql, params)
    return [tuple(r) for r in cursor.fetchall()]
