"""Run the real definitions the way the CLI does, on a test's throwaway lake and warehouse."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import dagster as dg

from capstone_assets import runner
from capstone_assets.definitions import build_definitions
from capstone_assets.settings import Settings


DAEMON_TICKS = Path(__file__).resolve().parent / "daemon_ticks"


def daemon_ticks(seconds: int = 5) -> dict[str, str]:
    """The environment that makes a Dagster daemon started by a test tick its backfills every `seconds` instead of 30
    (daemon_ticks/sitecustomize.py): what the UI and deployment tests check does not depend on the interval."""
    path = os.pathsep.join(p for p in (str(DAEMON_TICKS), os.environ.get("PYTHONPATH", "")) if p)
    return {"PYTHONPATH": path, "CAPSTONE_TEST_DAEMON_TICK": str(seconds)}


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
