"""The benchmark's measurements run end to end at a tiny scale and yield a results.json-shaped document.

Not a timing test: it asserts the shape and the row counts, never a speed.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest

from benchmarks import run
from capstone_assets.flights.specs import FLIGHTS
from capstone_assets.learning.specs import MODEL_SPECS
from capstone_assets.lib.checks import default_checks
from capstone_assets.settings import default_duckdb_memory_limit
from capstone_assets_tests.postgres_server import skip_or_fail

REQUIRED = ("pipeline_over_limit", "speedup_vs_row_by_row", "peak_rss_mb_scale_10", "time_growth_10x",
            "flights_reload_over_limit", "cores", "memory_gb", "pipeline_seconds_scale_1", "limit_seconds_scale_1",
            "pipeline_rows_scale_1", "pipeline_rows_scale_10", "backfill_runs", "dagster_floor_seconds",
            "dagster_floor_over_limit", "peak_rss_growth_beyond_10", "pipeline_cold_seconds_scale_1",
            "pipeline_persistent_instance_seconds_scale_1", "pipeline_persistent_instance_over_limit",
            "pipeline_over_limit_scale_10", "pipeline_work_over_limit", "persistent_over_ephemeral",
            "speedup_vs_run_per_partition", "speedup_vs_pandas_load", "partition_growth_13x",
            "pipeline_over_same_sql_scale_10", "pipeline_work_over_same_sql", "pipeline_over_same_sql_cpu_scale_10",
            "flights_reload_over_same_sql", "flights_same_sql_over_limit", "pipeline_over_same_sql_unbounded_scale_10",
            "pipeline_work_over_same_sql_unbounded", "staged_floor_over_pandas",
            "speedup_vs_pandas_load_statements", "speedup_vs_pandas_load_bound",
            "flights_reload_over_same_sql_unbounded", "flights_reload_work_over_same_sql", "flights_reload_bound")


def data_rows(folder: Path) -> int:
    total = 0
    for path in folder.rglob("*.csv"):
        with open(path, newline="", encoding="utf-8") as handle:
            total += sum(1 for _ in csv.reader(handle)) - 1
    return total


def test_benchmark_quick_measures_everything(tmp_path: Path):
    run.main(["--quick", "--workdir", str(tmp_path), "--out", str(tmp_path / "results.json")])
    results = json.loads((tmp_path / "results.json").read_text())
    small, big = (f"{scale:g}" for scale in run.QUICK["scales"])

    assert set(run.GOALS) <= set(results["goals"])
    for key in REQUIRED:
        assert isinstance(results[key], (int, float)) and not isinstance(results[key], bool), key
        assert math.isfinite(results[key]) and results[key] > 0, key
    base = results["per_scale"][small]
    # the like-for-like limit built every model (run.same_tables compared their rows with the pipeline's)
    assert base["limit"]["models"]["models"] == len(MODEL_SPECS)
    assert base["limit"]["seconds"] < base["limit"]["same_sql_seconds"]
    same = base["limit"]["same_memory_limit"]  # the same SQL at the pipeline's DuckDB memory limit
    assert same["memory_limit"] == default_duckdb_memory_limit() and same["rows"] == base["limit"]["rows"]
    assert same["models"]["models"] == len(MODEL_SPECS)
    assert results["pipeline_work_over_same_sql"] == pytest.approx(
        (base["pipeline"]["seconds"] - results["dagster_floor_seconds"]) / (same["seconds"] + same["models"]["seconds"]))
    assert base["pipeline"]["success"] and not base["pipeline"]["checks_failed"]
    assert results["pipeline_rows_scale_1"] == data_rows(tmp_path / f"learning_scale_{small}" / "lake")
    assert results["pipeline_rows_scale_10"] == data_rows(tmp_path / f"learning_scale_{big}" / "lake")
    assert results["memory_scale"]["pipeline"]["rows"] == data_rows(tmp_path / f"learning_scale_{run.QUICK['memory_scale']:g}" / "lake")
    recorded = results["persistent_instance"]
    assert recorded["success"] and recorded["runs"] == 1
    assert (tmp_path / f"learning_scale_{small}" / "dagster_home").is_dir()  # the runs are on disk, as the CLI's are
    assert results["backfill_runs"] == 1  # dimensions, every partition and the marts in one ranged run
    assert results["dagster_floor"]["runs"] == 1 and results["dagster_floor"]["success"]
    assert 0 < results["dagster_floor_seconds"] < base["pipeline"]["seconds"]
    flights = results["flights"]
    assert flights["reload"]["rows"] == flights["limit"]["rows"] == flights["same_sql"]["rows"] == run.QUICK["flights_rows"]
    # the load's transaction up to its INSERT ... FROM read_csv, not one stray query
    assert flights["same_sql"]["statements"] >= 2 and flights["same_sql"]["slowest_reads_csv"]
    # replayed at the reload's own DuckDB memory limit (the goal) and at DuckDB's own (reported)
    assert flights["same_sql"]["memory_limit"] == default_duckdb_memory_limit()
    assert flights["same_sql_unbounded"]["statements"] == flights["same_sql"]["statements"]
    assert results["flights_reload_over_same_sql_unbounded"] == pytest.approx(
        flights["reload"]["seconds"] / flights["same_sql_unbounded"]["seconds"])
    assert flights["same_sql"]["slowest"].startswith('INSERT INTO "flights"."flights"')
    # the floor: the same run, its work skipped (no load statement, no check query); the bound adds to the replayed
    # statement the floor, the upload's inspection and the checks the reload itself ran
    floor, reload = flights["floor"], flights["reload"]
    every_check = len(default_checks(FLIGHTS)) + 1  # and the row count against the file
    assert floor["success"] and floor["checks_passed"] == every_check >= reload["checks_passed"] > 0  # a warning may not pass
    assert floor["file_read_statements_seconds"] == floor["checks_seconds"] == 0 and reload["checks_seconds"] > 0
    assert "work skipped" in floor["path"] and reload["buckets"]["source_file_checks"] > 0
    assert results["flights_reload_bound"] == pytest.approx(1 + (
        floor["seconds"] + reload["buckets"]["source_file_checks"] + reload["checks_seconds"]) / flights["same_sql"]["seconds"])
    per_partition, staged = results["run_per_partition"], results["staged_tables_alone"]
    months, degrees = len(run.QUICK["months"]), 3
    assert per_partition["success"] and per_partition["runs"] > months * degrees  # plus the unpartitioned phases
    assert per_partition["rows"] == staged["rows"] == results["pipeline_rows_scale_1"]
    assert staged["success"] and staged["runs"] == 1
    staged_floor = results["staged_floor"]  # the staged runs with every asset's work skipped: Dagster alone
    assert staged_floor["success"] and staged_floor["runs"] == 1 and staged_floor["checks_passed"] == staged["checks_passed"]
    # the floor ran no load statement (its work was skipped), the staged run did. Not which one took longer: at this
    # scale the two differ by under a second, and the one-run-per-partition child runs beside them
    assert staged_floor["seconds"] > 0 and staged_floor["file_read_statements_seconds"] == 0
    assert 0 < staged["file_read_statements_seconds"] < staged["buckets"]["sql"]  # the loads' statements, within SQL
    assert results["speedup_vs_pandas_load_bound"] == pytest.approx(
        results["pandas"]["seconds"] / (staged_floor["seconds"] + staged["file_read_statements_seconds"]))
    assert math.isfinite(results["speedup_vs_pandas_load_work"]) and results["speedup_vs_pandas_load_work"] == pytest.approx(
        results["pandas"]["seconds"] / (staged["seconds"] - staged_floor["seconds"]))  # a difference of timings: any sign
    # the limit, the backfill, the floor and both persistent-instance backfills attempted in turn, as often each
    growth = results["partition_growth"]
    in_turn = [base["limit"], base["pipeline"], results["dagster_floor"], growth["few"], growth["many"]]
    assert [len(measured["attempts_seconds"]) for measured in in_turn] == [run.QUICK["limit_repeats"]] * len(in_turn)
    # the reload and the staged loads are timed as often as their baselines (like for like)
    assert len(flights["reload"]["attempts_seconds"]) == len(flights["same_sql"]["attempts_seconds"]) == len(
        flights["floor"]["attempts_seconds"]) == len(staged["attempts_seconds"]) == run.QUICK["limit_repeats"]
    few, many = results["partition_growth"]["few"], results["partition_growth"]["many"]
    assert (few["partitions"], many["partitions"]) == (degrees * months, run.QUICK["growth_degrees"] * months)
    assert many["success"] and many["rows"] == data_rows(tmp_path / f"learning_growth_{run.QUICK['growth_degrees']}_degrees" / "lake")
    assert many["events"] > few["events"]  # every partition is still an event the UI shows
    assert results["row_by_row"]["execute_per_row"]["rows"] == run.QUICK["row_subset"]
    postgres = results["postgres_instance"]  # deploy/dagster.yaml's storage on a throwaway cluster
    if "skipped" in postgres:
        skip_or_fail(postgres["skipped"])
    assert postgres["success"] and not postgres["errors"] and not postgres["checks_failed"]
    assert postgres["recorded"]["runs"] == postgres["runs"] >= 1
    assert postgres["recorded"]["events"] > 100  # every step, partition and check evaluation is an event row
    assert "MISS" in run.table(results) or "MET" in run.table(results)
