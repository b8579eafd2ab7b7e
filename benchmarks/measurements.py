"""The benchmark's measurements of one workload each: the limit, the learning backfill in its instance kinds, a task
in a child process, the flights reload, and the helpers they share (best of n, staged rows, the machine)."""

from __future__ import annotations

import os
import platform
import resource
import shutil
from pathlib import Path
from typing import Callable, Mapping, Sequence

import duckdb

from benchmarks import baselines, children, data
from capstone_assets.flights import generator as flights_generator
from capstone_assets.learning.specs import MODEL_SPECS
from capstone_assets.lib.specs import StageSpec
from capstone_assets.settings import DEFAULT_DEGREES, load_settings


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def with_cpu_seconds(measure: Callable[[], dict]) -> dict:
    started = cpu_seconds()
    result = measure()
    result["cpu_seconds"] = cpu_seconds() - started
    return result


def fastest(attempts: Sequence[dict]) -> dict:
    """The fastest attempt (a baseline is never flattered by a slow, noisy one), with every attempt's seconds."""
    return dict(min(attempts, key=lambda r: r["seconds"]), attempts_seconds=[r["seconds"] for r in attempts])


def attempted_in_turn(measures: Mapping[str, Callable[[], dict]], repeats: int) -> dict[str, list[dict]]:
    """Every measure attempted once, in order, `repeats` times: a ratio of two of them then divides attempts made a
    minute apart, not minutes apart on a host whose speed drifts. The attempts by name."""
    attempts: dict[str, list[dict]] = {name: [] for name in measures}
    for _ in range(repeats):
        for name, measure in measures.items():
            attempts[name].append(measure())
    return attempts


def staged_rows(warehouse: Path, specs: Sequence[StageSpec]) -> int:
    return sum(baselines.table_rows(warehouse, specs).values())


def limit_and_pipeline(workload: data.Workload, repeats: int, translations_from: Path | None = None,
                       in_turn: Mapping[str, Callable[[], dict]] | None = None) -> tuple[dict, dict, dict[str, dict]]:
    """The limit (with DuckDB's own memory limit, then with the pipeline's), the full backfill and each of
    `in_turn`'s measurements, attempted in turn `repeats` times (`attempted_in_turn`). Each is the fastest of its attempts (`limit`,
    `learning_pipeline`); `in_turn`'s by name. The limit at the pipeline's memory limit is the limit's
    `same_memory_limit`."""
    memory_limit = workload.settings(workload.warehouse("pipeline")).duckdb_memory_limit
    measures = {"limit": lambda: limit_attempt(workload),
                "same_memory_limit": lambda: limit_attempt(workload, memory_limit),
                "backfill": lambda: backfill_attempt(workload), **(in_turn or {})}
    data.use_translations(workload.warehouse("pipeline"), translations_from)
    attempts = attempted_in_turn(measures, repeats)
    limit = fastest_limit(attempts.pop("limit"))
    limit["same_memory_limit"] = dict(fastest_limit(attempts.pop("same_memory_limit")), memory_limit=memory_limit)
    backfill = fastest_backfill(workload, attempts.pop("backfill"))
    return limit, backfill, {name: fastest(measured) for name, measured in attempts.items()}


def floor_attempt(workload: data.Workload, task: str = "floor") -> dict:
    """The Dagster floor: the full backfill (`floor`; `stage_floor`: the staged tables' runs) with every asset's work
    skipped, in a fresh process."""
    return children.run_in_child(task, workload.environment(workload.warehouse("floor")), workload.root)


def limit_attempt(workload: data.Workload, memory_limit: str | None = None) -> tuple[dict, dict]:
    """The plain load, then the models built straight from their SELECTs on its tables, on a fresh warehouse, with
    DuckDB's `memory_limit` (None: its own)."""
    target = workload.warehouse("limit")
    data.reset(target)
    load = with_cpu_seconds(lambda: baselines.limit_load(workload.stage_specs(), workload.lake, target, memory_limit))
    return load, with_cpu_seconds(lambda: baselines.build_models(MODEL_SPECS, target, memory_limit))


def fastest_limit(attempts: list[tuple[dict, dict]]) -> dict:
    """The fastest load (`seconds`) and build (`models`) of the (load, build) attempts; `same_sql_seconds` is their
    sum (`same_sql_cpu_seconds` in CPU seconds): the least work that yields the pipeline's tables."""
    result = fastest([load for load, _ in attempts])
    result["models"] = fastest([build for _, build in attempts])
    result["same_sql_seconds"] = result["seconds"] + result["models"]["seconds"]
    result["same_sql_cpu_seconds"] = result["cpu_seconds"] + result["models"]["cpu_seconds"]
    return result


