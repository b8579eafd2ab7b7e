"""Run the real pipeline in a fresh child process and see where its time goes.

The child plans and executes a selection through `capstone_assets.runner` (the path the CLI takes), with
an ephemeral Dagster instance, and splits the wall time into exclusive buckets: `sql` (inside DuckDB
calls), `source_file_checks` (finding and reading each file for its header and row count before loading),
`column_lineage` (sqlglot lineage of the marts), `sql_translation` (sqlglot Redshift -> DuckDB); the rest
is orchestration (Dagster, events, Python glue). The parent reads the child's peak resident memory.

    python -m benchmarks.pipeline --task learning --env '{"CAPSTONE_LAKE_DIR": ...}' --out result.json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Callable, Iterator

from benchmarks.clock import Clock, instrumented

LEARNING = "group:learning"
FLIGHTS = 'key:"flights/flights"'
FLIGHTS_SETUP = 'key:"flights/airlines" or key:"flights/airports"'


def _flights_definitions(settings):
    """The flights group if it is usable, else the generic staging path on the upload (no references)."""
    import dagster as dg

    from capstone_assets.definitions import build_definitions
    from capstone_assets.lib.specs import StageSpec
    from capstone_assets.lib.staging import build_stage_asset
    from capstone_assets.resources import build_resources

    defs = build_definitions(settings)
    if dg.AssetKey(["flights", "flights"]) in defs.resolve_asset_graph().materializable_asset_keys:
        return defs, FLIGHTS_SETUP, "the flights group (asset flights.flights with its checks)"
    spec = StageSpec("flights", "flights", "flights/uploads/", suffix=".csv")
    generic = dg.Definitions(assets=[build_stage_asset(spec)], resources=build_resources(settings))
    return generic, None, "the generic staging path (a StageSpec built in the benchmark; the flights group was not usable)"


def run_task(task: str, environment: dict[str, str], dagster_home: Path | None = None) -> dict:
    """Plan and execute the task's selection once; returns times, run counts and check outcomes.

    With `dagster_home`, runs are recorded in a persistent instance there (SQLite files, as the CLI records
    them in DAGSTER_HOME); otherwise in an ephemeral, in-memory one."""
    import warnings

    warnings.filterwarnings("ignore")
    import dagster as dg

    from capstone_assets.lib.instance_storage import keep_connections_open
    from capstone_assets.settings import load_settings

    settings = load_settings(environment)
    with (dg.DagsterInstance.local_temp(str(dagster_home), overrides={"telemetry": {"enabled": False}})
          if dagster_home else dg.DagsterInstance.ephemeral()) as instance:
        keep_connections_open(instance)  # as `capstone run` does
        return _run_task(task, settings, instance, "runs recorded in a persistent instance" if dagster_home else "")


def _run_task(task: str, settings, instance, recorded: str) -> dict:
    from capstone_assets import runner
    from capstone_assets.definitions import build_definitions

    path = "runner.plan/execute on group:learning" + (f", {recorded}" if recorded else "")
    plan: Callable = runner.plan
    if task == "per_partition":
        plan, path = one_run_per_partition, "one run per degree x month partition (Dagster's default backfill)"
    staged, work_skipped = task.startswith("stage"), task.endswith("floor")  # stage, stage_floor; *floor
    if staged:
        path = ("runner.plan/execute on the learning group's staged tables (files -> tables, with their checks) and "
                "the dimensions their checks read")
    if not task.startswith("flights"):  # flights, flights_floor
        defs, setup = build_definitions(settings), None
        selection = staged_tables(settings) if staged else LEARNING
    else:
        defs, setup, path = _flights_definitions(settings)
        selection = FLIGHTS if setup else "*"
    if work_skipped:
        path += ", every asset's work skipped (Dagster alone)"
    if setup:
        runner.execute(defs, runner.plan(defs, setup), instance=instance)
    clock = Clock(keep_slowest_transaction=task == "flights")  # what `baselines.same_statements` replays
    with instrumented(clock), (_work_skipped() if work_skipped else nullcontext()):
        started, cpu_started = time.perf_counter(), _cpu_seconds()
        runs = plan(defs, selection)
        report = runner.execute(defs, runs, instance=instance, stop_on_failure=False)
        seconds, cpu_seconds = time.perf_counter() - started, _cpu_seconds() - cpu_started
    buckets = {name: round(value, 4) for name, value in clock.totals.items()}
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "runs": len(runs),
        "success": report.success,
        "errors": [error for _, ok, _, error in report.runs if not ok],
        "checks_passed": sum(a.checks_passed for a in report.assets.values()),
        "checks_failed": sorted(f"{name}:{check}" for name, a in report.assets.items() for check in a.checks_failed),
        "buckets": buckets,
        "outside_sql_seconds": seconds - buckets.get("sql", 0.0),
        "file_read_statements_seconds": clock.file_read_seconds,  # the loads' statements: read the files, insert
        "checks_seconds": clock.checks_seconds,  # evaluating the asset checks, their queries included
        "events": sum(len(instance.all_logs(run.run_id)) for run in instance.get_runs()),  # written to the instance
        "path": path,
        **({"slowest_transaction": clock.slowest_transaction} if clock.keep_slowest_transaction else {}),
    }


def staged_tables(settings):
    """The learning group's staged tables (files -> tables, with their checks), what the pandas load does, plus
    the three small dimensions their reference checks read (built from the staged dimension tables)."""
    import dagster as dg

    from capstone_assets.learning.automation import dimensions_selection
    from capstone_assets.learning.specs import stage_specs

    staged = dg.AssetSelection.assets(*(dg.AssetKey([spec.group, spec.name]) for spec in stage_specs(settings)))
    return staged | dimensions_selection


def one_run_per_partition(defs, selection: str) -> list:
    """Dagster's default backfill of the selection: one run per partition key of the partitioned assets, the
    unpartitioned assets in their own runs before and after them (what a user gets without ranged runs)."""
    import dagster as dg

    from capstone_assets import runner

    graph = defs.resolve_asset_graph()
    keys = set(dg.AssetSelection.from_string(selection).resolve(graph)) & set(graph.materializable_asset_keys)
    runs = []
    for phase in runner._phased_runs(graph, keys, None, None):  # the runner's phases, before it ranges them
        if "dagster/asset_partition_range_start" not in phase.tags:
            runs.append(phase)
            continue
        partitions_def = graph.get(phase.asset_keys[0]).partitions_def
        runs += [runner.PlannedRun(f"{phase.label}: {key}", phase.asset_keys, partition_key=key)
                 for key in partitions_def.get_partition_keys()]
    return runs


@contextmanager
def _work_skipped() -> Iterator[None]:
    """Replace what every asset does by returning its checks as passed: what remains is Dagster's own cost of
    the same runs, steps, partition materializations and check evaluations (the orchestration floor)."""
    import dagster as dg

    from capstone_assets.lib import models, staging

    def no_work(context, spec, checks, *resources):
        results = [dg.AssetCheckResult(check_name=check.name, passed=True) for check in checks]
        if isinstance(spec, staging.StageSpec):
            results.append(dg.AssetCheckResult(check_name=staging.ROW_COUNT_CHECK, passed=True))
        return dg.MaterializeResult(check_results=results)

    originals = staging.materialize_stage, models.materialize_model
    staging.materialize_stage = models.materialize_model = no_work
    try:
        yield
    finally:
        staging.materialize_stage, models.materialize_model = originals


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _run_request(request: dict) -> None:
    result = run_task(request["task"], request["env"], Path(request["dagster_home"]) if request["dagster_home"] else None)
    result["peak_rss_mb"] = peak_rss_mb()
    Path(request["out"]).write_text(json.dumps(result, indent=2))


def serve() -> None:
    """The shared child's loop. Dagster's and DuckDB's own output goes to stderr (the log), the answers to the
    original stdout."""
    import traceback

    answers = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    for line in sys.stdin:
        try:
            _run_request(json.loads(line))
            answers.write("done\n")
        except Exception:
            traceback.print_exc()
            answers.write("failed\n")
        answers.flush()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--serve", action="store_true", help="run the tasks requested on stdin, one JSON line each")
    parser.add_argument("--task", choices=("learning", "floor", "per_partition", "stage", "stage_floor", "flights",
                                           "flights_floor"))
    parser.add_argument("--env", help="the settings' environment, as JSON")
    parser.add_argument("--out")
    parser.add_argument("--dagster-home", type=Path, help="record the runs in a persistent instance in this folder")
    parser.add_argument("--planned-per-partition", action="store_true",
                        help="plan a ranged run's partitions as one event each (Dagster's default), to measure the "
                             "difference with one event per asset (capstone_assets/lib/planned_events.py)")
    args = parser.parse_args(argv)
    if args.planned_per_partition:
        from capstone_assets.lib import planned_events

        planned_events.ENABLED = False
    if args.serve:
        serve()
        return
    if not (args.task and args.env and args.out):
        parser.error("--task, --env and --out are required (or --serve)")
    _run_request({"task": args.task, "env": json.loads(args.env), "out": args.out,
                  "dagster_home": str(args.dagster_home) if args.dagster_home else None})


if __name__ == "__main__":
    main()
