"""`make bench`: the pipeline against the limit and the usual ways, in one run on the same generated data.

    .venv/bin/python benchmarks/run.py            # full: learning scales 1 and 10, a 5.8M-row flights upload
    .venv/bin/python benchmarks/run.py --quick    # small scales, for development and a smoke test

Prints a table and writes benchmarks/results.json. Every figure that matters is a ratio to a baseline
measured in the same run, since the machine is shared and its speed varies from minute to minute.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import sys
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Sequence

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import baselines, children, data
from benchmarks.measurements import (
    floor_attempt, flights, flights_ratios, growth_workload, learning_pipeline, limit_and_pipeline, machine,
    once_in_child, pandas_ratios, persistent_instance, staged_and_pandas,
)
from benchmarks.postgres_instance import postgres_instance
from benchmarks.report import table
from capstone_assets.learning.specs import MODEL_SPECS
from capstone_assets.settings import DEFAULT_DEGREES

RESULTS = Path(__file__).resolve().parent / "results.json"
FULL = {"scales": (1.0, 10.0), "memory_scale": 30.0, "flights_rows": 5_800_000, "row_subset": 3_000, "limit_repeats": 3,
        "growth_degrees": 40, "pandas_at_big": True}
# --quick: every measurement once, in under a minute: it proves the code, not speed. Its memory scale is its big scale
# (that backfill's peak is reported), and the PostgreSQL instance and flights run beside the others in a second child
QUICK = {"scales": (0.01, 0.05), "memory_scale": 0.05, "flights_rows": 50_000, "row_subset": 300, "limit_repeats": 1,
         "months": (1,), "growth_degrees": 4, "beside": True}
GOALS = {  # key: (comparison, target, meaning); the other keys of results.json are reported, not goals
    "pipeline_over_same_sql_scale_10": ("<=", 1.5, "pipeline within 1.5x of the limit at scale 10 (plain load, then "
                                        "the same models built straight from their SELECTs, at the pipeline's "
                                        "DuckDB memory limit)"),
    "pipeline_work_over_same_sql": ("<=", 1.5, "the pipeline less the Dagster floor within 1.5x of the same limit at "
                                    "scale 1"),
    "persistent_over_ephemeral": ("<=", 1.5, "the backfill recorded in a persistent instance within 1.5x of the "
                                  "ephemeral one"),
    "flights_reload_over_same_sql": ("<=", 1.1, "flights reload within 1.1x of its own load statement alone (the "
                                    "same read_csv with the exact-fit rules, at the reload's DuckDB memory limit)"),
    "speedup_vs_run_per_partition": (">=", 5.0, "at least 5x Dagster's default backfill (one run per partition)"),
    "speedup_vs_pandas_load": (">=", 2.0, "the staged loads at least 2x pandas read_csv + insert per file"),
    "partition_growth_13x": ("<=", 2.0, "40 x 12 partitions at most 2x the time of 3 x 12 at the same rows "
                             "(persistent instance)"),
    "speedup_vs_row_by_row": (">=", 50.0, "at least 50x the row-by-row rows per second"),
    "peak_rss_mb_scale_10": ("<=", 1536.0, "peak resident memory at scale 10 at most 1.5 GB"),
    "peak_rss_growth_beyond_10": ("<=", 1.1, "peak memory not growing with the data: at most 1.1x from scale 10 to 30"),
    "time_growth_10x": ("<=", 11.0, "time at 10x the data at most 11x"),
}


def measure(workdir: Path, scales: Sequence[float], flights_rows: int, row_subset: int, limit_repeats: int,
            degrees: Sequence[str] = DEFAULT_DEGREES, months: Sequence[int] = tuple(range(1, 13)),
            memory_scale: float | None = None, growth_degrees: int = 40, beside: bool = False,
            pandas_at_big: bool = False, progress: Callable[[str], None] = lambda message: None) -> dict:
    """Every measurement of the benchmark; returns the results.json document. `beside`: the measurements that
    depend on no other (the PostgreSQL instance, flights) start first, and one run per partition once the base scale
    is measured, in a background thread beside the others (--quick; a full run measures one thing at a time).
    `pandas_at_big`: the staged loads and pandas at the big scale too."""
    with ThreadPoolExecutor(max_workers=1) as background:
        later = background.submit if beside else _now
        return _measure(workdir, scales, flights_rows, row_subset, limit_repeats, degrees, months, memory_scale,
                        growth_degrees, pandas_at_big, later, beside, progress)


def _independent(base: data.Workload, workdir: Path, flights_rows: int, repeats: int, later: Callable[..., Future],
                 progress: Callable[[str], None]) -> tuple[Future, Future]:
    """The PostgreSQL-backed instance's backfill and the flights reload: they need no other measurement's result
    (the PostgreSQL one copies the base's stored translations if they are there yet)."""
    progress(f"scale {base.scale:g}: the same backfill recorded in a PostgreSQL-backed instance (the deployment's)")
    postgres = later(postgres_instance, base, base.warehouse("pipeline"))
    progress(f"flights: upload of {flights_rows} rows, limit, reload and its Dagster floor (each best of {repeats})")
    return postgres, later(flights, workdir / "flights", flights_rows, repeats)


def _per_partition(base: data.Workload, later: Callable[..., Future], progress: Callable[[str], None]) -> Future:
    progress(f"scale {base.scale:g}: one run per partition (Dagster's default backfill), ephemeral instance")
    return later(once_in_child, "per_partition", base, base.warehouse("pipeline"))


def _now(function: Callable, *args) -> Future:
    done: Future = Future()
    done.set_result(function(*args))
    return done


def _measure(workdir, scales, flights_rows, row_subset, limit_repeats, degrees, months, memory_scale, growth_degrees,
             pandas_at_big: bool, later: Callable[..., Future], beside: bool, progress: Callable[[str], None]) -> dict:
    started = time.perf_counter()
    at_start = machine()
    workloads = [data.Workload(workdir / f"learning_scale_{s:g}", s, tuple(degrees), tuple(months)) for s in scales]
    largest = data.Workload(workdir / f"learning_scale_{memory_scale:g}", memory_scale, tuple(degrees), tuple(months)) \
        if memory_scale else None
    lakes = {}
    for workload in workloads + ([largest] if largest and largest.scale not in scales else []):
        workload.root.mkdir(parents=True, exist_ok=True)
        progress(f"generating the learning lake at scale {workload.scale:g}")
        lakes[workload.scale] = workload.generate()
    base, big = workloads[0], workloads[-1]
    growth = growth_workload(workdir, base, growth_degrees)
    progress(f"generating the learning lake with {growth_degrees} degrees at scale {base.scale:g}")
    growth.root.mkdir(parents=True, exist_ok=True)
    growth_lake = growth.generate()
    in_turn_at_base = {  # attempted in turn with the base scale's limit and backfill, in this order
        "floor": lambda: floor_attempt(base),
        # seeded with the base's stored translations, it stores those of its longer partition lists for the next
        "many_ephemeral_first_run": lambda: learning_pipeline(growth, 1, base.warehouse("pipeline")),
        "persistent": lambda: persistent_instance(base),
        "persistent_many": lambda: persistent_instance(growth),
    }
    if beside:  # --quick: what depends on no other measurement starts first, in the second child
        postgres, reload = _independent(base, workdir, flights_rows, limit_repeats, later, progress)
    scale_results, at_base = {}, {}
    for workload in workloads:
        progress(f"scale {workload.scale:g}: the limit and the pipeline backfill in a child process"
                 + (f", the Dagster floor (the same backfill with every asset's work skipped), {growth_degrees} degrees "
                    f"in an ephemeral instance, the backfill recorded in a persistent instance (the CLI's path) with "
                    f"{len(base.degrees)} and {growth_degrees} degrees" if workload is base else "")
                 + f", in turn, best of {limit_repeats} each")
        plain, backfill, others = limit_and_pipeline(
            workload, limit_repeats, None if workload is base else base.warehouse("pipeline"),
            in_turn_at_base if workload is base else None)
        at_base = others or at_base
        if backfill["rows"] != plain["rows"]:
            raise AssertionError(f"scale {workload.scale:g}: the pipeline staged {backfill['rows']} rows, the limit {plain['rows']}")
        same_tables(workload)
        scale_results[f"{workload.scale:g}"] = {"lake": lakes[workload.scale], "limit": plain, "pipeline": backfill,
                                                "pipeline_over_limit": backfill["seconds"] / plain["seconds"],
                                                "pipeline_over_same_sql": backfill["seconds"] / same_sql(plain)["same_sql_seconds"],
                                                "pipeline_over_same_sql_unbounded": backfill["seconds"] / plain["same_sql_seconds"]}
        if beside and workload is base:  # --quick: beside the bigger scale's runs
            per_partition = _per_partition(base, later, progress)
    floor, recorded, grown = at_base["floor"], at_base["persistent"], at_base["persistent_many"]
    grown_ephemeral = at_base["many_ephemeral_first_run"]
    grown["lake"] = growth_lake
    if not beside:
        postgres, reload = _independent(base, workdir, flights_rows, limit_repeats, later, progress)
        per_partition = _per_partition(base, later, progress)
    grown["partitions"], recorded["partitions"] = len(growth.degrees) * len(growth.months), len(base.degrees) * len(base.months)
    largest_run = None
    if largest and largest.scale == big.scale:
        largest_run = dict(scale_results[f"{big.scale:g}"]["pipeline"], lake=lakes[big.scale])
    elif largest:
        progress(f"scale {largest.scale:g}: pipeline backfill in a child process, for its peak memory")
        largest_run = once_in_child("learning", largest, base.warehouse("pipeline"), warehouse="pipeline")
        largest_run["lake"] = lakes[largest.scale]
    video_log = next(s for s in base.stage_specs() if s.name == "stg_video_log")
    progress(f"row by row: {row_subset} rows of stg_video_log, cursor.execute per row and executemany")
    loop = baselines.row_by_row(video_log, base.lake, base.warehouse("row_by_row"), row_subset)
    many = baselines.row_by_row(video_log, base.lake, base.warehouse("row_by_row"), row_subset, executemany=True)
    progress(f"scale {base.scale:g}: the staged tables alone (the loads pandas is compared with), their Dagster floor "
             f"and pandas read_csv + insert per file, in turn, best of {limit_repeats} each")
    versus = staged_and_pandas(base, limit_repeats, base.warehouse("pipeline"))
    staged, frames = versus["stage"], versus["pandas"]
    versus_big = staged_big = frames_big = None
    if pandas_at_big:  # where the data, not Dagster's per-partition events, dominates the staged loads
        progress(f"scale {big.scale:g}: the same three, in turn")
        versus_big = staged_and_pandas(big, limit_repeats, big.warehouse("pipeline"))
        staged_big, frames_big = versus_big["stage"], versus_big["pandas"]
    postgres, reload, per_partition = postgres.result(), reload.result(), per_partition.result()

    first, last = scale_results[f"{base.scale:g}"], scale_results[f"{big.scale:g}"]
    row_by_row_rate = max(loop["rows_per_second"], many["rows_per_second"])
    results = {
        "pipeline_over_same_sql_scale_10": last["pipeline_over_same_sql"],
        "pipeline_work_over_same_sql": (first["pipeline"]["seconds"] - floor["seconds"]) / same_sql(first["limit"])["same_sql_seconds"],
        "pipeline_over_same_sql_cpu_scale_10": last["pipeline"]["cpu_seconds"] / same_sql(last["limit"])["same_sql_cpu_seconds"],
        "pipeline_over_same_sql_unbounded_scale_10": last["pipeline_over_same_sql_unbounded"],
        "pipeline_work_over_same_sql_unbounded": (first["pipeline"]["seconds"] - floor["seconds"]) / first["limit"]["same_sql_seconds"],
        "pipeline_over_limit_scale_10": last["pipeline_over_limit"],
        "persistent_over_ephemeral": recorded["seconds"] / first["pipeline"]["seconds"],
        "speedup_vs_run_per_partition": per_partition["seconds"] / first["pipeline"]["seconds"],
        "speedup_vs_pandas_load": staged["rows_per_second"] / frames["rows_per_second"],
        "partition_growth_13x": grown["seconds"] / recorded["seconds"],
        "pipeline_over_limit": first["pipeline_over_limit"],
        "pipeline_over_limit_cpu": first["pipeline"]["cpu_seconds"] / first["limit"]["cpu_seconds"],
        "speedup_vs_row_by_row": first["pipeline"]["rows_per_second"] / row_by_row_rate,
        "speedup_vs_pandas": first["pipeline"]["rows_per_second"] / frames["rows_per_second"],
        "speedup_vs_pandas_load_scale_10": staged_big["rows_per_second"] / frames_big["rows_per_second"] if staged_big else None,
        **pandas_ratios(versus, versus_big),
        "peak_rss_mb_scale_10": last["pipeline"]["peak_rss_mb"],
        "peak_rss_growth_10x": last["pipeline"]["peak_rss_mb"] / first["pipeline"]["peak_rss_mb"],
        "peak_rss_growth_beyond_10": (largest_run["peak_rss_mb"] / last["pipeline"]["peak_rss_mb"]) if largest_run else None,
        "pipeline_cold_seconds_scale_1": first["pipeline"]["cold_seconds"],
        "pipeline_persistent_instance_seconds_scale_1": recorded["seconds"],
        "pipeline_persistent_instance_over_limit": recorded["seconds"] / first["limit"]["seconds"],
        "pipeline_postgres_instance_seconds_scale_1": postgres.get("seconds"),
        "postgres_over_ephemeral": postgres["seconds"] / first["pipeline"]["seconds"] if "seconds" in postgres else None,
        "postgres_over_sqlite": postgres["seconds"] / recorded["seconds"] if "seconds" in postgres else None,
        "time_growth_10x": last["pipeline"]["seconds"] / first["pipeline"]["seconds"],
        "limit_time_growth_10x": last["limit"]["seconds"] / first["limit"]["seconds"],
        "data_growth": last["pipeline"]["rows"] / first["pipeline"]["rows"],
        **flights_ratios(reload),
        "dagster_floor_seconds": floor["seconds"],
        "dagster_floor_over_limit": floor["seconds"] / first["limit"]["seconds"],
        "pipeline_work_over_limit": (first["pipeline"]["seconds"] - floor["seconds"]) / first["limit"]["seconds"],
        "pipeline_seconds_scale_1": first["pipeline"]["seconds"],
        "limit_seconds_scale_1": first["limit"]["seconds"],
        "pipeline_rows_scale_1": first["pipeline"]["rows"],
        "pipeline_seconds_scale_10": last["pipeline"]["seconds"],
        "pipeline_rows_scale_10": last["pipeline"]["rows"],
        "backfill_runs": first["pipeline"]["runs"],
        "orchestration_share_scale_1": first["pipeline"]["outside_sql_seconds"] / first["pipeline"]["seconds"],
        "row_by_row_rows_per_second": row_by_row_rate,
        "pandas_rows_per_second": frames["rows_per_second"],
        "cores": at_start["cores"],
        "memory_gb": at_start["memory_gb"],
        "scales": {"base": base.scale, "big": big.scale},
        "per_scale": scale_results,
        "dagster_floor": floor,
        "persistent_instance": recorded,
        "run_per_partition": per_partition,
        "staged_tables_alone": staged,
        "staged_floor": versus["stage_floor"],
        "staged_floor_scale_10": versus_big["stage_floor"] if versus_big else None,
        "partition_growth": {"few": recorded, "many": grown, "many_ephemeral_first_run": grown_ephemeral},
        "postgres_instance": postgres,
        "memory_scale": {"scale": largest.scale, "pipeline": largest_run} if largest else None,
        "row_by_row": {"execute_per_row": loop, "executemany": many, "table": "learning.stg_video_log"},
        "pandas": frames,
        "staged_tables_alone_scale_10": staged_big,
        "pandas_scale_10": frames_big,
        "flights": reload,
        "machine": {"at_start": at_start, "at_end": machine()},
        "benchmark_seconds": time.perf_counter() - started,
    }
    results["goals"] = {key: {"target": f"{op} {target:g}", "value": results[key], "met": _met(op, results[key], target),
                              "meaning": meaning} for key, (op, target, meaning) in GOALS.items() if results[key] is not None}
    return results


def same_sql(limit: dict) -> dict:
    """The same SQL the goals divide by (plain load, then the models from their SELECTs): the one run at the
    pipeline's DuckDB memory limit, the same engine settings as the backfill it is compared with."""
    return limit["same_memory_limit"]


def same_tables(workload: data.Workload) -> None:
    """The like-for-like limit built the pipeline's models: the same row count in every one."""
    tables = [spec for spec in MODEL_SPECS if spec.kind == "table"]  # a view holds no rows of its own
    built, pipeline = (baselines.table_rows(workload.warehouse(name), tables) for name in ("limit", "pipeline"))
    if built != pipeline:
        differ = {name: (built[name], pipeline[name]) for name in built if built[name] != pipeline[name]}
        raise AssertionError(f"scale {workload.scale:g}: models built from their SELECTs differ from the pipeline's "
                             f"(limit rows, pipeline rows): {differ}")


def _met(op: str, value: float, target: float) -> bool:
    return value <= target if op == "<=" else value >= target


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help=f"small scales {QUICK['scales']}, for development")
    parser.add_argument("--scales", type=float, nargs=2, metavar=("BASE", "BIG"), help="override the two learning scales")
    parser.add_argument("--memory-scale", type=float, help="the larger scale whose peak memory shows the bound "
                        f"(default {FULL['memory_scale']:g}; 0 to skip)")
    parser.add_argument("--workdir", type=Path, help="keep the generated data here (default: a temporary folder)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    options = dict(QUICK if args.quick else FULL)
    if args.scales:
        options["scales"] = tuple(args.scales)
    if args.memory_scale is not None:
        options["memory_scale"] = args.memory_scale or None
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="capstone-bench-"))
    shared = children.one_child(workdir) if args.quick else contextlib.nullcontext()
    try:
        with shared:  # --quick: one child process for every task (memory figures are then that process's peak)
            results = measure(workdir, progress=lambda message: print(f"[{time.strftime('%H:%M:%S')}] {message}",
                                                                      flush=True), **options)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    results["mode"] = "quick" if args.quick else "full"
    args.out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(table(results))
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
