"""Column lineage traced once per model equals sqlglot's per-column `lineage()`, for every model of every group."""

from __future__ import annotations

import dagster as dg
import pytest
from sqlglot.lineage import lineage

from capstone_assets.flights.specs import MODEL_SPECS as FLIGHTS_MODELS
from capstone_assets.learning.specs import MODEL_SPECS as LEARNING_MODELS
from capstone_assets.lib import lineage as traced_lineage
from capstone_assets.lib import models
from capstone_assets.lib import statements as st
from capstone_assets.lib.sql import ident, qualified, read_sql
from capstone_assets.resources.duckdb_warehouse import DuckDBWarehouse
from capstone_assets.settings import load_settings
from capstone_assets.sparkify.specs import model_specs as sparkify_models
from capstone_assets.stedi.specs import MODEL_SPECS as STEDI_MODELS

SPECS = [*LEARNING_MODELS, *sparkify_models(load_settings({})), *FLIGHTS_MODELS, *STEDI_MODELS]


def per_column_lineage(warehouse, spec) -> dg.TableColumnLineage | None:
    """The lineage as it was computed before: one `sqlglot.lineage.lineage()` call per output column."""
    select = read_sql(spec.group, spec.name)
    schema: dict = {}
    for key in models.source_tables(spec.group, spec.name):
        db, table = key.path
        schema.setdefault(db, {})[table] = dict(warehouse.table_schema(db, table))
    deps_by_column = {}
    for column, _ in warehouse.table_schema(spec.group, spec.name):
        try:
            node = lineage(column, select, schema=schema, dialect="redshift")
        except Exception:
            continue
        deps = traced_lineage.source_columns(node)
        if deps:
            deps_by_column[column] = [dg.TableColumnDep(asset_key=[db, t], column_name=col) for db, t, col in deps]
    return dg.TableColumnLineage(deps_by_column=deps_by_column) if deps_by_column else None


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> DuckDBWarehouse:
    """Every modelled table and view, empty, on top of its loaded tables (created from their DDL files)."""
    warehouse = DuckDBWarehouse(path=str(tmp_path_factory.mktemp("lineage") / "warehouse.duckdb"))
    by_key = {spec.key: spec for spec in SPECS}
    created: set[dg.AssetKey] = set()

    def create(key: dg.AssetKey) -> None:
        if key in created:
            return
        created.add(key)
        spec = by_key.get(key)
        if spec is None:
            warehouse.ensure_table(*key.path)
            return
        for source in models.source_tables(spec.group, spec.name):
            create(source)
        select = read_sql(spec.group, spec.name)
        target = qualified(spec.group, spec.name)
        statement = (st.create_view(target, select) if spec.kind == "view"
                     else st.create_table_as(target, st.select_all(f"({select}) AS q", "1 = 0")))
        warehouse.execute(f"CREATE SCHEMA IF NOT EXISTS {ident(spec.group)}", statement)

    for spec in SPECS:
        create(spec.key)
    return warehouse


def traced(warehouse, spec) -> dg.TableColumnLineage | None:
    """The lineage as a model's run computes it: every table it needs read in one catalog query."""
    return models.column_lineage(spec, warehouse.table_schemas(models.lineage_tables(spec)))


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s.group}.{s.name}")
def test_lineage_equals_per_column_lineage(warehouse, spec):
    assert traced(warehouse, spec) == per_column_lineage(warehouse, spec)


def test_the_learning_marts_have_lineage(warehouse):
    for spec in LEARNING_MODELS:
        if models.source_tables(spec.group, spec.name):  # constant lists (word positions, rules) read no table
            assert traced(warehouse, spec) is not None, spec.name


def test_lineage_is_traced_once_per_select_and_upstream_schema(warehouse, monkeypatch):
    monkeypatch.setattr(traced_lineage, "_traced", {})
    calls = []
    monkeypatch.setattr(traced_lineage, "trace", lambda *args, trace=traced_lineage.trace: calls.append(args) or trace(*args))
    spec = LEARNING_MODELS[-1]
    first = traced(warehouse, spec)
    assert traced(warehouse, spec) == first
    assert len(calls) == 1
