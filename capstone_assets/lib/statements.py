"""Statements the factories compose around a table's SELECT (Redshift dialect).

The SELECT itself always comes from `sql/<group>/<name>.sql` and is embedded exactly as written: Redshift is
sent what the file says, never sqlglot's re-rendering of it (which turns e.g. `TIMESTAMP 'epoch'` into
`CAST('epoch' AS TIMESTAMP)`). DuckDB translates the whole statement, as it does every statement.
"""

from __future__ import annotations

import functools
from typing import Sequence

from sqlglot import exp

from capstone_assets.lib.sql import ident, qualified


def _table(name: str) -> exp.Table:
    return exp.to_table(name, dialect="redshift")


def _columns(columns: Sequence[str]) -> list[exp.Identifier]:
    return [exp.to_identifier(c, quoted=True) for c in columns if ident(c)]


DISTRIBUTION_STYLES = ("ALL", "EVEN", "AUTO", "KEY")


def subquery(select_sql: str, alias: str = "q") -> str:
    """`(<select>) AS q`, the SELECT verbatim: a `--` comment on its last line cannot swallow the closing bracket."""
    return f"(\n{select_sql}\n) AS {ident(alias)}"


def create_table_as(target: str, select_sql: str, distribution: str | None = None,
                    sort_key: Sequence[str] = (), temporary: bool = False) -> str:
    """`CREATE TABLE ... AS <select>` with the SELECT exactly as given (a model's file is sent as it is written,
    not as sqlglot would re-render it)."""
    layout = ""
    if distribution:
        if distribution.upper() not in DISTRIBUTION_STYLES:
            raise ValueError(f"DISTSTYLE must be one of {DISTRIBUTION_STYLES}, got {distribution!r}")
        layout += f" DISTSTYLE {distribution.upper()}"
    if sort_key:
        layout += f" SORTKEY({', '.join(ident(c) for c in sort_key)})"
    return f"CREATE {'TEMPORARY ' if temporary else ''}TABLE {_table(target).sql('redshift')}{layout} AS\n{select_sql}\n"


def create_view(target: str, select_sql: str) -> str:
    return f"CREATE OR REPLACE VIEW {_table(target).sql('redshift')} AS\n{select_sql}\n"


def drop(kind: str, target: str) -> str:
    return exp.Drop(tables=[_table(target)], kind=kind, exists=True).sql("redshift")


def insert_select(target: str, select_sql: str, columns: Sequence[str] | None = None) -> str:
    """`INSERT INTO target [(columns)] <select>`, the SELECT verbatim."""
    listed = f" ({', '.join(ident(c) for c in columns)})" if columns else ""
    return f"INSERT INTO {_table(target).sql('redshift')}{listed}\n{select_sql}\n"


@functools.cache
def insert_values(schema: str, table: str, columns: Sequence[str], rows: int = 1) -> str:
    """`rows` rows of `%s` placeholders into `schema.table (columns)`: one multi-row INSERT, which both engines
    run far faster than one execution per row."""
    values = exp.values([tuple(exp.Placeholder() for _ in columns)] * rows)
    return exp.insert(values, _table(qualified(schema, table)), columns=_columns(columns), dialect="redshift").sql("redshift")


def delete_where(target: str, where: str = "1 = 1") -> str:
    return exp.Delete(this=_table(target), where=exp.Where(this=exp.condition(where, dialect="redshift"))).sql("redshift")


def delete_matching(target: str, source: str, keys: Sequence[str]) -> str:
    """Delete the rows of `target` whose keys appear in `source` (the upsert's first half)."""
    on = " AND ".join(f"{target}.{ident(k)} = q.{ident(k)}" for k in keys)
    delete = exp.Delete(this=_table(target), using=[_table(source).as_("q")],
                        where=exp.Where(this=exp.condition(on, dialect="redshift")))
    return delete.sql("redshift")


def select_all(source: str, where: str = "1 = 1") -> str:
    return f"SELECT * FROM {source} WHERE {where}"
