"""Partition definitions and the translation from partition keys to table columns.

A partitioned table carries its partition as columns: `degree` (text) and/or `month` (DATE, first
day of the month), so one partition is one `WHERE degree = %s AND month = %s`.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Sequence

import dagster as dg

from capstone_assets.lib.sql import ident
from capstone_assets.settings import IDENTIFIER


def monthly(start: str, end: str | None = None, end_offset: int = 0) -> dg.MonthlyPartitionsDefinition:
    """Months from `start` to before `end`; `end_offset=1` also offers the month in progress."""
    return dg.MonthlyPartitionsDefinition(start_date=start, end_date=end, end_offset=end_offset)


def degree_month(degrees: Sequence[str], start: str, end: str | None = None, end_offset: int = 0) -> dg.MultiPartitionsDefinition:
    return dg.MultiPartitionsDefinition(
        {"degree": dg.StaticPartitionsDefinition(list(degrees)), "month": monthly(start, end, end_offset)}
    )


def partition_values(key: str | dg.MultiPartitionKey) -> dict[str, Any]:
    """`data_science|2019-01-01` -> {"degree": "data_science", "month": date(2019, 1, 1)}; `2018-11-01` -> {"month": ...}."""
    dimensions = key.keys_by_dimension if isinstance(key, dg.MultiPartitionKey) else {"month": key}
    values: dict[str, Any] = {}
    for dimension, value in sorted(dimensions.items()):
        if dimension == "month":
            month = dt.date.fromisoformat(value)
            if month.day != 1:
                raise ValueError(f"month partition {value!r} is not the first day of a month")
            values["month"] = month
        elif dimension == "degree":
            if not IDENTIFIER.match(value):
                raise ValueError(f"degree partition {value!r} is not a valid degree name")
            values["degree"] = value
        else:
            raise ValueError(f"unknown partition dimension {dimension!r}")
    return values


def path_fields(values: dict[str, Any]) -> dict[str, Any]:
    """Placeholders a lake path pattern may use: {degree}, {year}, {month} (not zero-padded), {mm}, {yyyy_mm}."""
    fields = {k: v for k, v in values.items() if k != "month"}
    if "month" in values:
        month: dt.date = values["month"]
        fields.update(year=month.year, month=month.month, mm=f"{month.month:02d}", yyyy_mm=f"{month:%Y-%m}")
    return fields


def partitions_filter(partitions: Sequence[dict[str, Any]]) -> tuple[str, list[Any]]:
    """SQL selecting the rows of the given partitions (`1 = 1` when unpartitioned). A full grid (what a
    backfill writes) is one IN list per column, so the text stays short and the same for every run."""
    if not partitions or not partitions[0]:
        return "1 = 1", []
    columns = list(partitions[0])
    values = {c: list(dict.fromkeys(p[c] for p in partitions)) for c in columns}
    if math.prod(len(v) for v in values.values()) == len({tuple(p[c] for c in columns) for p in partitions}):
        where = [f"{ident(c)} = %s" if len(values[c]) == 1 else f"{ident(c)} IN ({', '.join(['%s'] * len(values[c]))})"
                 for c in columns]
        return " AND ".join(where), [v for c in columns for v in values[c]]
    clause = "(" + " AND ".join(f"{ident(c)} = %s" for c in columns) + ")"
    return "(" + " OR ".join([clause] * len(partitions)) + ")", [p[c] for p in partitions for c in columns]


def describe(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in values.items()) or "all rows"


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime(month.year, month.month, 1)
    end = dt.datetime(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return start, end


def run_partitions(context: dg.AssetExecutionContext, partitions_def: dg.PartitionsDefinition | None) -> list[dict[str, Any]]:
    """The partitions this run writes, as column values ([{}] for an unpartitioned asset)."""
    if partitions_def is None:
        return [{}]
    keys = context.partition_keys
    if isinstance(partitions_def, dg.MultiPartitionsDefinition):
        keys = [k if isinstance(k, dg.MultiPartitionKey) else partitions_def.get_partition_key_from_str(k) for k in keys]
    return [partition_values(key) for key in keys]
