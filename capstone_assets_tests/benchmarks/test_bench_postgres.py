"""The benchmark's PostgreSQL-backed instance measurement at a tiny scale: the backfill succeeds and its runs and
events are rows of the PostgreSQL database. Not a timing test."""

from __future__ import annotations

import pytest

from benchmarks import data
from benchmarks.postgres_instance import postgres_instance
from capstone_assets_tests.postgres_server import server_binaries, skip_or_fail

pytestmark = pytest.mark.deploy


def test_backfill_recorded_in_a_postgres_instance(tmp_path):
    if server_binaries() is None:
        skip_or_fail("PostgreSQL server binaries not found")
    workload = data.Workload(tmp_path / "learning", 0.002, ("data_science",), (1, 2))
    workload.root.mkdir()
    workload.generate()

    result = postgres_instance(workload, translations_from=None)

    assert "skipped" not in result, result
    assert result["success"] and not result["errors"] and not result["checks_failed"]
    assert result["recorded"]["runs"] == result["runs"] >= 1
    assert result["recorded"]["events"] > 100  # every step, partition and check evaluation is an event row
    assert result["seconds"] > 0
