"""The one factory for modelled tables and views: a `ModelSpec` plus its SELECT file in, an asset out.

Dependencies and column lineage are read from the SELECT itself, so adding a table is one SQL file
and one spec line.
"""


import dataclasses
import functools
from typing import Any

import dagster as dg
import sqlglot
from pydantic import Field
from sqlglot import exp

from capstone_assets.lib import checks as c
from capstone_assets.lib import statements as st
from capstone_assets.lib.lineage import traced_columns
from capstone_assets.lib.partitions import run_partitions
from capstone_assets.lib.results import evaluate_checks, run_table_metadata, scope_filter
from capstone_assets.lib.specs import ModelSpec
from capstone_assets.lib.sql import SQL_DIR, ident, inline, qualified, read_sql, sql_path
from capstone_assets.lib.staging import WAREHOUSE_POOL
from capstone_assets.resources.warehouse import Warehouse


@functools.cache
def source_tables(group: str, name: str) -> tuple[dg.AssetKey, ...]:
    """Every schema-qualified table the SELECT reads, as asset keys."""
    tree = sqlglot.parse_one(read_sql(group, name), read="redshift")
    keys = {dg.AssetKey([t.db, t.name]) for t in tree.find_all(exp.Table) if t.db}
    return tuple(sorted(keys, key=lambda k: k.to_user_string()))


def lineage_tables(spec: ModelSpec) -> list[tuple[str, str]]:
    """The tables whose columns `column_lineage` needs: the model's own, then those its SELECT reads."""
    return [(spec.group, spec.name), *(tuple(key.path) for key in source_tables(spec.group, spec.name))]


def column_lineage(spec: ModelSpec, schemas: dict[tuple[str, str], list[tuple[str, str]]]) -> dg.TableColumnLineage | None:
    """Which upstream columns each of the model's columns comes from; `schemas` holds (column, type) of every
    table of `lineage_tables(spec)` (`Warehouse.table_schemas`)."""
    own, *read = lineage_tables(spec)
    deps = traced_columns(read_sql(spec.group, spec.name), tuple((*table, tuple(map(tuple, schemas[table]))) for table in read))
    deps_by_column = {column: [dg.TableColumnDep(asset_key=[db, table], column_name=name) for db, table, name in deps[column]]
                      for column, _ in schemas[own] if column in deps}
    return dg.TableColumnLineage(deps_by_column=deps_by_column) if deps_by_column else None


def statements_for(spec: ModelSpec, scope: tuple[str, list[Any]]) -> list[tuple[str, list[Any]]]:
    """A run's statements for the model, run in one transaction (a table's after `ensure_model_table`). A table's
    contents are replaced in place (DELETE + INSERT), never dropped and re-created: its grants survive and a view
    an analyst built on it does not block the run."""
    target, select = qualified(spec.group, spec.name), read_sql(spec.group, spec.name)
    where = inline(*scope)  # Redshift refuses bind parameters in CREATE TABLE ... AS
    if spec.kind == "view":
        return [(f"CREATE SCHEMA IF NOT EXISTS {ident(spec.group)}", []), (st.create_view(target, select), [])]
    if spec.mode == "replace" and spec.partitions is None:
        return [(st.delete_where(target), []), (st.insert_select(target, select), [])]
    staged = "_model_rows"
    steps = [(st.create_table_as(staged, st.select_all(st.subquery(select), where), temporary=True), [])]
    if spec.mode == "upsert":
        steps.append((st.delete_matching(target, staged, spec.keys), []))
    elif spec.mode != "append":
        steps.append((st.delete_where(target, where), []))
    steps.append((st.insert_select(target, st.select_all(staged)), []))
    steps.append((st.drop("TABLE", staged), []))  # temporary tables live as long as the session
    return steps


def write_lock(spec: ModelSpec) -> list[str]:
    """The tables a model's run writes, locked at the start of its transaction."""
    return [qualified(spec.group, spec.name)] if spec.kind == "table" else []


