"""Redshift-only rules PostgreSQL does not enforce, checked on every statement the harness sees.

- A query may not mix catalog tables (`information_schema`, `pg_*`, leader-node system tables `stl_*`, `stv_*`,
  `svv_*`, `svl_*`, `sys_*`) with user tables: Redshift runs catalog tables on the leader node only and refuses
  the mix ("Specified types or functions ... not supported on Redshift tables").
- No bind parameters inside `CREATE TABLE ... AS`, `UNLOAD`, subqueries of other DDL, or the select list of
  `INSERT ... SELECT` (untyped there): Redshift's extended protocol refuses or cannot type them.
(That every value written fits its column's byte length is enforced by the server itself: see database.py.)
"""

from __future__ import annotations

import functools
import re

import sqlglot
from sqlglot import exp

CATALOG_SCHEMAS = ("information_schema", "pg_catalog", "pg_internal")
LEADER_NODE_PREFIXES = ("pg_", "stl_", "stv_", "svv_", "svl_", "sys_", "svcs_", "stcs_")


class RedshiftRuleViolation(AssertionError):
    """A statement PostgreSQL accepted but Redshift refuses."""


def is_catalog_table(table: exp.Table) -> bool:
    schema, name = table.db.lower(), table.name.lower()
    if schema:
        return schema in CATALOG_SCHEMAS or schema.startswith("pg_")
    return name.startswith(LEADER_NODE_PREFIXES)


@functools.lru_cache(maxsize=4096)
def violations(sql: str, has_params: bool) -> tuple[str, ...]:
    """What in `sql` Redshift refuses (empty when nothing)."""
    head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
    if head in ("COPY", "BEGIN", "COMMIT", "ROLLBACK", "END", "SET", "RESET", "SHOW", "DO"):
        return ()
    if head == "UNLOAD":
        return ("bind parameters inside UNLOAD",) if has_params or "%s" in sql else ()
    try:
        trees = [t for t in sqlglot.parse(sql, read="redshift") if t is not None]
    except sqlglot.errors.ParseError:
        return ()  # not ours to judge; the server will
    found = []
    for tree in trees:
        found += _catalog_mix(tree) + _placeholders(tree)
    return tuple(found)


def _catalog_mix(tree: exp.Expression) -> list[str]:
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    catalog, user = set(), set()
    for table in tree.find_all(exp.Table):
        if not table.name or (not table.db and table.name.lower() in ctes):
            continue
        (catalog if is_catalog_table(table) else user).add(".".join(p for p in (table.db, table.name) if p))
    if catalog and user:
        return [f"catalog tables {sorted(catalog)} mixed with user tables {sorted(user)} in one query"]
    return []


def _placeholders(tree: exp.Expression) -> list[str]:
    if not any(True for _ in tree.find_all(exp.Placeholder)):
        return []
    if isinstance(tree, exp.Create) and tree.expression is not None:
        return ["bind parameters inside CREATE TABLE ... AS / CREATE VIEW"]
    if isinstance(tree, (exp.Create, exp.Alter, exp.Drop)):
        return ["bind parameters inside a DDL statement"]
    if isinstance(tree, exp.Insert) and isinstance(tree.expression, exp.Select):
        if any(node.find(exp.Placeholder) for node in tree.expression.expressions):
            return ["untyped bind parameters in the select list of INSERT ... SELECT"]
    for select in tree.find_all(exp.Subquery):
        if isinstance(tree, (exp.Create, exp.Alter)) and select.find(exp.Placeholder):
            return ["bind parameters inside a subquery of DDL"]
    return []


def check(sql: str, params) -> None:
    found = violations(sql, bool(params))
    if found:
        one_line = re.sub(r"\s+", " ", sql)[:300]
        raise RedshiftRuleViolation("; ".join(found) + f": {one_line}")
