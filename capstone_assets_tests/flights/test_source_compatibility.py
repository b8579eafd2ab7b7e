"""What the flights users relied on: `flights_details` in descriptive form beside the codes, the misspelt view
name `delayed_fligths_agg`, and an upload sensor that runs without anyone switching it on."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import dagster as dg
import pytest

from capstone_assets.definitions import build_definitions
from capstone_assets.flights.automation import uploads_sensor
from capstone_assets.flights.generator import generate
from capstone_assets_tests.helpers import materialize, query

UPLOAD = "flights/uploads/flights_20150101.csv"
NUMERIC_ID = re.compile(r"^\d{5}$")
CAUSES = ("AIR_SYSTEM_DELAY", "SECURITY_DELAY", "AIRLINE_DELAY", "LATE_AIRCRAFT_DELAY", "WEATHER_DELAY")
MEASURES = ("TAXI_OUT", "TAXI_IN", "WHEELS_OFF", "WHEELS_ON", "ELAPSED_TIME", "AIR_TIME") + CAUSES


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """The flights group materialized once on a small generated lake (October rows carry numeric airport ids)."""
    from capstone_assets.settings import load_settings

    root = tmp_path_factory.mktemp("flights_compat")
    settings = load_settings({"CAPSTONE_LAKE_DIR": str(root / "lake"), "CAPSTONE_DUCKDB_PATH": str(root / "w.duckdb")})
    generate(root / "lake", scale=0.0005, seed=11, upload_name=Path(UPLOAD).name)
    report = materialize(settings, "group:flights")
    assert report.success, report.runs
    return settings, root / "lake"


def optional_int(text: str) -> int | None:
    return int(text) if text else None


def test_details_keep_codes_beside_names_and_every_measure(loaded):
    settings, lake = loaded
    flights = read_rows(lake / UPLOAD)
    airlines = {r["IATA_CODE"]: r["AIRLINE"] for r in read_rows(lake / "flights/airlines.csv")}
    airports = {r["IATA_CODE"]: r for r in read_rows(lake / "flights/airports.csv")}
    columns = ["airline", "airline_name", "origin_airport", "origin_airport_name", "origin_city",
               "destination_airport", "destination_airport_name", "destination_city",
               *[m.lower() for m in MEASURES]]
    got = sorted(query(settings, f"SELECT {', '.join(columns)} FROM flights.flights_details"),
                 key=lambda row: tuple(str(v) for v in row))

    def place(code: str) -> tuple[str, str | None]:
        airport = airports.get(code)
        return (airport["AIRPORT"], airport["CITY"]) if airport else (code, None)  # a numeric id keeps its code

    expected = [
        (r["AIRLINE"], airlines[r["AIRLINE"]], r["ORIGIN_AIRPORT"], *place(r["ORIGIN_AIRPORT"]),
         r["DESTINATION_AIRPORT"], *place(r["DESTINATION_AIRPORT"]),
         *[r[m] or None if m.startswith("WHEELS") else optional_int(r[m]) for m in MEASURES])
        for r in flights
    ]
    assert got == sorted(expected, key=lambda row: tuple(str(v) for v in row))
    numeric = [r for r in flights if NUMERIC_ID.match(r["ORIGIN_AIRPORT"])]
    assert numeric, "the generated upload has October rows with numeric airport ids"
    assert sum(any(r[c] for c in CAUSES) for r in flights) > 0  # the delay causes are not all empty


def test_misspelt_view_answers_like_the_correct_one(loaded):
    settings, _ = loaded
    correct = query(settings, "SELECT * FROM flights.delayed_flights_agg ORDER BY ALL")
    assert correct and query(settings, "SELECT * FROM flights.delayed_fligths_agg ORDER BY ALL") == correct


def test_upload_sensor_runs_by_default(settings):
    assert uploads_sensor.default_status == dg.DefaultSensorStatus.RUNNING
    sensor = build_definitions(settings).resolve_sensor_def("flights_uploads_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
