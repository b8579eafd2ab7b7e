"""Statements the factories compose around a table's SELECT, built as sqlglot trees (Redshift dialect).

The SELECT itself always comes from `sql/<group>/<name>.sql`; these only wrap it.
"""

from __future__ import annotations

import functools
from typing import Sequence

import sqlglot
from sqlglot import exp

from capstone_assets.lib.sql import ident, qualified


def _table(name: str) -> exp.Table:
    return exp.to_table(name, dialect="redshift")


def _columns(columns: Sequence[str]) -> list[exp.Identifier]:
    return [exp.to_identifier(c, quoted=True) for c in columns if ident(c)]


def _select(select_sql: str) -> exp.Expression:
    return sqlglot.parse_one(select_sql, read="redshift")


@functools.cache  # the same statements recur in every run; sqlglot building them is not free
def create_table_as(target: str, select_sql: str, distribution: str | None = None,
                    sort_key: Sequence[str] = (), temporary: bool = False) -> str:
    properties: list[exp.Expression] = []
    if temporary:
        properties.append(exp.TemporaryProperty())
    if distribution:
        properties.append(exp.DistStyleProperty(this=exp.Var(this=distribution)))
    if sort_key:
        properties.append(exp.SortKeyProperty(this=[exp.to_identifier(c) for c in sort_key], compound=False))
    create = exp.Create(
        this=_table(target), kind="TABLE", expression=_select(select_sql),
        properties=exp.Properties(expressions=properties) if properties else None,
    )
    return create.sql("redshift")


def create_view(target: str, select_sql: str) -> str:
    return exp.Create(this=_table(target), kind="VIEW", replace=True, expression=_select(select_sql)).sql("redshift")


def drop(kind: str, target: str) -> str:
    return exp.Drop(tables=[_table(target)], kind=kind, exists=True).sql("redshift")


def insert_select(target: str, select_sql: str, columns: Sequence[str] | None = None) -> str:
    return exp.insert(_select(select_sql), _table(target), columns=_columns(columns) if columns else None,
                      dialect="redshift").sql("redshift")


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
