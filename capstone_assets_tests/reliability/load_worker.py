"""A partition load in its own process, for the tests that kill it, race it or starve it of memory.

    python -m capstone_assets_tests.reliability.load_worker LAKE DUCKDB MONTH [options]

--hold FILE      after the rows are inserted, before COMMIT: create FILE, then wait (for --release, or forever)
--release FILE   with --hold: continue to COMMIT once FILE exists
--hold-committed FILE  after COMMIT, before the connection closes (and DuckDB checkpoints): create FILE, then wait
--lock-seen FILE create FILE whenever opening the warehouse meets another process's lock
--headroom BYTES cap the process's address space (RLIMIT_AS) at its size after start-up plus BYTES
--memory-limit S the warehouse's CAPSTONE_DUCKDB_MEMORY_LIMIT (e.g. 96MB)
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import time
from pathlib import Path

import duckdb

from capstone_assets.resources import duckdb_warehouse
from capstone_assets.settings import load_settings


def wait_for(path: str) -> None:
    while not Path(path).exists():
        time.sleep(0.02)


def hold_before_commit(marker: str, release: str | None) -> None:
    insert = duckdb_warehouse.DuckDBWarehouse._insert

    def insert_then_hold(self, connection, request, paths):
        rows = insert(self, connection, request, paths)
        Path(marker).touch()
        wait_for(release) if release else time.sleep(3600)
        return rows

    duckdb_warehouse.DuckDBWarehouse._insert = insert_then_hold


def hold_after_commit(marker: str) -> None:
    def touch_then_hold(self):
        Path(marker).touch()
        time.sleep(3600)

    duckdb_warehouse.DuckDBWarehouse._close_session = touch_then_hold


def report_lock(marker: str) -> None:
    connect = duckdb.connect

    def connect_noting_lock(*args, **kwargs):
        try:
            return connect(*args, **kwargs)
        except duckdb.IOException as error:
            if any(m in str(error) for m in duckdb_warehouse.LOCK_MESSAGES):
                Path(marker).touch()
            raise

    duckdb_warehouse.duckdb.connect = connect_noting_lock


def virtual_memory_size() -> int:
    duckdb.connect().execute("SELECT 1").fetchall()  # the engine's own start-up is not the load's working set
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmSize:")[1].split()[0]) * 1024


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("lake")
    parser.add_argument("duckdb_path")
    parser.add_argument("month")
    parser.add_argument("--degree", default="data_science")
    parser.add_argument("--run-id", default="worker")
    parser.add_argument("--hold")
    parser.add_argument("--release")
    parser.add_argument("--hold-committed")
    parser.add_argument("--lock-seen")
    parser.add_argument("--headroom", type=int)
    parser.add_argument("--memory-limit", default="")
    args = parser.parse_args(argv)
    if args.hold:
        hold_before_commit(args.hold, args.release)
    if args.hold_committed:
        hold_after_commit(args.hold_committed)
    if args.lock_seen:
        report_lock(args.lock_seen)
    from capstone_assets_tests.reliability.lakes import load

    settings = load_settings({"CAPSTONE_LAKE_DIR": args.lake, "CAPSTONE_DUCKDB_PATH": args.duckdb_path,
                              "CAPSTONE_DUCKDB_LOCK_TIMEOUT": "120", "CAPSTONE_DUCKDB_MEMORY_LIMIT": args.memory_limit})
    if args.headroom:
        limit = virtual_memory_size() + args.headroom
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    result = load(settings, month=dt.date.fromisoformat(args.month), degree=args.degree, run_id=args.run_id)
    print(f"loaded {result.rows} rows", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
