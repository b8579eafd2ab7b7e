"""The flights group on the real 2015 sample files, with every count computed from the files themselves."""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from pathlib import Path

import pytest

from capstone_assets.flights.specs import FLIGHTS, GROUP
from capstone_assets.lib.staging import default_checks
from capstone_assets.lib.sql import qualified, read_sql, to_dialect
from capstone_assets.resources import DuckDBWarehouse
from capstone_assets_tests.helpers import materialize, query, scalar

HHMM_FIELDS = ("SCHEDULED_DEPARTURE", "DEPARTURE_TIME", "WHEELS_OFF", "WHEELS_ON", "SCHEDULED_ARRIVAL", "ARRIVAL_TIME")


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def real_lake(shared_datasets: Path, lake_dir: Path) -> Path:
    source = shared_datasets / "flights"
    (lake_dir / "flights" / "uploads").mkdir(parents=True)
    shutil.copy(source / "airlines.csv", lake_dir / "flights" / "airlines.csv")
    shutil.copy(source / "airports.csv", lake_dir / "flights" / "airports.csv")
    shutil.copy(source / "flights.csv", lake_dir / "flights" / "uploads" / "flights.csv")
    return source


def test_group_materializes_with_every_check_passing(settings, real_lake):
    airlines, airports = read_rows(real_lake / "airlines.csv"), read_rows(real_lake / "airports.csv")
    flights = read_rows(real_lake / "flights.csv")

    for attempt in range(2):  # a re-run replaces, never duplicates
        report = materialize(settings, f"group:{GROUP}")
        assert report.success, report.runs
        assert all(not outcome.checks_failed for outcome in report.assets.values())
        assert report.assets["flights/flights"].checks_passed >= 20
        assert scalar(settings, "SELECT COUNT(*) FROM flights.airlines") == len(airlines)
        assert scalar(settings, "SELECT COUNT(*) FROM flights.airports") == len(airports)
        assert scalar(settings, "SELECT COUNT(*) FROM flights.flights") == len(flights)

    assert (len(airlines), len(airports), len(flights)) == (14, 322, 20_027)
    totals = query(settings, "SELECT COUNT(*) FILTER (WHERE cancelled), COUNT(*) FILTER (WHERE diverted), "
                             "COUNT(tail_number), COUNT(arrival_delay), SUM(arrival_delay) FROM flights.flights")[0]
    assert totals == (
        sum(r["CANCELLED"] == "1" for r in flights),
        sum(r["DIVERTED"] == "1" for r in flights),
        sum(r["TAIL_NUMBER"] != "" for r in flights),
        sum(r["ARRIVAL_DELAY"] != "" for r in flights),
        sum(int(r["ARRIVAL_DELAY"]) for r in flights if r["ARRIVAL_DELAY"]),
    )
    assert dict(query(settings, "SELECT cancellation_reason, COUNT(*) FROM flights.flights "
                                "WHERE cancellation_reason IS NOT NULL GROUP BY 1")) == \
        dict(Counter(r["CANCELLATION_REASON"] for r in flights if r["CANCELLATION_REASON"]))
    for field in HHMM_FIELDS:  # zero-padded text, 2400 kept as written
        column = field.lower()
        assert Counter(v for (v,) in query(settings, f"SELECT {column} FROM flights.flights WHERE {column} IS NOT NULL")) == \
            Counter(r[field] for r in flights if r[field])


