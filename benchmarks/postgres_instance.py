"""The scale-1 backfill with its runs recorded in a PostgreSQL-backed Dagster instance, the deployment's storage.

A throwaway PostgreSQL cluster (the test suite's, capstone_assets_tests/postgres_server.py) holds the runs,
event logs and schedules, configured as deploy/dagster.yaml's `storage:` section with the cluster's address in
place of its environment variables. Skipped, with the reason in results.json, when no PostgreSQL server
binaries are installed or the cluster does not start.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import psycopg2
import yaml

from benchmarks import children, data
from capstone_assets_tests.postgres_server import PostgresServer, free_port, server_binaries

DEPLOYED_INSTANCE = Path(__file__).resolve().parents[1] / "deploy" / "dagster.yaml"


def instance_config(dsn: dict) -> dict:
    """deploy/dagster.yaml's storage, pointed at `dsn`; nothing else (the runs execute in the benchmark's child)."""
    storage = yaml.safe_load(DEPLOYED_INSTANCE.read_text())["storage"]
    storage["postgres"]["postgres_db"].update(hostname=dsn["host"], port=dsn["port"], db_name=dsn["database"],
                                              username=dsn["user"], password=dsn["password"])
    return {"storage": storage, "telemetry": {"enabled": False}}


def recorded_runs(dsn: dict) -> dict[str, int]:
    with psycopg2.connect(host=dsn["host"], port=dsn["port"], dbname=dsn["database"], user=dsn["user"],
                          password=dsn["password"]) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT COUNT(*) FROM runs WHERE status = 'SUCCESS'), (SELECT COUNT(*) FROM event_logs)")
        runs, events = cursor.fetchone()
    return {"runs": runs, "events": events}


def postgres_instance(workload: data.Workload, translations_from: Path | None) -> dict:
    """One backfill recorded in a new PostgreSQL-backed instance, on a fresh warehouse, with the stored translations;
    {"skipped": reason} without a PostgreSQL server."""
    binaries = server_binaries()
    if binaries is None:
        return {"skipped": "PostgreSQL server binaries not found (install Debian's 'postgresql' to measure this)"}
    server = PostgresServer(root=Path(tempfile.mkdtemp(prefix="capstone-bench-pg-")), port=free_port(), binaries=binaries)
    try:
        server.start()
    except RuntimeError as error:
        server.stop()
        return {"skipped": f"the PostgreSQL cluster did not start: {error}"}
    try:
        dsn = server.dsn(server.create_database("dagster"))
        home, target = workload.root / "dagster_home_postgres", workload.warehouse("postgres")
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
        (home / "dagster.yaml").write_text(yaml.safe_dump(instance_config(dsn)))
        data.reset(target)
        data.use_translations(target, translations_from)
        folder = workload.root / "postgres_instance"  # its own result file: --quick runs it beside other tasks
        folder.mkdir(exist_ok=True)
        result = children.run_in_child("learning", workload.environment(target), folder, dagster_home=home)
        result["recorded"] = recorded_runs(dsn)
        result["path"] += " (PostgreSQL storage, as deploy/dagster.yaml)"
        return result
    finally:
        server.stop()
