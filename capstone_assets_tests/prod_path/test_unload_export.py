"""Lake exports on the production path: Redshift UNLOAD (emulated on PostgreSQL + moto S3) into a new version
folder, the Glue table switched to it once complete, the previous version removed only after (issue 13, defect 10;
issue 17)."""

from __future__ import annotations

import boto3
import dagster as dg
import pytest

from capstone_assets.lib.lake_tables import LakeTable, build_lake_table_asset
from capstone_assets.resources import build_catalog
from capstone_assets.resources.glue_catalog import GlueCatalog

pytestmark = pytest.mark.prod_path

TIME = LakeTable("sparkify", "time", "sparkify/lake_export/time/", partition_by=("year", "month"))


@pytest.fixture
def time_table(prod_warehouse):
    prod_warehouse.execute(
        "CREATE SCHEMA sparkify",
        "CREATE TABLE sparkify.time (start_time TIMESTAMP NOT NULL, hour INTEGER, weekday INTEGER, month INTEGER, "
        "year INTEGER)",
        "INSERT INTO sparkify.time SELECT ts, EXTRACT(hour FROM ts), EXTRACT(dow FROM ts), EXTRACT(month FROM ts), "
        "EXTRACT(year FROM ts) FROM (SELECT TIMESTAMP '2018-11-01' + n * INTERVAL '1 hour' AS ts "
        "FROM generate_series(0, 999) AS n) AS t")
    return prod_warehouse


def keys(prod_lake, prefix: str) -> list[str]:
    return [o.key for o in prod_lake.list(prefix)]


def test_unload_writes_a_new_version_and_the_previous_one_stays_readable_until_the_switch(
        prod_settings, prod_lake, time_table, redshift_emulator, monkeypatch):
    catalog = build_catalog(prod_settings)
    assert isinstance(catalog, GlueCatalog)  # production: Glue, on the same endpoint as the lake (moto here)
    resources = {"lake": prod_lake, "warehouse": time_table, "catalog": catalog}
    asset = build_lake_table_asset(TIME)
    assert dg.materialize([asset], resources=resources).success
    first = keys(prod_lake, TIME.folder)
    first_location = catalog.client.get_table(DatabaseName="sparkify_lake", Name="time")["Table"]["StorageDescriptor"]["Location"]
    assert first and all(k.endswith(".parquet") and "/year=2018/month=" in k for k in first)

    time_table.execute("DELETE FROM sparkify.time WHERE month = 12")
    seen = {}
    register = GlueCatalog.register

    def at_the_switch(self, table, warehouse=None):
        glue_table = self.client.get_table(DatabaseName=table.database, Name=table.name)["Table"]
        seen["previous_files"] = [k for k in first if k in keys(prod_lake, TIME.folder)]
        seen["catalogue_location"] = glue_table["StorageDescriptor"]["Location"]
        return register(self, table, warehouse)

    monkeypatch.setattr(GlueCatalog, "register", at_the_switch)
    result = dg.materialize([asset], resources=resources)
    assert result.success
    unloads = [s.sql for s in redshift_emulator.statements if s.sql.lstrip().upper().startswith("UNLOAD")]
    assert len(unloads) == 2 and "PARTITION BY" in unloads[1] and "ALLOWOVERWRITE" not in unloads[1].upper()
    # while the new version was written and checked, the previous one was whole and still the catalogue's
    assert seen == {"previous_files": first, "catalogue_location": first_location}
    second = keys(prod_lake, TIME.folder)
    assert not set(first) & set(second) and all("/month=11/" in k for k in second)
    glue = catalog.client
    location = glue.get_table(DatabaseName="sparkify_lake", Name="time")["Table"]["StorageDescriptor"]["Location"]
    assert location != first_location and all(prod_lake.uri(k).startswith(location) for k in second)
    found = {tuple(p["Values"]): p["StorageDescriptor"]["Location"]
             for p in glue.get_partitions(DatabaseName="sparkify_lake", TableName="time")["Partitions"]}
    assert found == {("2018", "11"): location + "year=2018/month=11/"}  # December's partition went with its rows
    columns = glue.get_table(DatabaseName="sparkify_lake", Name="time")["Table"]["StorageDescriptor"]["Columns"]
    assert [(c["Name"], c["Type"]) for c in columns] == [("start_time", "timestamp"), ("hour", "int"),
                                                         ("weekday", "int")]


def test_export_parquet_never_deletes_what_readers_may_be_reading(prod_lake, time_table, redshift_emulator):
    """The engine call alone: an UNLOAD into a folder that already holds an export is refused by Redshift (no
    ALLOWOVERWRITE), and nothing of the existing export is removed first."""
    select = "SELECT * FROM sparkify.time"
    written = time_table.export_parquet(select, prod_lake, "exports/time/v1/", ("year", "month"))
    before = keys(prod_lake, "exports/time/v1/")
    assert written == 1000 and len(before) == 2
    with pytest.raises(Exception, match="(?i)already|exist|overwrite"):
        time_table.export_parquet(select, prod_lake, "exports/time/v1/", ("year", "month"))
    assert keys(prod_lake, "exports/time/v1/") == before
    redshift_emulator.refused.clear()


def test_glue_is_reached_through_the_configured_aws_settings(prod_settings):
    catalog = build_catalog(prod_settings)
    assert catalog.endpoint_url == prod_settings.s3_endpoint_url
    assert boto3.client("glue", endpoint_url=catalog.endpoint_url).get_databases()["DatabaseList"] is not None
