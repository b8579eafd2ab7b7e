"""`capstone grants` without a warehouse: the SQL it generates, and the local (DuckDB) case, where it does not apply.
Against Redshift's stand-in (the real redshift_connector on PostgreSQL): prod_path/test_access_groups.py."""

from __future__ import annotations

import pytest

from capstone_assets import access, cli
from capstone_assets.lib.sql import UnsafeIdentifierError


def test_every_group_is_granted_every_schema_now_and_for_future_tables():
    statements = access.grant_statements(["learning", "capstone"])
    for schema in ("learning", "capstone"):
        assert f'CREATE SCHEMA IF NOT EXISTS "{schema}"' in statements
        for group in access.GROUPS:
            grantee = f'GROUP "{group.name}"'
            assert f'GRANT {group.schema_privileges} ON SCHEMA "{schema}" TO {grantee}' in statements
            assert f'GRANT {group.table_privileges} ON ALL TABLES IN SCHEMA "{schema}" TO {grantee}' in statements
            assert (f'ALTER DEFAULT PRIVILEGES IN SCHEMA "{schema}" GRANT {group.table_privileges} ON TABLES '
                    f'TO {grantee}') in statements
    assert len(statements) == 2 * (1 + 3 * len(access.GROUPS))
    read_only = next(g for g in access.GROUPS if g.name == "capstone_read_only")
    assert read_only.table_privileges == "SELECT" and "CREATE" not in read_only.schema_privileges


def test_only_missing_groups_are_created():
    assert access.create_group_statements({"capstone_admins", "someone_else"}) == [
        'CREATE GROUP "capstone_read_write"', 'CREATE GROUP "capstone_read_only"']
    assert access.create_group_statements({g.name for g in access.GROUPS}) == []


def test_schema_names_are_validated():
    with pytest.raises(UnsafeIdentifierError):
        access.grant_statements(['learning"; DROP TABLE x; --'])


def test_schemas_are_the_asset_groups_and_the_audit_schema(settings):
    schemas = access.warehouse_schemas(settings)
    assert set(cli.GROUPS) | {"capstone"} <= set(schemas)
    assert schemas == sorted(set(schemas))


def test_locally_the_command_says_it_does_not_apply_and_exits_0(test_env, monkeypatch, capsys, tmp_path):
    for name, value in test_env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("CAPSTONE_ENV", raising=False)
    assert cli.main(["grants"]) == 0
    assert "do not apply to the local DuckDB warehouse" in capsys.readouterr().out
    assert not (tmp_path / "warehouse.duckdb").exists(), "the local warehouse is not even opened"
