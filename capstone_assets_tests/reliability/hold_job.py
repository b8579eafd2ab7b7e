"""A code location for the dead-worker test: one job whose only step takes a slot of the `warehouse` pool, writes
a marker file and then waits for good, so the test can kill the run's processes while the slot is held.
Served by `dagster api grpc --python-file capstone_assets_tests/reliability/hold_job.py`."""

from __future__ import annotations

import time
from pathlib import Path

import dagster as dg


@dg.op(pool="warehouse", config_schema={"marker": str})
def hold_the_warehouse_slot(context) -> None:
    Path(context.op_config["marker"]).write_text("holding the warehouse slot")
    time.sleep(3600)


@dg.job
def hold_warehouse() -> None:
    hold_the_warehouse_slot()


defs = dg.Definitions(jobs=[hold_warehouse])
