"""The stedi group on the real current landing files: every zone's count, consent, the Parquet copies."""

from __future__ import annotations

import json

import duckdb
import pytest

from capstone_assets.settings import load_settings
from capstone_assets_tests.conftest import SHARED_DATASETS
from capstone_assets_tests.helpers import materialize, query, scalar
from capstone_assets_tests.stedi.expected import copy_landing, expected_counts, read_records

ZONE_TABLES = ("customer_trusted", "accelerometer_trusted", "step_trainer_trusted", "customers_curated",
               "machine_learning_curated")
EXPORTED = {"customer_trusted": "customer/trusted", "accelerometer_trusted": "accelerometer/trusted",
            "step_trainer_trusted": "step_trainer/trusted", "customers_curated": "customer/curated",
            "machine_learning_curated": "machine_learning/curated"}


@pytest.fixture(scope="module")
def zones(tmp_path_factory):
    """One materialization of the whole group on a lake holding the current landing files."""
    if not SHARED_DATASETS.is_dir():
        pytest.skip(f"real sample datasets not present at {SHARED_DATASETS}")
    root = tmp_path_factory.mktemp("stedi_real")
    lake_dir = root / "lake"
    copy_landing(SHARED_DATASETS / "stedi", lake_dir)
    settings = load_settings({"CAPSTONE_LAKE_DIR": str(lake_dir), "CAPSTONE_DUCKDB_PATH": str(root / "warehouse.duckdb")})
    return settings, lake_dir, materialize(settings, "group:stedi")


def test_current_files_materialize_with_all_checks_passing(zones):
    settings, lake_dir, report = zones
    expected = expected_counts(lake_dir)
    assert expected["customer_landing"] == 956  # the README's count, as a sanity check of the copy

    assert report.success, report
    for table, rows in expected.items():
        if table != "shared_serials":
            assert scalar(settings, f"SELECT COUNT(*) FROM stedi.{table}") == rows, table
    # the accelerometer join on time alone (as often written) would fan out; the device owner's join does not
    assert expected["machine_learning_curated"] == expected["accelerometer_trusted"]
    assert scalar(settings, "SELECT COUNT(DISTINCT _source_file) FROM stedi.accelerometer_landing") == 9


def test_consent_is_enforced_against_the_raw_file(zones):
    settings, lake_dir, _ = zones
    customers = read_records(lake_dir / "stedi" / "customer" / "landing")
    refused = {c["email"] for c in customers if c.get("shareWithResearchAsOfDate") is None}
    refused_serials = {c["serialNumber"] for c in customers if c["email"] in refused}
    assert refused  # the file does hold customers without consent
    for table, column in [("customer_trusted", "email"), ("accelerometer_trusted", '"user"'), ("customers_curated", "email")]:
        found = {row[0] for row in query(settings, f"SELECT DISTINCT {column} FROM stedi.{table}")}
        assert not found & refused, table
    for table in ("step_trainer_trusted", "machine_learning_curated"):
        found = {row[0] for row in query(settings, f"SELECT DISTINCT serialnumber FROM stedi.{table}")}
        assert found and not found & refused_serials, table
    columns = {row[0] for row in query(settings, "SELECT column_name FROM information_schema.columns "
                                                 "WHERE table_schema = 'stedi' AND table_name = 'machine_learning_curated'")}
    assert columns.isdisjoint({"customername", "email", "phone", "birthday", "user"})


def test_zones_are_exported_as_parquet(zones):
    settings, lake_dir, _ = zones
    expected = expected_counts(lake_dir)
    for table, folder in EXPORTED.items():
        files = list((lake_dir / "stedi" / folder).glob("v*/*.parquet"))  # one version folder after the switch
        assert files and len({f.parent for f in files}) == 1, folder
        pattern = str(lake_dir / "stedi" / folder / "*" / "*.parquet")
        assert duckdb.connect().execute(f"SELECT COUNT(*) FROM read_parquet('{pattern}')").fetchone()[0] == expected[table], table
        assert scalar(settings, f"SELECT COUNT(*) FROM stedi_lake.{table}") == expected[table], table
    assert json.dumps(sorted(EXPORTED)) == json.dumps(sorted(ZONE_TABLES))


def test_landing_zones_are_catalogued_where_they_are(zones):
    """The same SELECT an analyst runs in Athena over the landing tables runs on the DuckDB views over the files."""
    settings, lake_dir, _ = zones
    expected = expected_counts(lake_dir)
    for table in ("customer_landing", "accelerometer_landing", "step_trainer_landing"):
        assert scalar(settings, f"SELECT COUNT(*) FROM stedi_lake.{table}") == expected[table], table
    consenting = scalar(settings, "SELECT COUNT(DISTINCT email) FROM stedi_lake.customer_landing "
                                  "WHERE sharewithresearchasofdate IS NOT NULL")
    assert consenting == scalar(settings, "SELECT COUNT(*) FROM stedi_lake.customer_trusted")
