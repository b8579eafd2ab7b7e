"""Issue 14, classes 1 and 5 on the production path: the same files through `RedshiftWarehouse` (the prod_path
emulation: real redshift_connector, PostgreSQL, COPY with Redshift's conversion rules over moto S3). A misfit is
refused as the DuckDB path refuses it, and a `.gz` upload is COPYed with GZIP."""

from __future__ import annotations

import dataclasses
import gzip

import pytest

from capstone_assets.flights.specs import AIRPORTS
from capstone_assets.learning.generator import FACT_COLUMNS
from capstone_assets.lib.loading import load_partition
from capstone_assets.resources.warehouse import LoadError
from capstone_assets_tests.prod_path.conftest import (  # noqa: F401  (fixtures)
    _emulated_cluster, prod_env, prod_lake, prod_settings, prod_warehouse, redshift_emulator,
)
from capstone_assets_tests.prod_path.values import ColumnType, ConversionError, convert
from capstone_assets_tests.reliability.lakes import csv_text, fact_key, partition, spec_for, video_rows

pytestmark = pytest.mark.prod_path
HEADER = FACT_COLUMNS["video_log"]


def load(settings, lake, warehouse, run_id):
    spec = spec_for(settings, "stg_video_log")
    warehouse.ensure_table(spec.group, spec.name)
    return load_partition(spec, partition(), lake, warehouse, run_id)


def test_redshift_refuses_a_misfit_as_duckdb_does(prod_settings, prod_lake, prod_warehouse):
    rows = video_rows(3) + [(99, 1, 2, "2019-01-05 10:00:00", "3.7")]
    prod_lake.write_bytes(fact_key("video_log"), csv_text(HEADER, rows).encode())
    with pytest.raises(LoadError, match=r"line 5.*watched_seconds"):
        load(prod_settings, prod_lake, prod_warehouse, "misfit")
    assert prod_warehouse.query("SELECT COUNT(*) FROM learning.stg_video_log")[0][0] == 0


def test_redshift_copies_a_gzip_upload(prod_settings, prod_lake, prod_warehouse, redshift_emulator):
    prod_lake.write_bytes(fact_key("video_log") + ".gz", gzip.compress(csv_text(HEADER, video_rows(4)).encode()))
    assert load(prod_settings, prod_lake, prod_warehouse, "gz").rows == 4
    copies = [s.sql for s in redshift_emulator.statements if s.sql.lstrip().upper().startswith("COPY")]
    assert copies and all(" GZIP" in s for s in copies)


# -- NaN and Infinity into a DOUBLE: COPY loads them, the load refuses them as the DuckDB path does ------------------

AIRPORT_HEADER = ["iata_code", "airport", "city", "state", "country", "latitude", "longitude"]
GOOD_AIRPORTS = [("ABE", "Lehigh Valley", "Allentown", "PA", "USA", "40.65236", "-75.4404"),
                 ("ABI", "Abilene", "Abilene", "TX", "USA", "32.41132", "-1.7976931348623157e308"),  # finite, huge
                 ("ABQ", "Albuquerque", "Albuquerque", "NM", "USA", "-0.0", "1e-300")]
NON_FINITE = ("NaN", "inf", "Infinity", "-Infinity")


def airport(code: str, latitude: str, longitude: str = "-99.68") -> tuple:
    return (code, "Somewhere", "Town", "TX", "USA", latitude, longitude)


def load_airports(lake, warehouse, run_id, spec=AIRPORTS):
    warehouse.ensure_table(spec.group, spec.name)
    return load_partition(spec, {}, lake, warehouse, run_id)


def airports(warehouse) -> list[tuple]:
    # NaN and Infinity as text: they must never be in the table, and text compares them faithfully
    return warehouse.query("SELECT iata_code, airport, CAST(latitude AS VARCHAR), CAST(longitude AS VARCHAR), "
                           "_source_file FROM flights.airports ORDER BY iata_code")


def rejected(warehouse, run_id) -> list[tuple]:
    return warehouse.query("SELECT source_file, line_number, column_name, reason, raw_line FROM capstone.rejected_rows "
                           "WHERE run_id = %s ORDER BY source_file, line_number", (run_id,))