def ensure_model_table(warehouse: Warehouse, spec: ModelSpec) -> None:
    """Create the model's table, empty, from its SELECT, once; rebuild it only when the SELECT's columns changed.
    Redshift's CREATE TABLE ... AS has no IF NOT EXISTS: a run that loses the race to create it goes on."""
    if spec.kind != "table":
        _drop_table_become_view(warehouse, spec)
        return
    target, select = qualified(spec.group, spec.name), read_sql(spec.group, spec.name)
    empty = st.select_all(st.subquery(select), "1 = 0")
    create = st.create_table_as(target, empty, spec.distribution, spec.sort_key)
    existing = [name for name, _ in warehouse.table_schema(spec.group, spec.name)]
    if existing:
        selected, _ = warehouse.query_columns(empty)
        if [name.lower() for name in selected] != existing:  # the SQL file changed its columns: the one rebuild
            warehouse.execute(st.drop("TABLE", target), create, lock=[target])
        return
    try:
        warehouse.execute(f"CREATE SCHEMA IF NOT EXISTS {ident(spec.group)}", create)
    except Exception:
        if not warehouse.table_exists(spec.group, spec.name):
            raise


def _drop_table_become_view(warehouse: Warehouse, spec: ModelSpec) -> None:
    """A model that was a table in an earlier release and is a view now: its old table goes, once, so that the
    view can take its name (CREATE OR REPLACE VIEW refuses to replace a table)."""
    if warehouse.relation_kind(spec.group, spec.name) == "BASE TABLE":
        target = qualified(spec.group, spec.name)
        warehouse.execute(st.drop("TABLE", target), lock=[target])


class LoadModeConfig(dg.Config):
    """Run configuration of a table whose spec lists `run_modes` (e.g. a fact table): its load mode for this run."""

    mode: str = Field(default="", description="one of the table's run modes, e.g. 'replace' (delete the run's "
                                              "partitions, then load them) or 'append' (insert only); empty: the spec's mode")


def with_run_mode(spec: ModelSpec, mode: str) -> ModelSpec:
    """The spec with the run's chosen load mode; an unknown or disallowed mode fails naming the allowed ones."""
    if not mode or mode == spec.mode:
        return spec
    if mode not in spec.run_modes:
        raise dg.Failure(f"{spec.group}.{spec.name}: run config mode {mode!r} is not one of its run modes {spec.run_modes}")
    return dataclasses.replace(spec, mode=mode)


def materialize_model(context: dg.AssetExecutionContext, spec: ModelSpec, checks: list[c.Check],
                  warehouse: Warehouse) -> dg.MaterializeResult:
    partitions = run_partitions(context, spec.partitions)
    scope = scope_filter(partitions)
    ensure_model_table(warehouse, spec)
    warehouse.execute(*statements_for(spec, scope), lock=write_lock(spec))
    schemas = warehouse.table_schemas(lineage_tables(spec))
    columns = schemas[(spec.group, spec.name)]
    results = evaluate_checks(warehouse, spec.group, spec.name, checks, scope, columns=columns)
    metadata = run_table_metadata(context, warehouse, spec.group, spec.name, partitions, scope,
                                  count_rows=spec.kind == "table", columns=columns)
    lineage_ = column_lineage(spec, schemas)
    if lineage_:
        metadata["dagster/column_lineage"] = lineage_
    if spec.extra_metadata:
        metadata.update(spec.extra_metadata(warehouse))
    if spec.run_modes:
        metadata["load_mode"] = spec.mode
    return dg.MaterializeResult(metadata=metadata, check_results=results)


def build_model_asset(spec: ModelSpec) -> dg.AssetsDefinition:
    checks = c.default_checks(spec)
    decorate = dg.asset(
        key=spec.key,
        group_name=spec.group,
        description=spec.description or None,
        # the tables the SELECT reads, and those its reference checks read (they must be loaded first)
        deps=sorted({*source_tables(spec.group, spec.name), *(ref.asset_key for ref in spec.references)}, key=str),
        partitions_def=spec.partitions,
        backfill_policy=dg.BackfillPolicy.single_run() if spec.partitions else None,
        check_specs=[check.spec(spec.key) for check in checks],
        kinds={"sql", spec.kind},
        pool=WAREHOUSE_POOL,
        metadata={
            "dagster/table_name": f"{spec.group}.{spec.name}",
            "sql_file": str(sql_path(spec.group, spec.name).relative_to(SQL_DIR.parent)),
            "load_mode": spec.mode if spec.kind == "table" else "view",
            **({"run_modes": ", ".join(spec.run_modes)} if spec.run_modes else {}),
        },
    )

    def model(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        with warehouse.session():
            return materialize_model(context, spec, checks, warehouse)

    def model_with_mode(context: dg.AssetExecutionContext, config: LoadModeConfig, warehouse: Warehouse) -> dg.MaterializeResult:
        with warehouse.session():
            return materialize_model(context, with_run_mode(spec, config.mode), checks, warehouse)

    return decorate(model_with_mode if spec.run_modes else model)
