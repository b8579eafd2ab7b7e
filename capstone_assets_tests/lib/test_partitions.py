"""partitions_filter: the SQL that selects a run's partitions selects exactly them, in DuckDB."""

from __future__ import annotations

import datetime as dt
import itertools

import duckdb

from capstone_assets.lib.partitions import partitions_filter
from capstone_assets.lib.sql import to_dialect

DEGREES = ("a", "b", "c")
MONTHS = tuple(dt.date(2019, m, 1) for m in range(1, 5))


def selected(partitions) -> set[tuple]:
    where, params = partitions_filter(partitions)
    with duckdb.connect() as connection:
        connection.execute("CREATE TABLE t AS SELECT d AS degree, m AS month FROM "
                           "(SELECT unnest(?) AS d), (SELECT unnest(?) AS m)", [list(DEGREES), list(MONTHS)])
        return set(connection.execute(to_dialect(f"SELECT degree, month FROM t WHERE {where}", "duckdb"), params).fetchall())


def test_a_grid_is_one_in_list_per_column():
    grid = [{"degree": d, "month": m} for d, m in itertools.product(DEGREES[:2], MONTHS[1:])]
    where, params = partitions_filter(grid)
    assert where == '"degree" IN (%s, %s) AND "month" IN (%s, %s, %s)' and len(params) == 5
    assert selected(grid) == {(p["degree"], p["month"]) for p in grid}


def test_scattered_partitions_are_selected_one_by_one():
    scattered = [{"degree": "a", "month": MONTHS[0]}, {"degree": "b", "month": MONTHS[2]}, {"degree": "c", "month": MONTHS[0]}]
    assert " OR " in partitions_filter(scattered)[0]
    assert selected(scattered) == {(p["degree"], p["month"]) for p in scattered}


def test_one_partition_and_no_partition():
    assert partitions_filter([{"degree": "a", "month": MONTHS[0]}])[0] == '"degree" = %s AND "month" = %s'
    assert selected([{"degree": "a", "month": MONTHS[0]}]) == {("a", MONTHS[0])}
    assert partitions_filter([{}]) == ("1 = 1", [])
