"""An asset's checks counted in one query give the same results as checking each rule on its own."""

from __future__ import annotations

import pytest

from capstone_assets.lib import checks as c
from capstone_assets.lib.results import evaluate_checks, scope_filter
from capstone_assets.lib.sql import qualified
from capstone_assets.resources.duckdb_warehouse import DuckDBWarehouse
from capstone_assets.stedi.checks import ListingCheck

FACTS = [  # id, degree, month, user_id, rating
    (1, "ds", "2019-01-01", 1, 5), (2, "ds", "2019-01-01", 2, 1), (3, "ds", "2019-01-01", None, 9),
    (4, "ds", "2019-02-01", 7, 3), (5, "ml", "2019-01-01", 8, 0), (5, "ml", "2019-02-01", 1, 4),
    (6, "ml", "2019-02-01", 9, 2), (7, "de", "2019-01-01", 7, 4),
]
USERS = [(1, "ds"), (2, "ds"), (2, "ml"), (8, "ml"), (None, "de")]
EXEMPT = "t.user_id = 9"
SCOPES = {
    "all rows": ("1 = 1", []),
    "one partition": scope_filter([{"degree": "ds", "month": "2019-01-01"}]),
    "a grid": scope_filter([{"degree": d, "month": m} for d in ("ds", "ml") for m in ("2019-01-01", "2019-02-01")]),
    "not a grid": scope_filter([{"degree": "ds", "month": "2019-02-01"}, {"degree": "ml", "month": "2019-01-01"}]),
    "no rows": scope_filter([{"degree": "xx", "month": "2019-01-01"}]),
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> DuckDBWarehouse:
    warehouse = DuckDBWarehouse(path=str(tmp_path_factory.mktemp("checks") / "warehouse.duckdb"))
    warehouse.execute(
        "CREATE SCHEMA t",
        "CREATE TABLE t.facts (id INTEGER, degree VARCHAR, month DATE, user_id INTEGER, rating INTEGER)",
        "CREATE TABLE t.users (user_id INTEGER, degree VARCHAR)",
        *[("INSERT INTO t.facts VALUES (%s, %s, %s, %s, %s)", row) for row in FACTS],
        *[("INSERT INTO t.users VALUES (%s, %s)", row) for row in USERS],
    )
    return warehouse


CHECKS = [
    c.not_empty(),
    c.not_null("user_id"),
    c.unique(["id"]),
    c.references(c.Reference("user_id", "t", "users")),
    c.references(c.Reference("user_id", "t", "users", exempt=EXEMPT)),
    c.between("rating", 1, 5),
    c.in_partition_month("month"),
    c.expectation("five_users", "SELECT COUNT(*) FROM t.users", 5),
    c.expectation("no_users", "SELECT COUNT(*) FROM t.users", 0),
    ListingCheck("rows_listed", "SELECT * FROM {table} WHERE {scope} AND rating > 3", "listed", warn_only=True),
]


def outcome(result) -> tuple:
    return result.check_name, result.passed, result.severity, dict(result.metadata)


@pytest.mark.parametrize("scope", SCOPES.values(), ids=SCOPES.keys())
def test_one_query_gives_the_results_of_one_query_per_check(warehouse, scope):
    alone = [check.evaluate(warehouse, qualified("t", "facts"), *scope) for check in CHECKS]
    together = evaluate_checks(warehouse, "t", "facts", CHECKS, scope)
    assert [outcome(r) for r in together] == [outcome(r) for r in alone]
    assert {r.passed for r in together} == {True, False}


def test_counts_in_one_query_and_samples_only_failures(warehouse, monkeypatch):
    queries = []
    for method in ("query", "query_columns"):
        original = getattr(DuckDBWarehouse, method)
        monkeypatch.setattr(DuckDBWarehouse, method, lambda self, sql, params=(), f=original: queries.append(sql) or f(self, sql, params))
    results = evaluate_checks(warehouse, "t", "facts", CHECKS[:-1], SCOPES["a grid"])
    failed = [r for r in results if not r.passed]
    assert len(queries) == 1 + len(failed)
    assert all("sample" in r.metadata for r in failed) and not any("sample" in r.metadata for r in results if r.passed)


@pytest.mark.parametrize("exempt", [None, EXEMPT])
@pytest.mark.parametrize("scope", SCOPES.values(), ids=SCOPES.keys())
def test_references_finds_the_rows_not_exists_finds(warehouse, scope, exempt):
    where, params = scope
    check = c.references(c.Reference("user_id", "t", "users", exempt=exempt))
    not_exists = (f"SELECT * FROM t.facts AS t WHERE {where} AND t.user_id IS NOT NULL"
                  + (f" AND NOT ({exempt})" if exempt else "")
                  + " AND NOT EXISTS (SELECT 1 FROM t.users AS d WHERE d.user_id = t.user_id) ORDER BY id")
    bad_rows, check_params = check.sql(qualified("t", "facts"), where, params)
    assert warehouse.query(f"{bad_rows} ORDER BY id", check_params) == warehouse.query(not_exists, params)


PER_DISTINCT_VALUE = {  # a rule tested once per distinct value: the count is still the bad rows'
    "exempt reference": c.references(c.Reference("user_id", "t", "users", exempt=EXEMPT)),
    "two columns, nulls": c.distinct_value_rule("rule", ("user_id", "rating"), "user_id > 5 OR rating > 3", ""),
    "narrowed first": c.Check("rule", "SELECT * FROM {table} WHERE {scope} AND degree = 'ds' AND NOT (rating > 2)", "",
                              count_rows=c.per_distinct_value(("rating",), "NOT (rating > 2)", " AND degree = 'ds'")),
}


@pytest.mark.parametrize("check", PER_DISTINCT_VALUE.values(), ids=PER_DISTINCT_VALUE.keys())
@pytest.mark.parametrize("scope", SCOPES.values(), ids=SCOPES.keys())
def test_a_count_per_distinct_value_counts_the_bad_rows(warehouse, scope, check):
    table = qualified("t", "facts")
    bad_rows, params = check.sql(table, *scope)
    assert check.count_rows is not None
    assert warehouse.query(*check.count_sql(table, *scope))[0][0] == warehouse.query(
        f"SELECT COUNT(*) FROM ({bad_rows}) AS b", params)[0][0]


def test_a_rule_on_a_column_not_grouped_fails_to_bind(warehouse):
    check = c.Check("rule", "SELECT * FROM {table} WHERE {scope} AND rating > 3", "",
                    count_rows=c.per_distinct_value(("user_id",), "rating > 3"))
    with pytest.raises(Exception, match="rating"):
        warehouse.query(*check.count_sql(qualified("t", "facts")))


KEYED = [  # a, b: duplicates only among (None, None), (1, None) and (2, 3)
    [(1, 1), (1, 2), (2, 1)],
    [(1, 1), (1, 2), (1, 1)],
    [(None, None), (1, None), (None, 1)],
    [(None, None), (None, None), (1, 2)],
    [(1, None), (2, 3), (1, None), (2, 3), (2, 3)],
    [(None, 5)],
]


TYPED_COLUMNS = {"grouped": (), "sorted": (("a", "INTEGER"), ("b", "INTEGER"))}


@pytest.mark.parametrize("form", TYPED_COLUMNS)
@pytest.mark.parametrize("rows", KEYED, ids=lambda rows: str(rows))
@pytest.mark.parametrize("columns", [("a",), ("a", "b")])
def test_unique_counts_the_copies_the_grouping_finds(tmp_path, rows, columns, form, monkeypatch):
    """Both counts (grouped; sorted, where the key's columns sort fast) are zero exactly when GROUP BY ... HAVING
    COUNT(*) > 1 finds a key, NULL keys included, and then count every row beyond a key's first."""
    warehouse = DuckDBWarehouse(path=str(tmp_path / "keys.duckdb"))
    warehouse.execute("CREATE SCHEMA k", "CREATE TABLE k.rows (a INTEGER, b INTEGER)",
                      *[("INSERT INTO k.rows VALUES (%s, %s)", row) for row in rows])
    check = c.unique(list(columns))
    duplicated = warehouse.query(check.sql(qualified("k", "rows"))[0])
    expected_extra_copies = sum(copies - 1 for *_, copies in duplicated)
    sent = []
    original = DuckDBWarehouse.query
    monkeypatch.setattr(DuckDBWarehouse, "query", lambda self, sql, params=(): sent.append(sql) or original(self, sql, params))
    result = evaluate_checks(warehouse, "k", "rows", [check], ("1 = 1", []), columns=TYPED_COLUMNS[form])[0]
    assert ("LAG(" in sent[0]) == (form == "sorted")
    assert result.metadata["bad_rows"].value == expected_extra_copies
    assert result.passed == (not duplicated)
    assert ("sample" in result.metadata) == bool(duplicated)


def test_only_duckdb_sorts_and_only_fixed_width_columns(tmp_path):
    from capstone_assets.resources.redshift_warehouse import RedshiftWarehouse

    columns = [("id", "BIGINT"), ("month", "DATE"), ("at", "TIMESTAMP WITH TIME ZONE"), ("name", "VARCHAR"),
               ("code", "character varying(8)"), ("flag", "CHAR(1)"), ("amount", "DECIMAL(12,2)")]
    assert DuckDBWarehouse(path=str(tmp_path / "w.duckdb")).columns_sorting_fast(columns) == {"id", "month", "at", "amount"}
    redshift = RedshiftWarehouse(host="example", database="dev", user="loader", password="unused", iam_role="unused")
    assert redshift.columns_sorting_fast(columns) == frozenset()  # a whole-table window runs on one slice there
    sorted_form = c.unique(["id", "month"]).count_sql("t.x", sorts_fast={"id", "month", "at"})[0]
    assert "LAG(" in sorted_form
    assert "GROUP BY" in c.unique(["id", "name"]).count_sql("t.x", sorts_fast={"id", "month"})[0]