def test_views_replace_codes_with_names_and_aggregate_late_arrivals(settings, real_lake):
    assert materialize(settings, f"group:{GROUP}").success
    flights = read_rows(real_lake / "flights.csv")
    airline_names = {r["IATA_CODE"]: r["AIRLINE"] for r in read_rows(real_lake / "airlines.csv")}
    airports = {r["IATA_CODE"]: r for r in read_rows(real_lake / "airports.csv")}

    assert scalar(settings, "SELECT COUNT(*) FROM flights.flights_details") == len(flights)
    details = Counter(query(settings, "SELECT CAST(flight_date AS VARCHAR), airline_name, origin_airport_name, destination_city "
                                      "FROM flights.flights_details"))
    expected = Counter((f"{int(r['YEAR']):04d}-{int(r['MONTH']):02d}-{int(r['DAY']):02d}", airline_names[r["AIRLINE"]],
                        airports[r["ORIGIN_AIRPORT"]]["AIRPORT"], airports[r["DESTINATION_AIRPORT"]]["CITY"]) for r in flights)
    assert details == expected

    late: dict[tuple, list[int]] = {}
    for r in flights:
        if r["ARRIVAL_DELAY"] and int(r["ARRIVAL_DELAY"]) > 0:
            late.setdefault((int(r["DAY"]), r["AIRLINE"], r["ORIGIN_AIRPORT"]), []).append(int(r["ARRIVAL_DELAY"]))
    rows = query(settings, "SELECT EXTRACT(day FROM flight_date), airline_code, origin_airport_code, delayed_flights, "
                           "total_arrival_delay, average_arrival_delay FROM flights.delayed_flights_agg")
    assert {(int(d), a, o): (n, total) for d, a, o, n, total, _ in rows} == {
        key: (len(delays), sum(delays)) for key, delays in late.items()
    }
    for day, airline, origin, n, total, average in rows:  # rounded to 2 decimals by the view
        assert average == pytest.approx(total / n, abs=0.0051)


def test_non_ascii_airport_names_survive_byte_exact(settings, real_lake):
    assert materialize(settings, f"{GROUP}/airports").success
    expected = {r["IATA_CODE"]: r["AIRPORT"] for r in read_rows(real_lake / "airports.csv")}
    loaded = dict(query(settings, "SELECT iata_code, airport FROM flights.airports"))
    assert loaded == expected
    assert "\u00a0" in loaded["UST"]
    assert all(any(ch in name for name in loaded.values()) for ch in "áéíñ")
    missing = {r["IATA_CODE"] for r in read_rows(real_lake / "airports.csv") if not r["LATITUDE"]}
    assert {c for (c,) in query(settings, "SELECT iata_code FROM flights.airports WHERE latitude IS NULL")} == missing


def test_airlines_txt_name_is_accepted(settings, real_lake, lake_dir):
    (lake_dir / "flights" / "airlines.csv").rename(lake_dir / "flights" / "airlines.txt")
    assert materialize(settings, f"{GROUP}/airlines").success
    assert query(settings, "SELECT COUNT(*), MIN(_source_file) FROM flights.airlines") == \
        [(len(read_rows(real_lake / "airlines.csv")), "flights/airlines.txt")]


def test_time_and_code_checks_catch_bad_values(settings, real_lake):
    assert materialize(settings, f"group:{GROUP}").success
    warehouse = DuckDBWarehouse(path=str(settings.duckdb_path))
    warehouse.execute("UPDATE flights.flights SET arrival_time = '1360', origin_airport = 'ZZZ' "
                      "WHERE flight_number = 98 AND airline = 'AS' AND day = 1")
    results = {check.name: check.evaluate(warehouse, qualified(GROUP, "flights")) for check in default_checks(FLIGHTS)}
    failed = {name for name, result in results.items() if not result.passed}
    assert failed == {"arrival_time_is_hhmm", "origin_airport_in_airports"}
    assert results["arrival_time_is_hhmm"].metadata["bad_rows"].value == 1


def test_redshift_layout_is_kept_for_redshift_and_dropped_for_duckdb():
    ddl = read_sql(GROUP, "flights")
    assert "DISTSTYLE EVEN" in ddl and "SORTKEY (airline)" in ddl
    duckdb_ddl = to_dialect(ddl, "duckdb")
    assert "DISTSTYLE" not in duckdb_ddl and "SORTKEY" not in duckdb_ddl
