"""Dimensions pick one row per id whatever order the duplicates arrive in."""

from __future__ import annotations

import duckdb
import pytest

from capstone_assets.lib.sql import read_sql, to_dialect

DUPLICATES = {
    "dim_projects": ("stg_projects", ["(7, 'Capstone', 'data_science', 3)", "(7, 'Capstone', 'data_science', 4)"]),
    "dim_videos": ("stg_videos", ["(5, 'Intro', 'data_science', 1, 'Basics', 300)",
                                  "(5, 'Intro', 'data_science', 2, 'Basics', 300)"]),
    "dim_users": ("stg_users", ["(9, 'Ada', 'a@x.org', 'UK', DATE '2019-01-01', 'data_science')",
                                "(9, 'Ada', 'a@x.org', 'FR', DATE '2019-01-01', 'data_science')"]),
}


@pytest.mark.parametrize("dimension", sorted(DUPLICATES))
def test_duplicates_that_differ_after_the_sort_keys_give_the_same_row_in_any_order(dimension):
    staged, rows = DUPLICATES[dimension]
    picked = []
    for order in (rows, rows[::-1]):
        with duckdb.connect() as connection:
            connection.execute("CREATE SCHEMA learning")
            connection.execute(to_dialect(read_sql("learning", staged), "duckdb"))
            for row in order:
                connection.execute(f"INSERT INTO learning.{staged} VALUES {row[:-1]}, 'dimensional_tables/x.csv')")
            picked.append(connection.execute(to_dialect(read_sql("learning", dimension), "duckdb")).fetchall())
    assert len(picked[0]) == 1 and picked[0] == picked[1]
