"""The `capstone` command: generate sample data, run a selection of assets, or do both (`demo`)."""

from __future__ import annotations

import argparse
import errno
import datetime as dt
import importlib
import importlib.util
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import dagster as dg

from capstone_assets import runner
from capstone_assets.lib.instance_storage import keep_connections_open
from capstone_assets.learning.specs import fact_partitions
from capstone_assets.resources import build_lake
from capstone_assets.run_waits import recover_dead_runs
from capstone_assets.settings import Settings, SettingsError, dagster_home, load_settings

GROUPS = tuple(g for g in ("learning", "sparkify", "flights", "stedi")
               if importlib.util.find_spec(f"capstone_assets.{g}.generator") is not None)
DEMO_SCALES = {"learning": 0.05, "sparkify": 1.0, "flights": 0.005, "stedi": 0.5}


def _generator(group: str) -> Callable[..., dict]:
    return importlib.import_module(f"capstone_assets.{group}.generator").generate


def _learning_options(settings: Settings) -> dict:
    """The configured degrees and months (CAPSTONE_LEARNING_START/_END, and the month in progress on a daily
    cadence): the months the learning partitions offer, so every partition has its files."""
    months = fact_partitions(settings).get_partitions_def_for_dimension("month").get_partition_keys()
    return {"degrees": settings.degrees, "months": [dt.date.fromisoformat(month) for month in months]}


def generate(settings: Settings, groups: list[str], scale: float | None, seed: int, out=None) -> None:
    out = out or sys.stdout
    lake = build_lake(settings)
    with tempfile.TemporaryDirectory(prefix="capstone-generate-") as staging:
        root = settings.lake_dir if settings.is_local else Path(staging)
        for group in groups:
            started = time.perf_counter()
            group_scale = DEMO_SCALES[group] if scale is None else scale
            options = _learning_options(settings) if group == "learning" else {}
            summary = _generator(group)(root, scale=group_scale, seed=seed, **options)
            rows = sum(summary.get("rows", {}).values())
            print(f"generated {group}: {summary.get('files', '?')} files, {rows:,} rows at scale {group_scale} "
                  f"({time.perf_counter() - started:.1f}s) into {lake.uri(group + '/')}", file=out)
        if not settings.is_local:
            lake.upload_tree(root)


def _progress(out):
    def show(index: int, total: int, run: runner.PlannedRun, state: str) -> None:
        done = index - (state == "start")
        bar = "#" * round(20 * done / total) + "." * (20 - round(20 * done / total))
        print(f"[{bar}] {index}/{total} {run.label} ... {state}", file=out, flush=True)

    return show


def print_report(report: runner.RunReport, out=None) -> None:
    out = out or sys.stdout
    width = max([len(name) for name in report.assets] + [5])
    print(f"\n{'asset'.ljust(width)}  partitions        rows  checks", file=out)
    for name, outcome in sorted(report.assets.items()):
        total = outcome.checks_passed + len(outcome.checks_failed) + len(outcome.checks_warned)
        status = f"{outcome.checks_passed}/{total} passed"
        if outcome.checks_warned:
            status += f"  warning: {', '.join(outcome.checks_warned)}"
        if outcome.checks_failed:
            status += f"  FAILED: {', '.join(outcome.checks_failed)}"
        if outcome.failed:
            status += "  STEP FAILED" + (" (the partitions counted were loaded)" if outcome.partitions else "")
        rows = "-" if outcome.rows is None else f"{outcome.rows:,}"  # a view holds no rows of its own to count
        print(f"{name.ljust(width)}  {outcome.partitions:>10}  {rows:>10}  {status}", file=out)
    for run, ok, seconds, error in report.runs:
        if not ok:
            print(f"\nrun failed: {run.label}", file=out)
            for line in (error or "run failed").splitlines():
                print(f"  {line}", file=out)
    verdict = "every run succeeded and every check passed" if report.success else "FAILURES above"
    print(f"\n{len(report.runs)} runs, {sum(s for _, _, s, _ in report.runs):.1f}s: {verdict}", file=out)


def run(settings: Settings, selection: str, months: list[str] | None, degrees: list[str] | None, out=None) -> bool:
    out = out or sys.stdout
    from capstone_assets.definitions import build_definitions

    defs = build_definitions(settings)
    try:
        runs = runner.plan(defs, selection, months=months, degrees=degrees)
    except runner.PlanError as error:
        print(f"error: {error}", file=out)
        return False
    if not runs:
        print(f"nothing to run for --select {selection!r}", file=out)
        return False
    home = dagster_home()
    try:
        home.mkdir(parents=True, exist_ok=True)
        with dg.DagsterInstance.from_config(str(home)) as instance:
            keep_connections_open(instance)
            for recovered in recover_dead_runs(instance):
                print(f"recovered {recovered}", file=out)
            report = runner.execute(defs, runs, instance=instance, on_progress=_progress(out),
                                    on_wait=lambda line: print(f"  {line}", file=out, flush=True))
    except Exception as error:
        if (problem := storage_problem(error)) is None:
            raise
        print(f"error: cannot keep the run records in DAGSTER_HOME={home}: {problem}; free disk space or set "
              "DAGSTER_HOME to a writable folder (runs already finished are kept)", file=out)
        return False
    print_report(report, out)
    print(f"runs recorded in {home} (open them with `make dev`)", file=out)
    return report.success


def storage_problem(error: BaseException) -> str | None:
    """What is wrong with where runs are recorded (a full disk, a folder that cannot be written), or None when
    `error` is something else. Looks through the exception's causes (SQLAlchemy and Dagster wrap them)."""
    seen = error
    while seen is not None:
        errno_ = getattr(seen, "errno", None)
        text = str(seen).lower()
        if errno_ == errno.ENOSPC or "disk is full" in text or "no space left" in text:
            return "the disk is full"
        if errno_ in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR, errno.EEXIST) or \
                "readonly database" in text or "unable to open database" in text:
            return f"it cannot be written ({type(seen).__name__}: {' '.join(str(seen).split())[:200]})"
        seen = seen.__cause__ or seen.__context__
    return None


def _csv(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="capstone", description=__doc__)
    commands = main.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("generate", help="write synthetic sample data into the lake")
    gen.add_argument("--group", default="all", choices=("all",) + GROUPS)
    gen.add_argument("--scale", type=float, default=None, help="data volume (1 = full size); default: the demo scale")
    gen.add_argument("--seed", type=int, default=42)
    run_ = commands.add_parser("run", help="materialize a selection of assets, every partition included")
    run_.add_argument("--select", default="*", help="asset selection, e.g. 'group:learning' or 'key:learning/dim_users'")
    run_.add_argument("--months", help="only these month partitions, e.g. 2019-01-01,2019-02-01")
    run_.add_argument("--degrees", help="only these degrees, e.g. data_science")
    demo = commands.add_parser("demo", help="generate every group's sample data, run everything, print the report")
    demo.add_argument("--seed", type=int, default=42)
    commands.add_parser("grants", help="Redshift: create the admin, read-write and read-only groups and grant them "
                                       "every schema (idempotent; see capstone_assets/access.py)")
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    if args.command == "generate":
        generate(settings, list(GROUPS) if args.group == "all" else [args.group], args.scale, args.seed)
        return 0
    if args.command == "run":
        return 0 if run(settings, args.select, _csv(args.months), _csv(args.degrees)) else 1
    if args.command == "grants":
        from capstone_assets import access

        return access.command(settings)
    generate(settings, list(GROUPS), None, args.seed)
    return 0 if run(settings, "*", None, None) else 1


if __name__ == "__main__":
    sys.exit(main())
