"""`capstone` in a process that stops for good in the middle of its load (the rows inserted, not committed), after
writing a marker file, so a test can kill it there: `python -m capstone_assets_tests.reliability.hold_cli MARKER run ...`."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from capstone_assets.cli import main
from capstone_assets.resources.duckdb_warehouse import DuckDBWarehouse

insert = DuckDBWarehouse._insert


def insert_then_hold(self, *args, **kwargs):
    insert(self, *args, **kwargs)
    Path(sys.argv[1]).write_text("inserted, not committed")
    time.sleep(3600)


if __name__ == "__main__":
    DuckDBWarehouse._insert = insert_then_hold
    sys.exit(main(sys.argv[2:]))
