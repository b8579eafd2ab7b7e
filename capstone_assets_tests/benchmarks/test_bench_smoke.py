"""The benchmark's measurements run end to end at a tiny scale and yield a results.json-shaped document.

Not a timing test: it asserts the shape and the row counts, never a speed.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

from benchmarks import run

REQUIRED = ("pipeline_over_limit", "speedup_vs_row_by_row", "peak_rss_mb_scale_10", "time_growth_10x",
            "flights_reload_over_limit", "cores", "memory_gb", "pipeline_seconds_scale_1", "limit_seconds_scale_1",
            "pipeline_rows_scale_1", "pipeline_rows_scale_10", "backfill_runs", "dagster_floor_seconds",
            "dagster_floor_over_limit", "peak_rss_growth_beyond_10", "pipeline_cold_seconds_scale_1",
            "pipeline_persistent_instance_seconds_scale_1", "pipeline_persistent_instance_over_limit")


def data_rows(folder: Path) -> int:
    total = 0
    for path in folder.rglob("*.csv"):
        with open(path, newline="", encoding="utf-8") as handle:
            total += sum(1 for _ in csv.reader(handle)) - 1
    return total


def test_benchmark_measures_everything_at_a_tiny_scale(tmp_path: Path):
    results = run.measure(tmp_path, scales=(0.002, 0.01), flights_rows=2_000, row_subset=50, limit_repeats=1,
                          degrees=("data_science",), months=(1, 2), memory_scale=0.02)

    for key in REQUIRED:
        assert isinstance(results[key], (int, float)) and not isinstance(results[key], bool), key
        assert math.isfinite(results[key]) and results[key] > 0, key
    base = results["per_scale"]["0.002"]
    assert base["pipeline"]["success"] and not base["pipeline"]["checks_failed"]
    assert results["pipeline_rows_scale_1"] == data_rows(tmp_path / "learning_scale_0.002" / "lake")
    assert results["pipeline_rows_scale_10"] == data_rows(tmp_path / "learning_scale_0.01" / "lake")
    assert results["memory_scale"]["pipeline"]["rows"] == data_rows(tmp_path / "learning_scale_0.02" / "lake")
    recorded = results["persistent_instance"]
    assert recorded["success"] and recorded["runs"] == 1
    assert (tmp_path / "learning_scale_0.002" / "dagster_home").is_dir()  # the runs are on disk, as the CLI's are
    assert results["backfill_runs"] == 1  # dimensions, every partition and the marts in one ranged run
    assert results["dagster_floor"]["runs"] == 1 and results["dagster_floor"]["success"]
    assert 0 < results["dagster_floor_seconds"] < base["pipeline"]["seconds"]
    assert results["flights"]["reload"]["rows"] == results["flights"]["limit"]["rows"] == 2_000
    assert results["row_by_row"]["execute_per_row"]["rows"] == 50
    assert set(results["goals"]) >= {"pipeline_over_limit", "speedup_vs_row_by_row", "time_growth_10x"}
    json.dumps(results)  # what run.py writes
    assert "MISS" in run.table(results) or "MET" in run.table(results)
