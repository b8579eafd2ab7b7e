"""Issue 14, class 1: a value that does not fit its column exactly is rejected (file, line, column, reason), never
changed; a UTC offset is converted only under a declared per-column rule; the Redshift COPY options refuse the same.

Every case writes a January video_log with one misfit row among good ones, loads it through the real path (inspect,
DuckDB load, audit) and reads the outcome from the warehouse.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re

import duckdb
import pytest

from capstone_assets.flights.specs import AIRPORTS
from capstone_assets.learning.generator import FACT_COLUMNS
from capstone_assets.lib.checks import in_partition_month
from capstone_assets.lib.loading import load_partition
from capstone_assets.lib.sql import Column
from capstone_assets.lib.value_rules import misfit, sql_fit
from capstone_assets.resources import build_resources
from capstone_assets.resources.redshift_warehouse import RedshiftWarehouse
from capstone_assets.resources.warehouse import LoadError, LoadRequest
from capstone_assets_tests.helpers import query, scalar
from capstone_assets_tests.reliability.lakes import (
    checksum_sql, csv_text, fact_key, load, spec_for, video_rows, write_file, write_video_log,
)

HEADER = FACT_COLUMNS["video_log"]  # view_id BIGINT, user_id BIGINT, video_id BIGINT, viewed_at TIMESTAMP, watched_seconds INTEGER
KEY = fact_key("video_log")
GOOD = video_rows(4)
JSON_KEY = "learning/data_science/2019/1/video_log/part-0.json"

# (column, misfit text): what DuckDB's plain CAST would have changed (3.7 -> 4, 0x10 -> 16, 24:00:00 -> next day, ...)
CSV_MISFITS = {
    "decimal_into_integer": ("watched_seconds", "3.7"),
    "integral_decimal_into_integer": ("watched_seconds", "5.0"),
    "hexadecimal_into_integer": ("watched_seconds", "0x10"),
    "exponent_into_integer": ("view_id", "1e3"),
    "digit_separator_into_integer": ("view_id", "1_000"),
    "padded_integer": ("watched_seconds", " 5"),
    "nan_into_integer": ("watched_seconds", "NaN"),
    "hour_24": ("viewed_at", "2019-01-02 24:00:00"),
    "utc_offset_without_a_rule": ("viewed_at", "2019-01-31 23:30:00-05:00"),
    "iso_t_separator": ("viewed_at", "2019-01-02T10:00:00"),
    "date_only_into_timestamp": ("viewed_at", "2019-01-02"),
    "impossible_date": ("viewed_at", "2019-02-30 10:00:00"),
}


def misfit_row(column: str, value: str, view_id: int = 99) -> list:
    row = dict(zip(HEADER, (view_id, 1, 2, "2019-01-05 10:00:00", 30)))
    row[column] = value
    return [row[name] for name in HEADER]


def rejected_rows(settings, run_id):
    return query(settings, "SELECT source_file, line_number, column_name, reason, raw_line FROM capstone.rejected_rows "
                           "WHERE run_id = ? ORDER BY line_number", [run_id])


@pytest.mark.parametrize("case", sorted(CSV_MISFITS))
def test_csv_misfit_is_rejected_never_changed(settings, lake_dir, case):
    column, value = CSV_MISFITS[case]
    write_video_log(lake_dir, GOOD)
    load(settings, run_id="good")
    before = query(settings, checksum_sql("learning.stg_video_log"))
    write_video_log(lake_dir, GOOD[:2] + [misfit_row(column, value)] + GOOD[2:])  # the misfit is on line 4
    with pytest.raises(LoadError, match=rf"{KEY}, line 4, column {column!r}: CAST: Could not convert"):
        load(settings, run_id=case)
    assert query(settings, checksum_sql("learning.stg_video_log")) == before  # nothing changed
    ((file, line, rejected_column, reason, raw),) = rejected_rows(settings, case)
    assert (file, line, rejected_column) == (KEY, 4, column)
    assert repr(value) in reason and "exactly" in reason
    assert raw == csv_text(HEADER, [misfit_row(column, value)]).splitlines()[1]


def test_misfits_within_the_allowance_are_left_out_and_the_rest_loads(settings, lake_dir):
    spec = dataclasses.replace(spec_for(settings, "stg_video_log"), max_rejected_rows=3)
    rows = GOOD + [misfit_row("watched_seconds", "3.7", 97), misfit_row("watched_seconds", "0x10", 98)]
    write_video_log(lake_dir, rows)
    outcome = load(settings, spec=spec, run_id="allowance")
    assert outcome.rows == len(GOOD) and len(outcome.rejected) == 2
    assert scalar(settings, "SELECT COUNT(*) FROM learning.stg_video_log WHERE view_id IN (97, 98)") == 0
    assert [(r[1], r[2]) for r in rejected_rows(settings, "allowance")] == [(6, "watched_seconds"), (7, "watched_seconds")]
    # the audit's source rows less its rejected rows is what the table holds
    assert query(settings, "SELECT source_rows, rows_loaded, rows_rejected FROM capstone.load_audit WHERE run_id = ?",
                 ["allowance"]) == [(6, 4, 2)]


def test_a_time_part_in_a_date_column_is_rejected(settings, lake_dir):
    header = ["user_id", "user_name", "email", "country", "signup_date", "degree"]
    write_file(lake_dir, "learning/dimensional_tables/users_dim.csv",
               csv_text(header, [(1, "a", "a@x", "DE", "2019-01-02", "data_science"),
                                 (2, "b", "b@x", "DE", "2019-01-02 00:00:00", "data_science")]))
    resources = build_resources(settings)
    spec = spec_for(settings, "stg_users")
    with resources["warehouse"].session(), pytest.raises(LoadError, match=r"line 3, column 'signup_date'"):
        resources["warehouse"].ensure_table("learning", "stg_users")
        load_partition(spec, {}, resources["lake"], resources["warehouse"], "dates")
    assert scalar(settings, "SELECT COUNT(*) FROM learning.stg_users") == 0


@pytest.mark.parametrize("value", ["NaN", "inf", "-Infinity"])
def test_nan_and_infinity_into_a_double_are_rejected(settings, lake_dir, value):
    header = ["iata_code", "airport", "city", "state", "country", "latitude", "longitude"]
    write_file(lake_dir, AIRPORTS.path, csv_text(header, [("ABE", "A", "B", "PA", "USA", "40.65", "-75.44"),
                                                          ("ABI", "C", "D", "TX", "USA", value, "-99.68")]))
    resources = build_resources(settings)
    with resources["warehouse"].session(), pytest.raises(LoadError, match=r"line 3, column 'latitude'"):
        resources["warehouse"].ensure_table("flights", "airports")
        load_partition(AIRPORTS, {}, resources["lake"], resources["warehouse"], "nan")
    assert rejected_rows(settings, "nan")[0][1:3] == (3, "latitude")


def test_declared_utc_offset_rule_converts_before_the_partition_month_rule(settings, lake_dir):
    """`23:30-05:00` on January 31 is 04:30 UTC on February 1: stored as such, so the in-month check flags it."""
    spec = dataclasses.replace(spec_for(settings, "stg_video_log"), utc_offset_columns=("viewed_at",))
    offsets = [misfit_row("viewed_at", "2019-01-31 23:30:00-05:00", 90),
               misfit_row("viewed_at", "2019-01-15 10:00:00+02", 91),
               misfit_row("viewed_at", "2019-01-15 10:00:00Z", 92),
               misfit_row("viewed_at", "2019-01-15 10:00:00", 93)]  # no offset: already UTC
    write_video_log(lake_dir, GOOD + offsets)
    load(settings, spec=spec, run_id="offsets")
    stored = dict(query(settings, "SELECT view_id, viewed_at FROM learning.stg_video_log WHERE view_id >= 90"))
    assert stored == {90: dt.datetime(2019, 2, 1, 4, 30), 91: dt.datetime(2019, 1, 15, 8, 0),
                      92: dt.datetime(2019, 1, 15, 10, 0), 93: dt.datetime(2019, 1, 15, 10, 0)}
    resources = build_resources(settings)
    result = in_partition_month("viewed_at").evaluate(resources["warehouse"], "learning.stg_video_log")
    assert not result.passed and result.metadata["bad_rows"].value == 1


def ndjson_spec(settings, **changes):
    return dataclasses.replace(spec_for(settings, "stg_video_log"), format="ndjson",
                               path="learning/{degree}/{year}/{month}/video_log/", suffix=".json", **changes)


JSON_MISFITS = {
    "string_into_integer": ("watched_seconds", "30", r"expected a JSON integer, found str"),
    "boolean_into_integer": ("watched_seconds", True, r"expected a JSON integer, found bool"),
    "decimal_into_integer": ("watched_seconds", 3.7, r"expected a JSON integer, found float"),
    "nan": ("watched_seconds", float("nan"), r"NaN is not a finite number"),
    "infinity": ("watched_seconds", float("inf"), r"Infinity is not a finite number"),
    "offset_timestamp": ("viewed_at", "2019-01-31 23:30:00-05:00", r"Could not convert"),
    "hour_24": ("viewed_at", "2019-01-02 24:00:00", r"Could not convert"),
    "number_into_timestamp": ("viewed_at", 1546300800000, r"expected text holding a timestamp"),
}


@pytest.mark.parametrize("case", sorted(JSON_MISFITS))
def test_json_misfit_reaches_rejected_rows(settings, lake_dir, case):
    column, value, reason = JSON_MISFITS[case]
    good = [json.dumps(dict(zip(HEADER, row))) for row in GOOD]
    bad = json.dumps(dict(zip(HEADER, misfit_row(column, value))))  # json.dumps writes NaN / Infinity literally
    write_file(lake_dir, JSON_KEY, "\n".join(good[:1] + [bad] + good[1:]) + "\n")
    with pytest.raises(LoadError, match=rf"{JSON_KEY}, line 2, field {column!r}: .*{reason}"):
        load(settings, spec=ndjson_spec(settings), run_id=case)
    ((file, line, rejected_column, recorded, raw),) = rejected_rows(settings, case)
    assert (file, line, rejected_column, raw) == (JSON_KEY, 2, column, bad)
    assert re.search(reason, recorded)
    assert scalar(settings, "SELECT COUNT(*) FROM learning.stg_video_log") == 0


def test_malformed_json_reaches_rejected_rows(settings, lake_dir):
    write_file(lake_dir, JSON_KEY, json.dumps(dict(zip(HEADER, GOOD[0]))) + '\n{"view_id": 3,\n')
    with pytest.raises(LoadError, match="line 2, column 15: malformed JSON"):
        load(settings, spec=ndjson_spec(settings), run_id="malformed")
    assert rejected_rows(settings, "malformed")[0][:3] == (JSON_KEY, 2, None)


def test_json_utc_offset_rule_converts_to_utc(settings, lake_dir):
    rows = [dict(zip(HEADER, misfit_row("viewed_at", "2019-01-31 23:30:00-05:00", 90)))]
    write_file(lake_dir, JSON_KEY, "".join(json.dumps(r) + "\n" for r in rows))
    load(settings, spec=ndjson_spec(settings, utc_offset_columns=("viewed_at",)), run_id="json-offsets")
    assert query(settings, "SELECT viewed_at, _source_file FROM learning.stg_video_log") == [
        (dt.datetime(2019, 2, 1, 4, 30), JSON_KEY)]


# -- Redshift: the COPY options that make COPY refuse the same values ---------------------------------------------

def copy_options(settings, fmt: str = "csv", **changes) -> str:
    spec = spec_for(settings, "stg_video_log")
    warehouse = RedshiftWarehouse(host="h", database="d", user="u", password="p", iam_role="arn:aws:iam::1:role/r")
    request = LoadRequest(schema="learning", table="stg_video_log", columns=spec.columns,
                          file_fields=tuple((c.name, c.name) for c in spec.file_columns), format=fmt, files=(),
                          **changes)
    return warehouse.copy_statement(request, "staging", "s3://b/m.manifest", build_resources(settings)["lake"])


def test_redshift_copy_options_refuse_what_the_rules_refuse(settings):
    for statement in (copy_options(settings), copy_options(settings, "ndjson")):
        assert "TIMEFORMAT 'YYYY-MM-DD HH:MI:SS'" in statement
        for loose in ("TIMEFORMAT 'auto'", "DATEFORMAT 'auto'", "ROUNDDEC", "ACCEPTANYDATE",
                      "TRUNCATECOLUMNS", "FILLRECORD", "ACCEPTINVCHARS"):
            assert loose not in statement
    assert "DATEFORMAT 'YYYY-MM-DD'" in copy_options(settings)
    with pytest.raises(LoadError, match=r"UTC-offset columns \['viewed_at'\] are converted only in JSON loads"):
        copy_options(settings, utc_offset_columns=("viewed_at",))


PG_TYPES = {"view_id": "bigint", "watched_seconds": "integer", "viewed_at": "timestamp without time zone"}


@pytest.mark.parametrize("case", sorted(set(CSV_MISFITS) - {"utc_offset_without_a_rule"}) + ["utc_offset_without_a_rule"])
def test_the_redshift_copy_emulation_refuses_the_same_values(settings, case):
    """The prod_path COPY emulation (Redshift's conversion rules) with this COPY's own DATEFORMAT/TIMEFORMAT
    refuses every CSV misfit the DuckDB path refuses (NaN/Infinity into REAL/DOUBLE excepted: COPY loads them and the
    load refuses them afterwards, see test_redshift_agreement.py)."""
    from capstone_assets_tests.prod_path.values import ColumnType, ConversionError, convert

    statement = copy_options(settings)
    dateformat = re.search(r"DATEFORMAT '([^']+)'", statement)[1]
    timeformat = re.search(r"TIMEFORMAT '([^']+)'", statement)[1]
    column, value = CSV_MISFITS[case]
    with pytest.raises(ConversionError):
        convert(value, ColumnType(column, PG_TYPES[column], False), dateformat, timeformat, True)
    good = dict(zip(HEADER, GOOD[0]))[column]
    assert convert(str(good), ColumnType(column, PG_TYPES[column], False), dateformat, timeformat, True) is not None


def test_the_rules_accept_the_values_they_should(settings):
    """The exact-fit rules are no stricter than the data: every form the generators and real files use fits."""
    integer, timestamp = Column("n", "INTEGER", "INTEGER", False), Column("t", "TIMESTAMP", "TIMESTAMP", False)
    double, boolean = Column("d", "DOUBLE PRECISION", "DOUBLE", False), Column("b", "BOOLEAN", "BOOLEAN", False)
    for value, column in [("-11", integer), ("+5", integer), ("007", integer), ("", integer),
                          ("2019-01-02 03:04:05", timestamp), ("2019-01-02 03:04:05.123456", timestamp),
                          ("40.65236", double), ("-75.4", double), ("1.540919166796E12", double),
                          ("0", boolean), ("1", boolean), ("TRUE", boolean)]:
        assert misfit(value, column) is None, (value, column)
    assert misfit("2147483648", integer) is not None  # out of range is no fit either


EDGE_VALUES = {  # the loads' SQL rule (with its read-back shortcuts) must agree with misfit on each
    ("BIGINT", "BIGINT"): ["12", "-12", "+12", "007", "-0", "9223372036854775807", "9223372036854775808", "1e3", "1.0",
                           " 1", "1 ", "0x10", "1_000", "NaN"],
    ("DATE", "DATE"): ["2019-01-02", "0999-01-02", "2019-1-2", "2019-02-30", "10000-01-01", "2019-01-02 00:00:00",
                       " 2019-01-02", "2019-01-02 (BC)", "0001-01-01", "infinity", "epoch"],
    ("TIMESTAMP", "TIMESTAMP"): ["2019-01-02 03:04:05", "0999-01-02 03:04:05", "2019-01-02 03:04:05.5",
                                 "2019-01-02 03:04:05.500000", "2019-01-02 03:04:05.1234567", "2019-01-02T03:04:05",
                                 "2019-01-02 3:04:05", "2019-01-02 24:00:00", "2019-01-02 23:59:60",
                                 "10000-01-02 03:04:05", "2019-01-02 03:04:05+00", "2019-01-02 03:04",
                                 "2019-01-02 03:04:05 ", "2019-02-30 03:04:05", "infinity", "2019-01-02"],
}


@pytest.mark.parametrize("types", EDGE_VALUES, ids=[t[0] for t in EDGE_VALUES])
def test_the_loads_sql_rule_and_misfit_agree_on_edge_values(types):
    column = Column("v", *types, False)
    _, fits = sql_fit('"v"', column)
    with duckdb.connect() as connection:
        connection.execute("SET TimeZone = 'UTC'")
        for value in EDGE_VALUES[types]:
            fit = connection.execute(f'SELECT {fits} FROM (SELECT CAST(? AS VARCHAR) AS "v")', [value]).fetchone()[0]
            assert (fit is True) == (misfit(value, column) is None), (types[0], value)  # NULL loads nothing either
