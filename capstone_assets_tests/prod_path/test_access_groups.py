"""`capstone grants` on the production path: the real command and the real redshift_connector, on PostgreSQL.

The command runs as the platform's user (CAPSTONE_REDSHIFT_USER), which creates the tables, as on Redshift
(where that user is the warehouse's admin). Analysts are then users made members of a group; what each
may do is checked by running statements as that user (`SET ROLE`, from the server's superuser).
"""

from __future__ import annotations

import uuid

import pytest

from capstone_assets import access, cli
from capstone_assets.lib.audit import AUDIT_SCHEMA
from capstone_assets_tests.prod_path.driver import LOGIN_ROLE

pytestmark = pytest.mark.prod_path


@pytest.fixture
def platform_user_may_create_groups(postgres_server):
    """Redshift's CREATE GROUP needs a superuser, which the platform's user is there; here it needs CREATEROLE."""
    postgres_server.admin_execute(f"ALTER ROLE {LOGIN_ROLE} CREATEROLE")
    yield
    postgres_server.admin_execute(f"ALTER ROLE {LOGIN_ROLE} NOCREATEROLE")


@pytest.fixture
def grants(prod_env, monkeypatch, capsys, platform_user_may_create_groups):
    """Run `capstone grants` exactly as an operator would: the deployment's environment, then the command."""
    for name, value in prod_env.items():
        monkeypatch.setenv(name, value)

    def run() -> str:
        assert cli.main(["grants"]) == 0
        return capsys.readouterr().out

    return run


def existing_groups(warehouse) -> set[str]:
    with warehouse.transaction() as tx:
        return {row[0] for row in tx.query("SELECT groname FROM pg_group")}


def as_user(postgres_server, database: str, user: str, sql: str) -> str | None:
    """Run `sql` as `user`; None when it ran, else the server's error."""
    try:
        postgres_server.admin_execute(f"SET ROLE {user}; {sql}", database)
    except RuntimeError as error:
        return str(error)
    return None


def test_groups_are_created_once_and_grant_what_they_say(grants, prod_env, prod_warehouse, postgres_server):
    database = prod_env["CAPSTONE_REDSHIFT_DATABASE"]
    prod_warehouse.execute("CREATE SCHEMA IF NOT EXISTS learning",
                           "CREATE TABLE learning.before_grant (id INTEGER)", "INSERT INTO learning.before_grant VALUES (1)")
    names = [group.name for group in access.GROUPS]
    missing = [name for name in names if name not in existing_groups(prod_warehouse)]

    first = grants()
    assert f"groups created: {', '.join(missing) or 'none (all three existed)'}" in first
    assert set(names) <= existing_groups(prod_warehouse)
    second = grants()  # idempotent: nothing to create, every grant accepted again
    assert "groups created: none (all three existed)" in second
    with prod_warehouse.transaction() as tx:
        created_schemas = {row[0] for row in tx.query("SELECT nspname FROM pg_namespace")}
    assert set(cli.GROUPS) | {AUDIT_SCHEMA} <= created_schemas  # granted before the platform ever ran

    suffix = uuid.uuid4().hex[:8]
    users = {name: f"analyst_{name.split('_', 1)[1]}_{suffix}" for name in names}
    for group, user in users.items():
        postgres_server.admin_execute(f"CREATE USER {user} IN GROUP {group}", database)
    admin, writer, reader = users["capstone_admins"], users["capstone_read_write"], users["capstone_read_only"]

    assert as_user(postgres_server, database, reader, "SELECT * FROM learning.before_grant") is None
    assert "permission denied" in as_user(postgres_server, database, reader, "INSERT INTO learning.before_grant VALUES (2)")
    assert as_user(postgres_server, database, writer, "INSERT INTO learning.before_grant VALUES (2)") is None
    assert "permission denied" in as_user(postgres_server, database, writer, "CREATE TABLE learning.mine (id INTEGER)")
    assert as_user(postgres_server, database, admin, "CREATE TABLE learning.admins_own (id INTEGER)") is None

    # a table the platform creates after the grants is covered by the default privileges
    prod_warehouse.execute("CREATE TABLE learning.after_grant (id INTEGER)")
    assert as_user(postgres_server, database, reader, "SELECT * FROM learning.after_grant") is None
    assert "permission denied" in as_user(postgres_server, database, reader, "DELETE FROM learning.after_grant")
    assert as_user(postgres_server, database, writer, "INSERT INTO learning.after_grant VALUES (1)") is None
    assert as_user(postgres_server, database, admin, "DELETE FROM learning.after_grant") is None
