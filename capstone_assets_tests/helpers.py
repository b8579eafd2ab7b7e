"""Run the real definitions the way the CLI does, on a test's throwaway lake and warehouse."""

from __future__ import annotations

import duckdb
import dagster as dg

from capstone_assets import runner
from capstone_assets.definitions import build_definitions
from capstone_assets.settings import Settings


def materialize(settings: Settings, selection: str, instance: dg.DagsterInstance | None = None, **plan_options) -> runner.RunReport:
    defs = build_definitions(settings)
    runs = runner.plan(defs, selection, **plan_options)
    assert runs, f"nothing to run for {selection!r}"
    return runner.execute(defs, runs, instance=instance or dg.DagsterInstance.ephemeral(), stop_on_failure=False)


def query(settings: Settings, sql: str, params=()) -> list[tuple]:
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as connection:
        return connection.execute(sql, list(params)).fetchall()


def scalar(settings: Settings, sql: str, params=()):
    return query(settings, sql, params)[0][0]


def connections_opened_by_backfill(instance: dg.DagsterInstance, defs: dg.Definitions, dbapi_type: type) -> int:
    """Run the backfill of every asset of `defs` in `instance` (the runner's plan, as `capstone run` does) and
    return how many database connections of `dbapi_type` it opened."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    opened = []

    def count(dbapi_connection, _record):
        if isinstance(dbapi_connection, dbapi_type):
            opened.append(1)

    event.listen(Engine, "connect", count)
    try:
        report = runner.execute(defs, runner.plan(defs, "*"), instance=instance)
    finally:
        event.remove(Engine, "connect", count)
    assert report.success
    return len(opened)