@pytest.mark.parametrize("value", NON_FINITE)
def test_the_copy_emulation_loads_nan_and_infinity_into_a_double_as_redshift_does(value):
    """Redshift's COPY takes these into REAL/DOUBLE PRECISION (error 1208 is only for malformed numbers), so the
    emulation must too, or the tests below would pass on COPY's refusal instead of the load's own."""
    double = ColumnType("latitude", "double precision", False)
    assert convert(value, double, "YYYY-MM-DD", "YYYY-MM-DD HH:MI:SS", True) == value
    with pytest.raises(ConversionError):
        convert("1,5", double, "YYYY-MM-DD", "YYYY-MM-DD HH:MI:SS", True)


def test_redshift_refuses_nan_and_infinity_in_a_double_as_duckdb_does(prod_lake, prod_warehouse, redshift_emulator):
    prod_lake.write_bytes(AIRPORTS.path, csv_text(AIRPORT_HEADER, GOOD_AIRPORTS).encode())
    assert load_airports(prod_lake, prod_warehouse, "good").rows == 3  # huge and tiny finite values are no misfits
    assert any('"latitude" - "latitude" <> 0' in s.sql for s in redshift_emulator.statements)  # the float check ran
    before = airports(prod_warehouse)
    for value in NON_FINITE:  # each on line 3, among good rows
        bad = airport("ZZZ", value)
        prod_lake.write_bytes(AIRPORTS.path, csv_text(AIRPORT_HEADER, [GOOD_AIRPORTS[0], bad, GOOD_AIRPORTS[1]]).encode())
        with pytest.raises(LoadError, match=rf"^{AIRPORTS.path}, line 3, column 'latitude': CAST: Could not convert "
                                            rf"'{value}' to DOUBLE PRECISION exactly .* nothing was changed"):
            load_airports(prod_lake, prod_warehouse, value)
        assert airports(prod_warehouse) == before  # the table keeps its previous rows
        ((file, line, column, reason, raw),) = rejected(prod_warehouse, value)
        assert (file, line, column, raw) == (AIRPORTS.path, 3, "latitude", ",".join(bad))
        assert repr(value) in reason and "exactly" in reason
        assert prod_warehouse.query("SELECT status, rows_rejected FROM capstone.load_audit WHERE run_id = %s",
                                    (value,)) == [("failed", 1)]


def test_nan_and_infinity_within_the_allowance_are_left_out_and_the_rest_loads(prod_lake, prod_warehouse):
    """Two files (so each row's file comes from `_source_file`), a non-finite value in each, and a malformed number
    that COPY itself skips (MAXERROR): all three rejected once each with their own file and line, the rest loaded."""
    spec = dataclasses.replace(AIRPORTS, path="flights/airports/", suffix=".csv", max_rejected_rows=3)
    first, second = "flights/airports/part-1.csv", "flights/airports/part-2.csv"
    prod_lake.write_bytes(first, csv_text(AIRPORT_HEADER, [GOOD_AIRPORTS[0], airport("INF", "-75.1", "inf")]).encode())
    prod_lake.write_bytes(second, csv_text(AIRPORT_HEADER, [airport("BAD", "4O.1"), airport("NAN", "NaN"),
                                                            *GOOD_AIRPORTS[1:]]).encode())
    outcome = load_airports(prod_lake, prod_warehouse, "allowance", spec)
    assert outcome.rows == 3 and len(outcome.rejected) == 3
    assert [(code, source) for code, _, _, _, source in airports(prod_warehouse)] == [
        ("ABE", first), ("ABI", second), ("ABQ", second)]
    assert [row[:3] for row in rejected(prod_warehouse, "allowance")] == [
        (first, 3, "longitude"), (second, 2, "latitude"), (second, 3, "latitude")]
    assert prod_warehouse.query("SELECT source_rows, rows_loaded, rows_rejected FROM capstone.load_audit "
                                "WHERE run_id = %s", ("allowance",)) == [(6, 3, 3)]


def test_a_table_without_float_columns_sends_no_extra_query(prod_settings, prod_lake, prod_warehouse, redshift_emulator):
    """The float check is one query only where there is a float column (see the refusal test for one that has)."""
    prod_lake.write_bytes(fact_key("video_log"), csv_text(HEADER, video_rows(3)).encode())
    assert load(prod_settings, prod_lake, prod_warehouse, "no-floats").rows == 3
    assert not [s.sql for s in redshift_emulator.statements if "<> 0" in s.sql]
