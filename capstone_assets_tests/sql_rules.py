"""Rules Redshift enforces and PostgreSQL/DuckDB do not, as predicates over the SQL text a warehouse is sent."""

from __future__ import annotations

import sqlglot
from sqlglot import exp

CATALOG_SCHEMAS = {"information_schema", "pg_catalog"}
CATALOG_PREFIXES = ("pg_", "stl_", "stv_", "svl_", "svv_", "sys_")


def _is_catalog(table: exp.Table) -> bool:
    schema, name = table.db.lower(), table.name.lower()
    return schema in CATALOG_SCHEMAS or (schema in ("", "pg_catalog") and name.startswith(CATALOG_PREFIXES))


def mixes_catalog_and_user_tables(sql: str) -> bool:
    """True when one statement reads a catalog table (leader node only on Redshift) and a user table."""
    tree = sqlglot.parse_one(sql, read="redshift")
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    tables = [t for t in tree.find_all(exp.Table) if t.name and not (not t.db and t.name in ctes)]
    return any(map(_is_catalog, tables)) and not all(map(_is_catalog, tables))