def backfill_attempt(workload: data.Workload) -> dict:
    """One full backfill in a fresh process on a fresh warehouse (the SQL translations and lineage stored beside
    it stay, as on a user's machine)."""
    target = workload.warehouse("pipeline")
    data.reset(target)
    return children.run_in_child("learning", workload.environment(target), workload.root)


def fastest_backfill(workload: data.Workload, attempts: list[dict]) -> dict:
    """The fastest attempt; the first one's time is `cold_seconds` (it started with the translations it was given,
    or none: a first run ever), the peak memory the worst attempt's, not the fastest's."""
    result = fastest(attempts)
    result["peak_rss_mb"] = max(attempt["peak_rss_mb"] for attempt in attempts)
    result["repeats"] = len(attempts)
    result["cold_seconds"] = attempts[0]["seconds"]
    result["rows"] = staged_rows(workload.warehouse("pipeline"), workload.stage_specs())
    result["rows_per_second"] = result["rows"] / result["seconds"]
    return result


def learning_pipeline(workload: data.Workload, repeats: int, translations_from: Path | None = None) -> dict:
    """The fastest of `repeats` full backfills (`backfill_attempt`), starting with the translations and lineage of
    the `translations_from` warehouse, or none."""
    data.use_translations(workload.warehouse("pipeline"), translations_from)
    return fastest_backfill(workload, [backfill_attempt(workload) for _ in range(repeats)])


def flights(root: Path, rows: int, repeats: int) -> dict:
    root.mkdir(parents=True, exist_ok=True)
    upload = data.flights_upload(root, rows)
    if not (root / "lake" / "flights" / "airports.csv").exists():
        flights_generator.generate(root / "lake", scale=1 / flights_generator.FLIGHTS_AT_SCALE_1, upload_name="reference.csv")
        (root / "lake" / "flights" / "uploads" / "reference.csv").unlink()
    spec = StageSpec("flights", "flights", "flights/uploads/", suffix=".csv")

    target, same_sql_target = root / "pipeline.duckdb", root / "same_sql.duckdb"
    environment = {"CAPSTONE_ENV": "local", "CAPSTONE_LAKE_DIR": str(root / "lake"), "CAPSTONE_DUCKDB_PATH": str(target)}
    memory_limit = load_settings(environment).duckdb_memory_limit  # the reload's, which its replay runs at too
    kept: list = []  # the statements of the reload just made: what its replays run

    def plain() -> dict:
        data.reset(root / "limit.duckdb")
        return with_cpu_seconds(lambda: baselines.file_limit(spec, root / "lake", upload, root / "limit.duckdb"))

    def reload() -> dict:
        data.reset(target)
        result = children.run_in_child("flights", environment, root)
        kept[:] = result.pop("slowest_transaction")
        return result

    def replay(limit: str | None) -> dict:
        data.reset(same_sql_target)
        return with_cpu_seconds(lambda: baselines.same_statements(spec, kept, same_sql_target, limit))

    attempts = attempted_in_turn({  # in turn, as the learning limit and backfill: the host's speed drifts within minutes
        "limit": plain, "reload": reload,
        "floor": lambda: children.run_in_child("flights_floor", environment, root),  # the same run, its work skipped
        "same_sql_unbounded": lambda: replay(None), "same_sql": lambda: replay(memory_limit),
    }, repeats)
    measured = {name: fastest(attempted) for name, attempted in attempts.items()}
    measured["reload"]["rows"] = staged_rows(target, [spec])
    measured["same_sql"].update(rows=staged_rows(same_sql_target, [spec]), memory_limit=memory_limit)
    return {**measured, "rows": rows, "file_bytes": upload.stat().st_size}


def flights_ratios(measured: dict) -> dict[str, float]:
    """The flights reload over its own load statement replayed alone (`same_sql`, the goal) and its parts:
    * `flights_reload_work_over_same_sql`: the reload less its Dagster floor (the same run with its work skipped);
    * `flights_reload_bound`: the statement plus the floor, the upload's inspection (header and row count) and the
      checks (their queries included): the least the reload can take, as a ratio, however little its audit record,
      commit and the load's own small queries cost."""
    reload, floor, statement = measured["reload"], measured["floor"]["seconds"], measured["same_sql"]["seconds"]
    necessary = floor + reload["buckets"].get("source_file_checks", 0.0) + reload["checks_seconds"]
    return {
        "flights_reload_over_same_sql": reload["seconds"] / statement,
        "flights_reload_over_same_sql_unbounded": reload["seconds"] / measured["same_sql_unbounded"]["seconds"],
        "flights_reload_over_limit": reload["seconds"] / measured["limit"]["seconds"],
        "flights_same_sql_over_limit": statement / measured["limit"]["seconds"],
        "flights_reload_work_over_same_sql": (reload["seconds"] - floor) / statement,
        "flights_reload_bound": (statement + necessary) / statement,
    }


