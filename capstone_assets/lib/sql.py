"""SQL files (Redshift dialect) and the one translation step to DuckDB.

`sql/<group>/<table>.sql` holds either a table's DDL (`CREATE TABLE ...`, for loaded tables)
or the `SELECT` that defines a modelled table or view. DuckDB runs the same text through
sqlglot, cached per statement, and across processes in a file (`translation_store`) (every Dagster
run is a process of its own, and translating a run's statements costs it about 0.2 s).
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import sqlglot
from sqlglot import exp

from capstone_assets.lib.stored_memo import StoredMemo, code_stamp
from capstone_assets.settings import IDENTIFIER

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"
REDSHIFT_LAYOUT = (exp.DistStyleProperty, exp.DistKeyProperty, exp.SortKeyProperty)


class UnsafeIdentifierError(ValueError):
    """A schema, table, column or degree name failed validation; no SQL was run."""


def ident(name: str) -> str:
    """Validate a project-controlled identifier and return it double-quoted."""
    if not isinstance(name, str) or not IDENTIFIER.match(name):
        raise UnsafeIdentifierError(
            f"refusing identifier {name!r}: names must match {IDENTIFIER.pattern}"
        )
    return f'"{name}"'


def qualified(schema: str, table: str) -> str:
    return f"{ident(schema)}.{ident(table)}"


def duckdb_string(text: str) -> str:
    """A string literal for SQL that only DuckDB runs (paths, settings, patterns): quotes doubled, and a backslash
    kept as it is (no escape character there; `literal` is for SQL that Redshift runs too)."""
    return "'" + text.replace("'", "''") + "'"


def literal(value: object) -> str:
    """A value as a SQL literal that Redshift, PostgreSQL and DuckDB all read the same way, for the statements where
    Redshift refuses bind parameters (CREATE TABLE ... AS, the select list of INSERT ... SELECT, scalar subqueries).

    Dates and timestamps are typed (`CAST('2019-01-01' AS DATE)`); strings double their quotes, and a backslash
    (an escape character in Redshift literals, not in PostgreSQL's) is written as CHR(92); NUL is refused."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"refusing the SQL literal of a non-finite number: {value!r}")
        return repr(value)
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise ValueError(f"refusing the SQL literal of a non-finite number: {value!r}")
        return str(value)
    if isinstance(value, dt.datetime):
        return f"CAST('{value.replace(tzinfo=None).isoformat(sep=' ')}' AS TIMESTAMP)"
    if isinstance(value, dt.date):
        return f"CAST('{value.isoformat()}' AS DATE)"
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError(f"refusing a SQL string literal holding NUL: {value[:80]!r}")
        quoted = "'" + value.replace("'", "''") + "'"
        return quoted.replace("\\", "' || CHR(92) || '")
    raise TypeError(f"no SQL literal for a {type(value).__name__}: {value!r}")


def cut_to_bytes(text: str, limit: int) -> str:
    """The longest prefix of `text` whose UTF-8 encoding fits `limit` bytes (Redshift's VARCHAR(n) counts bytes),
    never splitting a character."""
    encoded = text.encode("utf-8")
    return text if len(encoded) <= limit else encoded[:limit].decode("utf-8", errors="ignore")


def inline(sql: str, params: Sequence[object]) -> str:
    """`sql` (built by this project, `%s` only as placeholders) with each `%s` replaced by its value's literal."""
    pieces = sql.split("%s")
    if len(pieces) != len(params) + 1:
        raise ValueError(f"{len(pieces) - 1} placeholder(s) for {len(params)} value(s) in: {sql[:120]}")
    return pieces[0] + "".join(literal(value) + piece for value, piece in zip(params, pieces[1:]))


def sql_path(group: str, name: str) -> Path:
    ident(group)
    ident(name)
    return SQL_DIR / group / f"{name}.sql"


@functools.cache
def read_sql(group: str, name: str) -> str:
    path = sql_path(group, name)
    if not path.exists():
        raise FileNotFoundError(f"no SQL file for {group}.{name}: expected {path}")
    return path.read_text(encoding="utf-8").strip().rstrip(";").strip()


_translations: dict[tuple[str, str], str] = {}


def to_dialect(sql: str, dialect: str) -> str:
    """Translate one Redshift statement to `dialect` (identity for redshift)."""
    if dialect == "redshift":
        return sql
    translated = _translations.get((sql, dialect))
    if translated is None:
        translated = _translations[(sql, dialect)] = _translate(sql, dialect)
    return translated


def _translate(sql: str, dialect: str) -> str:
    statements = [s for s in sqlglot.parse(sql, read="redshift") if s is not None]
    if len(statements) != 1:
        raise ValueError(f"expected exactly one SQL statement, got {len(statements)}: {sql[:80]}...")
    # Redshift's physical layout (DISTSTYLE, DISTKEY, SORTKEY) has no equivalent elsewhere: dropped on purpose
    statement = statements[0].transform(lambda node: None if isinstance(node, REDSHIFT_LAYOUT) else node)
    return statement.sql(dialect)


@functools.cache
def _translation_stamp() -> str:
    return code_stamp(_translate, REDSHIFT_LAYOUT)


def translation_store(path: Path) -> StoredMemo:
    """This process's translations, stored in `path` (read back by the next process)."""
    return StoredMemo(path, _translations, _translation_stamp())


@dataclass(frozen=True)
class Column:
    name: str
    redshift_type: str
    duckdb_type: str
    not_null: bool


@functools.cache
def table_columns(group: str, name: str) -> tuple[Column, ...]:
    """Columns of a loaded table, parsed from its `CREATE TABLE` file: the single source of its schema."""
    statement = sqlglot.parse_one(read_sql(group, name), read="redshift")
    if not isinstance(statement, exp.Create) or not isinstance(statement.this, exp.Schema):
        raise ValueError(f"{sql_path(group, name)} must hold a CREATE TABLE statement with a column list")
    table = statement.this.this
    if (table.db, table.name) != (group, name):
        raise ValueError(f"{sql_path(group, name)} creates {table.db}.{table.name}, expected {group}.{name}")
    columns = []
    for definition in statement.this.expressions:
        kind = definition.args["kind"]
        engine_type = kind.copy()
        if engine_type.is_type(*exp.DataType.TEXT_TYPES):
            engine_type.set("expressions", [])
        not_null = any(isinstance(c.kind, exp.NotNullColumnConstraint) for c in definition.constraints)
        columns.append(Column(definition.name, kind.sql("redshift"), engine_type.sql("duckdb"), not_null))
    return tuple(columns)
