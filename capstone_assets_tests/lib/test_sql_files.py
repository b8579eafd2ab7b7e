"""Every SQL file is valid Redshift, names the table its path names, and translates to DuckDB."""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp

from capstone_assets.lib.sql import SQL_DIR, UnsafeIdentifierError, ident, table_columns, to_dialect

SQL_FILES = sorted(SQL_DIR.glob("*/*.sql"))


def test_there_are_sql_files():
    assert len(SQL_FILES) >= 15


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_parses_as_redshift_and_translates_to_duckdb(path):
    text = path.read_text(encoding="utf-8").strip().rstrip(";")
    tree = sqlglot.parse_one(text, read="redshift", error_level=sqlglot.ErrorLevel.RAISE)
    if isinstance(tree, exp.Create):
        table = tree.this.this
        assert (table.db, table.name) == (path.parent.name, path.stem), "a DDL file creates the table its path names"
        assert table_columns(path.parent.name, path.stem)
    else:
        assert isinstance(tree, (exp.Select, exp.Union, exp.Query)), f"{path} must hold a SELECT or a CREATE TABLE"
    duckdb_sql = to_dialect(text, "duckdb")
    sqlglot.parse_one(duckdb_sql, read="duckdb", error_level=sqlglot.ErrorLevel.RAISE)


@pytest.mark.parametrize("name", ["x; DROP TABLE users", "Data_Science", "1abc", "a" * 64, "robert'); --", ""])
def test_identifiers_outside_the_pattern_are_refused(name):
    with pytest.raises(UnsafeIdentifierError):
        ident(name)


def test_valid_identifiers_are_quoted():
    assert ident("data_science") == '"data_science"'
