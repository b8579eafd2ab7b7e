"""Access groups on the Redshift warehouse: admin, read-write and read-only, granted on every schema.

`capstone grants` creates the three groups when they are missing and grants each of them every schema the
platform writes (one per asset group, plus the audit schema `capstone`): on the tables there now
(`GRANT ... ON ALL TABLES IN SCHEMA`) and on the tables created later (`ALTER DEFAULT PRIVILEGES`). Analysts
are then made members of a group (`ALTER GROUP capstone_read_only ADD USER alice`), never granted tables
one by one. Running it again changes nothing. Default privileges cover the tables created by the user who
ran the command: run it as the platform's own user (CAPSTONE_REDSHIFT_USER), the one that creates them.

The local DuckDB warehouse has no users or groups: there the command says so and does nothing.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Iterable, Sequence

from capstone_assets.lib.sql import ident
from capstone_assets.settings import Settings


@dataclass(frozen=True)
class AccessGroup:
    name: str
    schema_privileges: str  # on each schema
    table_privileges: str  # on each table in it, present and future


GROUPS: tuple[AccessGroup, ...] = (
    AccessGroup("capstone_admins", "USAGE, CREATE", "ALL"),
    AccessGroup("capstone_read_write", "USAGE", "SELECT, INSERT, UPDATE, DELETE"),
    AccessGroup("capstone_read_only", "USAGE", "SELECT"),
)


def warehouse_schemas(settings: Settings) -> list[str]:
    """Every schema the platform writes: the first part of each asset key, and the audit schema."""
    from capstone_assets.definitions import build_definitions
    from capstone_assets.lib.audit import AUDIT_SCHEMA

    keys = build_definitions(settings).resolve_asset_graph().get_all_asset_keys()
    return sorted({key.path[0] for key in keys} | {AUDIT_SCHEMA})


def create_group_statements(existing: Iterable[str], groups: Sequence[AccessGroup] = GROUPS) -> list[str]:
    existing = set(existing)
    return [f"CREATE GROUP {ident(group.name)}" for group in groups if group.name not in existing]


def grant_statements(schemas: Sequence[str], groups: Sequence[AccessGroup] = GROUPS) -> list[str]:
    """The grants, schema by schema; each statement may run any number of times."""
    statements = []
    for schema in schemas:
        statements.append(f"CREATE SCHEMA IF NOT EXISTS {ident(schema)}")
        for group in groups:
            grantee = f"GROUP {ident(group.name)}"
            statements += [
                f"GRANT {group.schema_privileges} ON SCHEMA {ident(schema)} TO {grantee}",
                f"GRANT {group.table_privileges} ON ALL TABLES IN SCHEMA {ident(schema)} TO {grantee}",
                f"ALTER DEFAULT PRIVILEGES IN SCHEMA {ident(schema)} GRANT {group.table_privileges} ON TABLES TO {grantee}",
            ]
    return statements


@dataclass(frozen=True)
class GrantReport:
    created_groups: list[str]
    schemas: list[str]
    statements: int


def apply_grants(warehouse, schemas: Sequence[str], groups: Sequence[AccessGroup] = GROUPS) -> GrantReport:
    """Create the missing groups and grant them `schemas`, in one transaction."""
    with warehouse.transaction() as tx:
        # pg_group is a catalog table: queried alone (Redshift runs catalog queries on the leader node only)
        existing = {row[0] for row in tx.query("SELECT groname FROM pg_group")}
        creates = create_group_statements(existing, groups)
        grants = grant_statements(schemas, groups)
        for statement in creates + grants:
            tx.execute(statement)
    created = [group.name for group in groups if group.name not in existing]
    return GrantReport(created_groups=created, schemas=list(schemas), statements=len(creates) + len(grants))


def command(settings: Settings, out=None) -> int:
    """`capstone grants`: 0 when done, or when it does not apply (the local DuckDB warehouse)."""
    out = out or sys.stdout
    if settings.is_local:
        print("capstone grants: access groups do not apply to the local DuckDB warehouse (no users or groups); "
              "nothing to do. Run it with CAPSTONE_ENV=prod against Redshift.", file=out)
        return 0
    import dagster as dg

    from capstone_assets.resources import build_warehouse

    schemas = warehouse_schemas(settings)
    with dg.build_resources({"warehouse": build_warehouse(settings)}) as resources:  # resolves the EnvVar secrets
        report = apply_grants(resources.warehouse, schemas)
    created = ", ".join(report.created_groups) or "none (all three existed)"
    print(f"capstone grants: groups created: {created}", file=out)
    for group in GROUPS:
        print(f"  {group.name}: {group.schema_privileges} on schemas, {group.table_privileges} on their tables "
              "(present and future)", file=out)
    print(f"  schemas: {', '.join(report.schemas)} ({report.statements} statements, one transaction)", file=out)
    return 0
