"""S3Lake against moto's S3 server: the same behaviour as LocalLake, and a real partition load through it."""

from __future__ import annotations

import pytest

from capstone_assets.learning.generator import generate
from capstone_assets.learning.specs import stage_specs
from capstone_assets.lib.loading import load_partition
from capstone_assets.lib.partitions import partition_values
from capstone_assets.resources import DuckDBWarehouse, LocalLake, S3Lake

import dagster as dg


@pytest.fixture
def s3_lake(bucket, s3_endpoint) -> S3Lake:
    return S3Lake(bucket=bucket, prefix="raw/zone", endpoint_url=s3_endpoint)


def test_list_read_write_under_the_prefix(s3_lake):
    s3_lake.write_bytes("learning/a/1.csv", b"x,y\n1,2\n")
    s3_lake.write_bytes("learning/b/2.csv", b"x,y\n3,4\n")
    s3_lake.write_bytes("other/3.csv", b"z\n")
    assert [o.key for o in s3_lake.list("learning/")] == ["learning/a/1.csv", "learning/b/2.csv"]
    assert s3_lake.read_bytes("learning/b/2.csv") == b"x,y\n3,4\n"
    assert s3_lake.read_head("learning/a/1.csv", 4) == b"x,y\n"
    assert s3_lake.uri("learning/a/1.csv") == f"s3://{s3_lake.bucket}/raw/zone/learning/a/1.csv"
    with s3_lake.local_file("learning/a/1.csv") as path:
        assert path.read_bytes() == b"x,y\n1,2\n"
    s3_lake.delete_prefix("learning/")
    assert s3_lake.list("learning/") == [] and [o.key for o in s3_lake.list("")] == ["other/3.csv"]


def test_version_changes_when_an_object_is_replaced(s3_lake):
    s3_lake.write_bytes("flights/uploads/f.csv", b"a\n1\n")
    first = s3_lake.list("flights/")[0].version
    s3_lake.write_bytes("flights/uploads/f.csv", b"a\n1\n")
    assert s3_lake.list("flights/")[0].version == first  # same content, same ETag: a duplicate notification
    s3_lake.write_bytes("flights/uploads/f.csv", b"a\n2\n")
    assert s3_lake.list("flights/")[0].version != first


def test_client_uses_standard_retries(s3_lake):
    assert s3_lake.client.meta.config.retries["mode"] == "standard"


def test_a_partition_loads_from_s3_into_duckdb(s3_lake, tmp_path, settings):
    generate(tmp_path / "local", scale=0.002, degrees=["data_science"], months=[1])
    s3_lake.upload_tree(tmp_path / "local")
    local = LocalLake(root=str(tmp_path / "local"))
    warehouse = DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))
    spec = next(s for s in stage_specs(settings) if s.name == "stg_video_log")
    values = partition_values(dg.MultiPartitionKey({"degree": "data_science", "month": "2019-01-01"}))
    warehouse.ensure_table(spec.group, spec.name)
    from_s3 = load_partition(spec, values, s3_lake, warehouse, "run-1")
    assert from_s3.rows == from_s3.source_rows > 0
    assert from_s3.files[0].key == "learning/data_science/2019/1/video_log.csv"
    from_local = load_partition(spec, values, local, warehouse, "run-2")
    assert from_local.rows == from_s3.rows
    assert warehouse.row_count("learning", "stg_video_log") == from_s3.rows