def machine() -> dict:
    pages, page_size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    return {"cores": os.cpu_count(), "memory_gb": round(pages * page_size / 2**30, 1), "python": platform.python_version(),
            "duckdb": duckdb.__version__, "load_average": [round(x, 2) for x in os.getloadavg()]}


def persistent_instance(workload: data.Workload) -> dict:
    """One backfill recorded in a new persistent instance (SQLite files in a DAGSTER_HOME, as `capstone run`
    and the UI record runs), on a fresh warehouse, with the translations stored beside the workload's pipeline
    warehouse."""
    target, home = workload.warehouse("persistent"), workload.root / "dagster_home"
    data.reset(target)
    data.use_translations(target, workload.warehouse("pipeline"))
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    result = children.run_in_child("learning", workload.environment(target), workload.root, dagster_home=home)
    result["rows"] = staged_rows(target, workload.stage_specs())
    return result


def once_in_child(task: str, workload: data.Workload, translations_from: Path, warehouse: str = "") -> dict:
    """A `task` child on a fresh warehouse of its own (named after the task unless `warehouse` is given: a DuckDB
    file named like a schema, `learning.duckdb`, makes that name ambiguous), with the stored translations; with its
    staged rows."""
    target = workload.warehouse(warehouse or task)
    data.reset(target)
    data.use_translations(target, translations_from)
    result = children.run_in_child(task, workload.environment(target), workload.root)
    result["rows"] = staged_rows(target, workload.stage_specs())
    result["rows_per_second"] = result["rows"] / result["seconds"]
    return result


def pandas_load(workload: data.Workload) -> dict:
    """pandas read_csv + insert per file into a fresh warehouse: the usual way to load the staged tables."""
    target = workload.warehouse("pandas")
    data.reset(target)
    return with_cpu_seconds(lambda: baselines.pandas_per_file(workload.stage_specs(), workload.lake, target))


def growth_workload(workdir: Path, base: data.Workload, degrees: int) -> data.Workload:
    """`degrees` degrees (the default ones, then degree_04, ...) over the base's months at the base's scale:
    the generator splits the same users, hence about the same rows, over many more partitions."""
    names = tuple(DEFAULT_DEGREES) + tuple(f"degree_{i:02d}" for i in range(len(DEFAULT_DEGREES) + 1, degrees + 1))
    return data.Workload(workdir / f"learning_growth_{degrees}_degrees", base.scale, names[:degrees], base.months)


def staged_and_pandas(workload: data.Workload, repeats: int, translations_from: Path) -> dict[str, dict]:
    """The staged tables alone (`stage`), the same runs with every asset's work skipped (`stage_floor`: their Dagster
    floor) and pandas read_csv + insert per file (`pandas`), attempted in turn `repeats` times as the limit and the
    backfill are (the host's speed drifts within minutes); the fastest of each."""
    measures = {
        "stage": lambda: once_in_child("stage", workload, translations_from),
        "stage_floor": lambda: floor_attempt(workload, "stage_floor"),
        "pandas": lambda: pandas_load(workload),
    }
    return {name: fastest(measured) for name, measured in attempted_in_turn(measures, repeats).items()}


def pandas_ratios(versus: dict[str, dict], versus_big: dict[str, dict] | None) -> dict[str, float | None]:
    """pandas' time over the staged tables' parts (`staged_and_pandas`), at the base scale unless named:
    * `speedup_vs_pandas_load_work`: over the staged tables less their Dagster floor (both runs' partition and check
      events), as `pipeline_work_over_same_sql` takes the floor off the backfill;
    * `speedup_vs_pandas_load_statements`: over the loads' own statements (read the files, insert);
    * `speedup_vs_pandas_load_bound`: over the floor plus those statements, the most the staged tables can reach
      against pandas however little their checks, file inspection and bookkeeping cost."""
    def work(measured: dict[str, dict]) -> float:
        return measured["pandas"]["seconds"] / (measured["stage"]["seconds"] - measured["stage_floor"]["seconds"])

    pandas, statements = versus["pandas"]["seconds"], versus["stage"]["file_read_statements_seconds"]
    return {
        "speedup_vs_pandas_load_work": work(versus),
        "speedup_vs_pandas_load_work_scale_10": work(versus_big) if versus_big else None,
        "speedup_vs_pandas_load_statements": pandas / statements,
        "speedup_vs_pandas_load_bound": pandas / (versus["stage_floor"]["seconds"] + statements),
        "staged_floor_over_pandas": versus["stage_floor"]["seconds"] / pandas,
    }
