"""Exact fit: a text value is loaded into a typed column only if it fits exactly, never rounded or truncated.

One rule per column kind, written once as a regular expression that both Python (`re`) and DuckDB (RE2)
run, plus the engine's own range/calendar check: `3.7`, `0x10`, `1e3` or `1_000` in an integer column,
a time part in a DATE, `24:00:00`, `NaN`/`Infinity` and a timestamp with a UTC offset are all misfits.
A column named in a spec's `utc_offset_columns` is the declared exception: its timestamps may carry an
offset (`2019-01-31 23:30:00-05:00`) and are converted to UTC (`2019-02-01 04:30:00`) before any
partition rule looks at them.

DuckDB reads CSV columns as text and applies `sql_fit` (rows that do not fit are not inserted); the rows
left out are then located in the file by `misfit` (the same rules in Python), with file, line and column.
JSON values are checked by `misfit` during inspection. Redshift's COPY options are chosen to refuse the
same values (see docs/reliability.md), except NaN/Infinity in a float column, which COPY loads: those rows are
found after the COPY and located by the same `misfit` (resources/redshift_misfits.py, resources/misfits.py).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

from capstone_assets.lib.sql import Column, duckdb_string

DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
TIME = r"([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?"
OFFSET = r"(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)"


@dataclass(frozen=True)
class Kind:
    name: str
    pattern: str
    expected: str  # what a fitting value looks like, for the rejection reason


KINDS = {
    "integer": Kind("integer", r"[+-]?[0-9]+", "a whole number in decimal digits"),
    "float": Kind("float", r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?", "a finite decimal number"),
    "boolean": Kind("boolean", r"(?i:t|true|f|false|y|yes|n|no|1|0)", "true/false, t/f, yes/no, y/n or 1/0"),
    "date": Kind("date", DATE, "a date YYYY-MM-DD with no time part"),
    "timestamp": Kind("timestamp", f"{DATE} {TIME}", "YYYY-MM-DD HH:MM:SS[.ffffff] with no UTC offset"),
    "timestamp_utc_offset": Kind("timestamp_utc_offset", f"{DATE} {TIME}{OFFSET}?",
                                 "YYYY-MM-DD HH:MM:SS[.ffffff][+-HH[:MM]|Z]"),
}
TYPE_KINDS = (  # declared type prefix -> kind (VARCHAR/CHAR/TEXT have none: any text fits, length aside)
    ("BIGINT", "integer"), ("INTEGER", "integer"), ("INT", "integer"), ("SMALLINT", "integer"),
    ("DOUBLE", "float"), ("REAL", "float"), ("FLOAT", "float"),
    ("BOOLEAN", "boolean"), ("DATE", "date"), ("TIMESTAMP", "timestamp"),
)
INTEGER_RANGES = {"SMALLINT": 2 ** 15, "INTEGER": 2 ** 31, "INT": 2 ** 31, "BIGINT": 2 ** 63}
# DuckDB's own text for a date and a whole-second timestamp with a 4-digit year, which the patterns accept
CANONICAL_LENGTHS = {"date": 10, "timestamp": 19}


def column_kind(column: Column, utc_offsets: bool = False) -> Kind | None:
    upper = column.redshift_type.upper()
    if upper.startswith(("DECIMAL", "NUMERIC")):
        raise ValueError(f"column {column.name!r}: DECIMAL is not an exact-fit kind yet (Redshift COPY truncates "
                         "extra digits); declare DOUBLE PRECISION or BIGINT")
    if upper.startswith("TIMESTAMP") and utc_offsets:
        return KINDS["timestamp_utc_offset"]
    return next((KINDS[kind] for prefix, kind in TYPE_KINDS if upper.startswith(prefix)), None)


def sql_fit(value_sql: str, column: Column, utc_offsets: bool = False) -> tuple[str, str]:
    """(the typed value, a condition true when the text fits) for DuckDB SQL over a VARCHAR expression."""
    kind = column_kind(column, utc_offsets)
    if kind is None:
        return value_sql, "TRUE"
    target = column.duckdb_type
    typed = (f"CAST(CAST({value_sql} AS TIMESTAMPTZ) AS TIMESTAMP)" if kind.name == "timestamp_utc_offset"
             else f"CAST({value_sql} AS {target})")  # the session runs in UTC, so TIMESTAMPTZ -> TIMESTAMP is UTC
    exact = (f"regexp_full_match({value_sql}, {duckdb_string(kind.pattern)}) "
             f"AND TRY_CAST({value_sql} AS {'TIMESTAMPTZ' if kind.name == 'timestamp_utc_offset' else target}) IS NOT NULL")
    reads_back = f"CAST(TRY_CAST({value_sql} AS {target}) AS VARCHAR) = {value_sql}"
    # a value that reads back as itself (at the canonical length) fits: no pattern needed, which costs far more
    if kind.name == "integer":  # plain digits in range
        exact = f"{reads_back} OR ({exact})"
    elif kind.name in CANONICAL_LENGTHS:  # YYYY-MM-DD[ HH:MM:SS], a real day and time (fractions take the pattern)
        exact = f"(length({value_sql}) = {CANONICAL_LENGTHS[kind.name]} AND {reads_back}) OR ({exact})"
    return typed, f"({value_sql} IS NULL OR ({exact}))"


def misfit(value: str | None, column: Column, utc_offsets: bool = False) -> str | None:
    """Why `value` does not fit `column` exactly, or None if it does (an empty field is NULL and fits)."""
    kind = column_kind(column, utc_offsets)
    if kind is None or value is None or value == "":
        return None
    if not re.fullmatch(kind.pattern, value) or not _in_range(value, kind, column):
        return f"CAST: Could not convert {value[:80]!r} to {column.redshift_type} exactly (expected {kind.expected})"
    return None


def _in_range(value: str, kind: Kind, column: Column) -> bool:
    try:
        if kind.name == "integer":
            bound = next(b for prefix, b in INTEGER_RANGES.items() if column.redshift_type.upper().startswith(prefix))
            return -bound <= int(value) < bound
        if kind.name == "float":
            return math.isfinite(float(value))
        if kind.name == "date":
            dt.date.fromisoformat(value)
        elif kind.name.startswith("timestamp"):
            dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True
