"""Raw files read from where they already are: buckets laid out as the users' own (moto), never written to."""

from __future__ import annotations

import boto3
import pytest

from capstone_assets.resources import build_catalog, build_lake
from capstone_assets.resources.lake import LakeError
from capstone_assets.resources.local_lake import LocalLake
from capstone_assets.settings import SettingsError, load_settings
from capstone_assets_tests.helpers import materialize, query, scalar


def upload(s3, bucket: str, local_root, prefix: str = "") -> None:
    for path in sorted(p for p in local_root.rglob("*") if p.is_file()):
        s3.put_object(Bucket=bucket, Key=prefix + path.relative_to(local_root).as_posix(), Body=path.read_bytes())


def listing(s3, bucket: str) -> dict[str, str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {o["Key"]: o["ETag"] for page in pages for o in page.get("Contents", [])}


@pytest.fixture
def s3(s3_endpoint, aws_env):
    return boto3.client("s3", endpoint_url=s3_endpoint)


def test_sparkify_loads_from_a_bucket_laid_out_as_udacity_dend_and_never_writes_to_it(
        s3, s3_endpoint, shared_datasets, make_settings, lake_dir):
    """`s3://<bucket>/log_data/...`, `song_data/...`, `log_json_path.json` as they are, no `sparkify/` prefix."""
    s3.create_bucket(Bucket="udacity-dend-copy")
    upload(s3, "udacity-dend-copy", shared_datasets / "sparkify")
    before = listing(s3, "udacity-dend-copy")
    assert "log_json_path.json" in before and any(k.startswith("log_data/2018/11/") for k in before)
    settings = make_settings(CAPSTONE_SOURCE_SPARKIFY="s3://udacity-dend-copy", CAPSTONE_S3_ENDPOINT_URL=s3_endpoint)
    report = materialize(settings, "group:sparkify")
    assert report.success, [error for _, ok, _, error in report.runs if not ok]
    # the figures the datasets README states for the sample
    assert (scalar(settings, "SELECT COUNT(*) FROM sparkify.songplays"), scalar(settings, "SELECT COUNT(*) FROM sparkify.users"),
            scalar(settings, "SELECT COUNT(*) FROM sparkify.songs")) == (6820, 97, 71)
    assert {f for (f,) in query(settings, "SELECT DISTINCT split_part(_source_file, '/', 2) FROM sparkify.staging_events")} \
        == {"log_data"}  # keys stay the platform's (sparkify/log_data/...), wherever the files are
    assert listing(s3, "udacity-dend-copy") == before  # not one object added, changed or removed
    assert not (lake_dir / "sparkify" / "log_data").exists()
    assert scalar(settings, "SELECT COUNT(*) FROM sparkify_lake.songplays") == 6820  # exports in the platform's lake
    assert (lake_dir / "sparkify" / "lake_export" / "songplays").is_dir()


def test_a_learning_bucket_without_the_learning_prefix_loads_in_production_layout(
        s3, s3_endpoint, bucket, tmp_path, make_settings):
    """`s3://<bucket>/data_science/2019/1/...` with no `learning/` prefix, the platform's own bucket elsewhere."""
    from capstone_assets.learning.generator import generate

    generate(tmp_path / "generated", scale=0.002, degrees=["data_science"], months=[1])
    s3.create_bucket(Bucket="learning-source")
    upload(s3, "learning-source", tmp_path / "generated" / "learning", prefix="exports/")
    before = listing(s3, "learning-source")
    assert any(k.startswith("exports/data_science/2019/1/") for k in before)
    settings = make_settings(CAPSTONE_SOURCE_LEARNING="s3://learning-source/exports", CAPSTONE_S3_ENDPOINT_URL=s3_endpoint,
                             CAPSTONE_DEGREES="data_science", CAPSTONE_LEARNING_END="2019-02-01")
    lake = build_lake(settings).for_group("learning")
    found = lake.list("learning/data_science/2019/1/")
    assert found and all(o.key.startswith("learning/data_science/2019/1/") for o in found)
    assert lake.uri(found[0].key).startswith("s3://learning-source/exports/data_science/2019/1/")
    report = materialize(settings, "group:learning")
    assert report.success, [error for _, ok, _, error in report.runs if not ok]
    assert scalar(settings, "SELECT COUNT(*) FROM learning.stg_video_log") > 0
    assert listing(s3, "learning-source") == before


def test_the_platform_refuses_to_write_to_a_source_location(tmp_path):
    source = tmp_path / "source"
    (source / "log_data").mkdir(parents=True)
    (source / "log_data" / "a.json").write_text("{}\n")
    lake = LocalLake(root=str(tmp_path / "platform"), sources={"sparkify": str(source)}).for_group("sparkify")
    assert [o.key for o in lake.list("sparkify/log_data/")] == ["sparkify/log_data/a.json"]
    for write in (lambda: lake.write_bytes("sparkify/log_data/b.json", b"{}"),
                  lambda: lake.delete_prefix("sparkify/log_data/"), lambda: lake.delete_key("sparkify/log_data/a.json")):
        with pytest.raises(LakeError, match="CAPSTONE_SOURCE_SPARKIFY"):
            write()
    assert [p.name for p in (source / "log_data").iterdir()] == ["a.json"]
    lake.write_bytes("_manifests/sparkify/x.manifest", b"{}")  # the platform's own files go to its own lake
    assert (tmp_path / "platform" / "_manifests" / "sparkify" / "x.manifest").is_file()


PROD = {"CAPSTONE_ENV": "prod", "CAPSTONE_S3_BUCKET": "b", "CAPSTONE_REDSHIFT_HOST": "h", "CAPSTONE_REDSHIFT_DATABASE": "d",
        "CAPSTONE_REDSHIFT_USER": "u", "CAPSTONE_REDSHIFT_PASSWORD": "p",
        "CAPSTONE_REDSHIFT_IAM_ROLE": "arn:aws:iam::123456789012:role/r"}


@pytest.mark.parametrize("environ, message", [
    ({"CAPSTONE_SOURCE_SPARKIFY": "s3://Bad_Bucket/x"}, "CAPSTONE_SOURCE_SPARKIFY must be s3://<bucket>"),
    ({**PROD, "CAPSTONE_SOURCE_STEDI": "/data/stedi"}, "CAPSTONE_SOURCE_STEDI must be s3://<bucket>.* when CAPSTONE_ENV=prod"),
    ({"CAPSTONE_LAKE_CATALOG": "glue"}, "CAPSTONE_LAKE_CATALOG must be one of duckdb, none when CAPSTONE_ENV=local"),
    ({"CAPSTONE_CATALOG_DATABASE_SPARKIFY": "Sparkify-Lake"}, "CAPSTONE_CATALOG_DATABASE_SPARKIFY must be a lower-case"),
    ({**PROD, "CAPSTONE_LAKE_CATALOG": "none", "CAPSTONE_ATHENA_WORKGROUP": "primary"},
     "CAPSTONE_ATHENA_WORKGROUP needs the Glue catalogue"),
    ({**PROD, "CAPSTONE_ATHENA_WORKGROUP": "primary", "CAPSTONE_ATHENA_OUTPUT": "results/"}, "CAPSTONE_ATHENA_OUTPUT must be"),
])
def test_a_malformed_lake_setting_names_its_variable(environ, message):
    with pytest.raises(SettingsError, match=message):
        load_settings(environ)


def test_lake_settings_defaults_and_values():
    local, prod = load_settings({}), load_settings(PROD)
    assert (local.lake_catalog, prod.lake_catalog, local.sources, prod.athena_workgroup) == ("duckdb", "glue", (), None)
    settings = load_settings({**PROD, "CAPSTONE_SOURCE_STEDI": "s3://bucket/stedi/", "CAPSTONE_S3_ENDPOINT_URL": "http://s3",
                              "CAPSTONE_CATALOG_DATABASE_STEDI": "balance_lake", "CAPSTONE_ATHENA_WORKGROUP": "analysts"})
    assert dict(settings.sources) == {"stedi": "s3://bucket/stedi"} and settings.aws_endpoint_url == "http://s3"
    catalog = build_catalog(settings)
    assert (catalog.database("stedi"), catalog.database("sparkify"), catalog.athena_workgroup) == \
        ("balance_lake", "sparkify_lake", "analysts")
    platform = build_lake(settings)  # exports: the platform's bucket; loads: the group's raw keys at the source
    assert platform.uri("stedi/customer/trusted/v1/part-0.parquet") == "s3://b/stedi/customer/trusted/v1/part-0.parquet"
    assert platform.for_group("stedi").uri("stedi/customer/landing/a.json") == "s3://bucket/stedi/customer/landing/a.json"
    assert platform.for_group("stedi").uri("_manifests/x") == "s3://b/_manifests/x"
    assert platform.for_group("sparkify") is platform  # no source configured: as before


def test_the_sensor_watches_the_source_location(make_settings, tmp_path):
    """A new month of logs in the source folder (laid out as udacity-dend, no `sparkify/`) is one partition run."""
    import dagster as dg

    from capstone_assets.definitions import build_definitions
    from capstone_assets.sparkify.generator import generate

    generate(tmp_path / "generated", scale=0.01, seed=1)
    source = tmp_path / "generated" / "sparkify"
    settings = make_settings(CAPSTONE_SOURCE_SPARKIFY=str(source), CAPSTONE_SPARKIFY_END="2019-01-01")
    sensor = build_definitions(settings).get_sensor_def("sparkify_new_files_sensor")

    def evaluate(cursor):
        return sensor(dg.build_sensor_context(cursor=cursor, resources={"lake": build_lake(settings)}))

    first = evaluate(None)
    assert sorted((r.job_name, r.partition_key) for r in first.run_requests) == [
        ("sparkify_events_job", "2018-11-01"), ("sparkify_songs_job", None)]
    (source / "log_data" / "2018" / "12").mkdir()
    (source / "log_data" / "2018" / "12" / "2018-12-01-events.json").write_bytes(
        (source / "log_data" / "2018" / "11" / "2018-11-01-events.json").read_bytes())
    assert [r.partition_key for r in evaluate(first.cursor).run_requests] == ["2018-12-01"]
