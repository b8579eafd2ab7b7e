"""The Glue Data Catalog side of the lake exports, against moto's Glue and S3 in server mode."""

from __future__ import annotations

import boto3
import dagster as dg
import pytest

from capstone_assets.lib.lake_tables import LakeTable, build_lake_table_asset
from capstone_assets.resources import DuckDBWarehouse, GlueCatalog, S3Lake
from capstone_assets.resources.catalog import CatalogColumn, CatalogTable

SONGS = LakeTable("sparkify", "songs", "sparkify/lake_export/songs/", partition_by=("year", "artist_id"))


@pytest.fixture
def glue(s3_endpoint, aws_env):
    return boto3.client("glue", endpoint_url=s3_endpoint)


@pytest.fixture
def export_songs(tmp_path, s3_endpoint, bucket, glue, request):
    """sparkify.songs with 105 artists (more than one Glue batch of 100 partitions), exported to moto S3."""
    warehouse = DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))
    warehouse.execute("CREATE SCHEMA sparkify",
                      "CREATE TABLE sparkify.songs AS SELECT 'SO' || n AS song_id, 'title ' || n AS title, "
                      "'AR' || (n % 105) AS artist_id, CAST(CASE WHEN n % 7 = 0 THEN NULL ELSE 2000 + n % 2 END AS INTEGER) AS year, "
                      "CAST(n AS DOUBLE) AS duration FROM generate_series(0, 209) AS g(n)")
    database = f"lake_{request.node.name[-20:].lower().strip('_')}"
    catalog = GlueCatalog(endpoint_url=s3_endpoint, databases={"sparkify": database})
    resources = {"lake": S3Lake(bucket=bucket, prefix="platform", endpoint_url=s3_endpoint), "warehouse": warehouse,
                 "catalog": catalog}
    asset = build_lake_table_asset(SONGS)

    def run() -> dict:
        result = dg.materialize([asset], resources=resources)
        assert result.success
        return result.get_asset_materialization_events()[0].materialization.metadata

    return run, warehouse, database


def partitions(glue, database: str) -> dict[tuple, str]:
    pages = glue.get_paginator("get_partitions").paginate(DatabaseName=database, TableName="songs")
    return {tuple(p["Values"]): p["StorageDescriptor"]["Location"] for page in pages for p in page["Partitions"]}


def test_an_export_is_a_glue_table_with_the_tables_columns_location_and_partitions(export_songs, glue, bucket):
    run, warehouse, database = export_songs
    metadata = run()
    table = glue.get_table(DatabaseName=database, Name="songs")["Table"]
    storage = table["StorageDescriptor"]
    assert [(c["Name"], c["Type"]) for c in storage["Columns"]] == [("song_id", "string"), ("title", "string"),
                                                                    ("duration", "double")]
    assert [(c["Name"], c["Type"]) for c in table["PartitionKeys"]] == [("year", "int"), ("artist_id", "string")]
    assert storage["SerdeInfo"]["SerializationLibrary"] == "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    assert storage["Location"].startswith(f"s3://{bucket}/platform/sparkify/lake_export/songs/v")
    assert storage["Location"] == metadata["catalog_location"].value
    found = partitions(glue, database)
    expected = {(str(y) if y is not None else "__HIVE_DEFAULT_PARTITION__", a) for y, a in warehouse.query(
        "SELECT DISTINCT year, artist_id FROM sparkify.songs")}
    assert set(found) == expected and len(expected) > 100  # registered in two batches
    assert found[("2001", "AR1")] == storage["Location"] + "year=2001/artist_id=AR1/"
    assert metadata["partitions_registered"].value == metadata["partitions_added"].value == len(expected)
    # every registered partition holds files; nothing lies outside the registered ones
    s3 = boto3.client("s3", endpoint_url=glue.meta.endpoint_url)
    keys = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="platform/")
            for o in page.get("Contents", [])]
    folders = {f"s3://{bucket}/" + key.rsplit("/", 1)[0] + "/" for key in keys}
    assert folders == set(found.values())


def test_a_re_export_adds_only_new_partitions_and_moves_the_others(export_songs, glue):
    run, warehouse, database = export_songs
    first = run()
    warehouse.execute("INSERT INTO sparkify.songs VALUES ('SO-new', 'new', 'AR-new', 2001, 1.0)")
    second = run()
    assert second["partitions_added"].value == 1
    assert second["partitions_registered"].value == first["partitions_registered"].value + 1
    found = partitions(glue, database)
    assert len(found) == second["partitions_registered"].value
    assert all(location.startswith(second["catalog_location"].value) for location in found.values())
    assert first["catalog_location"].value != second["catalog_location"].value


