"""The defects a Redshift review found (issue 13, section 3), each shown fixed on the production path: the product's
RedshiftWarehouse through the real redshift_connector against PostgreSQL, Redshift-only statements emulated."""

from __future__ import annotations

import uuid

import pytest

from capstone_assets.learning.specs import MODEL_SPECS as LEARNING_MODELS
from capstone_assets.lib.models import ensure_model_table, statements_for, write_lock
from capstone_assets.lib.results import scope_filter

pytestmark = pytest.mark.prod_path

DIM_USERS = next(spec for spec in LEARNING_MODELS if spec.name == "dim_users")


def run_model(warehouse, spec, partitions=({},)) -> None:
    """What a model asset's run writes (lib.models.materialize_model without the Dagster context)."""
    ensure_model_table(warehouse, spec)
    warehouse.execute(*statements_for(spec, scope_filter(list(partitions))), lock=write_lock(spec))


def add_user(warehouse, user_id: int) -> None:
    warehouse.execute(("INSERT INTO learning.stg_users VALUES (%s, %s, %s, 'fr', '2019-01-01', 'data_science', 'u.csv')",
                       (user_id, f"user {user_id}", f"u{user_id}@example.com")))


def test_replace_model_keeps_its_grants_and_an_analysts_view(prod_warehouse, postgres_server, prod_env):
    """Defect 9: a replace-mode model used to DROP and re-create its table: grants were lost every run, and a view an
    analyst built on it made the DROP fail."""
    prod_warehouse.ensure_table("learning", "stg_users")
    add_user(prod_warehouse, 1)
    run_model(prod_warehouse, DIM_USERS)
    analyst = f"analyst_{uuid.uuid4().hex[:8]}"
    postgres_server.admin_execute(f"CREATE ROLE {analyst}")
    prod_warehouse.execute("CREATE VIEW public.analyst_users AS SELECT user_id, email FROM learning.dim_users",
                           f"GRANT SELECT ON learning.dim_users TO {analyst}")
    add_user(prod_warehouse, 2)

    run_model(prod_warehouse, DIM_USERS)

    assert prod_warehouse.query("SELECT user_id FROM public.analyst_users ORDER BY user_id") == [(1,), (2,)]
    assert prod_warehouse.query("SELECT has_table_privilege(%s, 'learning.dim_users', 'SELECT')", (analyst,)) == [(True,)]


def test_replace_model_rebuilds_its_table_when_the_select_changes_its_columns(prod_warehouse):
    prod_warehouse.ensure_table("learning", "stg_users")
    add_user(prod_warehouse, 1)
    prod_warehouse.execute("CREATE SCHEMA IF NOT EXISTS learning", "CREATE TABLE learning.dim_users (user_id BIGINT, gone INT)")
    run_model(prod_warehouse, DIM_USERS)
    assert [name for name, _ in prod_warehouse.table_schema("learning", "dim_users")] == [
        "user_id", "user_name", "email", "country", "signup_date", "degree"]
    assert prod_warehouse.query("SELECT user_id, email FROM learning.dim_users") == [(1, "u1@example.com")]
