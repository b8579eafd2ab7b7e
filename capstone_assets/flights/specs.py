"""The flights group as data: the two reference tables, the reloaded `flights` table and the analysts' views."""

from __future__ import annotations

from capstone_assets.lib import checks as c
from capstone_assets.lib.checks import Check, Reference
from capstone_assets.lib.specs import ModelSpec, StageSpec
from capstone_assets.lib.sql import ident

GROUP = "flights"
AIRLINES_FILE = "flights/airlines.csv"
AIRLINES_ALTERNATIVE = "flights/airlines.txt"  # the name some users' buckets have
AIRPORTS_FILE = "flights/airports.csv"
UPLOADS = "flights/uploads/"
UPLOAD_SUFFIX = ".csv"

# In October 2015 the DOT file carries 5-digit numeric airport ids instead of IATA codes: they cannot
# resolve against airports.csv, so they are counted (a warning) rather than failed.
NUMERIC_ID = "^[0-9][0-9][0-9][0-9][0-9]$"  # no braces: check SQL goes through str.format
HHMM = "^(([01][0-9]|2[0-3])[0-5][0-9]|2400)$"
HHMM_COLUMNS = ("scheduled_departure", "departure_time", "wheels_off", "wheels_on", "scheduled_arrival", "arrival_time")
DELAY_COLUMNS = ("departure_delay", "arrival_delay")
CAUSE_COLUMNS = ("air_system_delay", "security_delay", "airline_delay", "late_aircraft_delay", "weather_delay")
DURATION_COLUMNS = ("taxi_out", "taxi_in", "scheduled_time", "elapsed_time", "air_time")
MINUTES_IN_A_DAY = 1440


def is_numeric_id(column: str, alias: str = "") -> str:
    return f"{alias + '.' if alias else ''}{ident(column)} ~ '{NUMERIC_ID}'"


def airport_reference(column: str) -> Reference:
    return Reference(column, GROUP, "airports", "iata_code", exempt=is_numeric_id(column, "t"))


def is_hhmm(column: str) -> Check:
    return c.distinct_value_rule(
        f"{column}_is_hhmm", (column,), f"{ident(column)} IS NOT NULL AND NOT ({ident(column)} ~ '{HHMM}')",
        f"{column} is a zero-padded clock time hhmm from 0000 to 2400 with minutes 00..59",
    )


NUMERIC_AIRPORT_IDS = c.distinct_value_rule(
    "numeric_airport_ids_flagged", ("origin_airport", "destination_airport"),
    f"{is_numeric_id('origin_airport')} OR {is_numeric_id('destination_airport')}",
    "rows whose origin or destination is a 5-digit numeric DOT airport id instead of an IATA code "
    "(as in October 2015); counted as a warning, they do not block the reload",
    blocking=False,
    warn_only=True,
)

FLIGHT_CHECKS = (
    NUMERIC_AIRPORT_IDS,
    *(is_hhmm(column) for column in HHMM_COLUMNS),
    *(c.between(column, -MINUTES_IN_A_DAY, 2 * MINUTES_IN_A_DAY) for column in DELAY_COLUMNS),
    *(c.between(column, 0, 2 * MINUTES_IN_A_DAY) for column in CAUSE_COLUMNS),
    *(c.between(column, 0, MINUTES_IN_A_DAY) for column in DURATION_COLUMNS),
)

AIRLINES = StageSpec(
    GROUP, "airlines", AIRLINES_FILE, alternative_paths=(AIRLINES_ALTERNATIVE,), keys=("iata_code",),
    description="One row per airline (IATA code and name), loaded from `flights/airlines.csv` (or `.txt`).",
)
AIRPORTS = StageSpec(
    GROUP, "airports", AIRPORTS_FILE, keys=("iata_code",),
    checks=(c.between("latitude", -90, 90), c.between("longitude", -180, 180)),
    description="One row per airport: IATA code, name, city, state, country and coordinates (some missing).",
)
FLIGHTS = StageSpec(
    GROUP, "flights", UPLOADS, suffix=UPLOAD_SUFFIX,
    references=(Reference("airline", GROUP, "airlines", "iata_code"),
                airport_reference("origin_airport"), airport_reference("destination_airport")),
    checks=FLIGHT_CHECKS,
    description="Every flight of the newest vendor upload under `flights/uploads/`, replaced atomically on each "
                "reload (DELETE + load in one transaction): readers see the previous upload until it commits.",
)
STAGE_SPECS = (AIRLINES, AIRPORTS, FLIGHTS)

MODEL_SPECS = (
    ModelSpec(
        GROUP, "flights_details", kind="view",
        checks=(c.expectation(
            "one_row_per_flight",
            "(SELECT COUNT(*) FROM flights.flights_details) - (SELECT COUNT(*) FROM flights.flights)", 0,
            "the view has exactly one row per row of flights.flights", blocking=True),),
        description="One row per flight: flight date, airline and airport codes (the source's `airline`, "
                    "`origin_airport`, `destination_airport`) beside their names and locations, times, taxi, "
                    "wheels, elapsed and air time, and the five delay causes.",
    ),
    ModelSpec(
        GROUP, "delayed_flights_agg", kind="view", keys=("flight_date", "airline_code", "origin_airport_code"),
        checks=(c.expectation(
            "counts_every_late_arrival",
            "(SELECT SUM(delayed_flights) FROM flights.delayed_flights_agg) "
            "- (SELECT COUNT(*) FROM flights.flights WHERE arrival_delay > 0)", 0,
            "the groups add up to the number of flights with arrival_delay > 0"),),
        description="Flights delayed at arrival: count, total and average delay by airline, origin airport and date.",
    ),
    ModelSpec(
        GROUP, "delayed_fligths_agg", kind="view",
        description="The source's misspelt name for `delayed_flights_agg` (sic), a view over it, so existing queries run.",
    ),
)