def test_a_schema_change_updates_the_table_and_dropped_partitions_go(s3_endpoint, aws_env, glue, request):
    catalog = GlueCatalog(endpoint_url=s3_endpoint)
    database = f"lake_{request.node.name[-12:].lower().strip('_')}"
    base = dict(database=database, name="time", partition_keys=(CatalogColumn("year", "INTEGER"),))
    catalog.register(CatalogTable(location="s3://b/time/v1/", columns=(CatalogColumn("hour", "INTEGER"),),
                                  partitions=(("2018",), ("2019",)), **base))
    entry = catalog.register(CatalogTable(location="s3://b/time/v2/", columns=(
        CatalogColumn("hour", "BIGINT"), CatalogColumn("weekday", "character varying(3)")), partitions=(("2019",),), **base))
    columns = glue.get_table(DatabaseName=database, Name="time")["Table"]["StorageDescriptor"]["Columns"]
    assert [(c["Name"], c["Type"]) for c in columns] == [("hour", "bigint"), ("weekday", "string")]
    assert (entry.partitions_added, entry.partitions_moved, entry.partitions_removed) == (0, 1, 1)
    assert catalog.partitions(database, "time") == {("2019",): "s3://b/time/v2/year=2019/"}


def athena_results(endpoint: str, *counts: dict) -> None:
    """Queue what moto's Athena answers to the next queries (it runs none): a header row, then one row per
    partition, as Athena returns them."""
    import json
    import urllib.request

    results = [{"rows": [{"Data": [{"VarCharValue": "year"}, {"VarCharValue": "artist_id"}, {"VarCharValue": "_col2"}]}]
                + [{"Data": [{"VarCharValue": v} if v is not None else {} for v in (*values, str(n))]}
                   for values, n in answer.items()]} for answer in counts]
    body = json.dumps({"region": "us-east-1", "results": results}).encode()
    sent = urllib.request.Request(f"{endpoint}/moto-api/static/athena/query-results", data=body, method="POST",
                                  headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(sent) as response:
        assert response.status == 201


def test_athena_counts_each_partition_and_a_difference_fails_the_check(tmp_path, s3_endpoint, bucket, glue, request):
    warehouse = DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))
    warehouse.execute("CREATE SCHEMA sparkify",
                      "CREATE TABLE sparkify.songs AS SELECT 'SO' || n AS song_id, 'AR' || (n % 3) AS artist_id, "
                      "CAST(CASE WHEN n = 0 THEN NULL ELSE 2001 END AS INTEGER) AS year FROM generate_series(0, 8) AS g(n)")
    counts = {(y if y is None else str(y), a): n for y, a, n in warehouse.query(
        "SELECT year, artist_id, COUNT(*) FROM sparkify.songs GROUP BY ALL")}
    catalog = GlueCatalog(endpoint_url=s3_endpoint, databases={"sparkify": f"athena_{request.node.name[-8:]}"},
                          athena_workgroup="primary", athena_output=f"s3://{bucket}/_athena/")
    resources = {"lake": S3Lake(bucket=bucket, endpoint_url=s3_endpoint), "warehouse": warehouse, "catalog": catalog}
    asset = build_lake_table_asset(SONGS)
    wrong = dict(counts) | {("2001", "AR1"): counts[("2001", "AR1")] - 1}
    athena_results(s3_endpoint, counts, wrong)

    agrees = dg.materialize([asset], resources=resources)
    [check] = agrees.get_asset_check_evaluations()
    assert check.passed and check.metadata["rows_in_athena"].value == 9
    differs = dg.materialize([asset], resources=resources, raise_on_error=False)
    [check] = differs.get_asset_check_evaluations()
    assert not check.passed
    assert "year=2001, artist_id=AR1: 3 rows in the table, 2 counted by Athena" in check.metadata["mismatches"].value


def test_a_landing_zone_is_catalogued_where_it_is_as_json(tmp_path, s3_endpoint, bucket, glue, request):
    """STEDI's landing files stay where they landed; the Glue table reads them with the JSON SerDe, columns from the DDL."""
    from capstone_assets.stedi.specs import LAKE_TABLES

    [spec] = [s for s in LAKE_TABLES if s.table == "customer_landing"]
    database = f"stedi_{request.node.name[-8:]}"
    resources = {"lake": S3Lake(bucket=bucket, endpoint_url=s3_endpoint), "catalog": GlueCatalog(
        endpoint_url=s3_endpoint, databases={"stedi": database}), "warehouse": DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))}
    resources["lake"].write_bytes("stedi/customer/landing/customer-1.json", b'{"customerName": "A"}\n')
    result = dg.materialize([build_lake_table_asset(spec)], resources=resources)
    assert result.success
    table = glue.get_table(DatabaseName=database, Name="customer_landing")["Table"]
    storage = table["StorageDescriptor"]
    assert storage["Location"] == f"s3://{bucket}/stedi/customer/landing/" and table["PartitionKeys"] == []
    assert storage["SerdeInfo"]["SerializationLibrary"] == "org.openx.data.jsonserde.JsonSerDe"
    columns = {c["Name"]: c["Type"] for c in storage["Columns"]}
    assert columns["customername"] == "string" and columns["sharewithresearchasofdate"] == "bigint"
    assert not any(name.startswith("_") for name in columns)  # lineage columns are the warehouse's, not the files'
