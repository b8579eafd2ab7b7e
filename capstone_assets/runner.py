"""Materialize a selection of assets, every partition included, as a few in-process runs.

A group whose chosen partitions form one key range (a full backfill: every degree x month) is one
run: unpartitioned dimensions, the ranged facts and the marts together. Otherwise, since Dagster cannot
put differently partitioned assets or disjoint ranges in one run, the selection is cut into phases:
assets sharing a partitioning and a dependency level run together, once per contiguous stretch. Runs are
recorded in the given instance, so the UI shows them afterwards.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import dagster as dg

from capstone_assets.lib.event_batches import events_written_in_batches
from capstone_assets.lib.planned_events import mark_unmaterialized_partitions, planned_partitions_as_subsets
from capstone_assets.resources.warehouse import LoadError
from capstone_assets.run_launcher import PROCESS_TAG
from capstone_assets.run_waits import PROCESS, reporting_pool_waits


@dataclass(frozen=True)
class PlannedRun:
    label: str
    asset_keys: tuple[dg.AssetKey, ...]
    tags: dict[str, str] = field(default_factory=dict)
    partition_key: str | None = None


@dataclass
class AssetOutcome:
    partitions: int = 0
    rows: int | None = None  # None: no materialization recorded a row count (a view, a catalogue entry)
    checks_passed: int = 0
    checks_failed: list[str] = field(default_factory=list)
    checks_warned: list[str] = field(default_factory=list)  # failed WARN-severity checks: reported, not fatal
    failed: bool = False  # its step failed; `partitions` counts those that loaded before (a partly loaded asset)


@dataclass
class RunReport:
    runs: list[tuple[PlannedRun, bool, float, str | None]] = field(default_factory=list)
    assets: dict[str, AssetOutcome] = field(default_factory=dict)

    @property
    def success(self) -> bool:
        return all(ok for _, ok, _, _ in self.runs) and not any(a.checks_failed for a in self.assets.values())


def _levels(graph, keys: set[dg.AssetKey]) -> dict[dg.AssetKey, int]:
    levels: dict[dg.AssetKey, int] = {}
    for key in graph.toposorted_asset_keys:
        if key not in keys:
            continue
        node = graph.get(key)
        level = 0
        for parent in node.parent_keys:
            if parent in keys:
                changes = graph.get(parent).partitions_def != node.partitions_def
                level = max(level, levels[parent] + changes)
        levels[key] = level
    return levels


def _contiguous_ranges(all_keys: Sequence[str], chosen: set[str]) -> list[tuple[str, str]]:
    """The chosen keys as maximal runs of neighbours in the definition's order (one Dagster key range each)."""
    ranges: list[list[str]] = []
    previous_chosen = False
    for key in all_keys:
        if key in chosen:
            if previous_chosen:
                ranges[-1][1] = key
            else:
                ranges.append([key, key])
        previous_chosen = key in chosen
    return [(first, last) for first, last in ranges]


def _partition_runs(label: str, keys: tuple[dg.AssetKey, ...], partitions_def: dg.PartitionsDefinition,
                    months: Sequence[str] | None, degrees: Sequence[str] | None) -> list[PlannedRun]:
    all_keys = partitions_def.get_partition_keys()

    def wanted(key: str) -> bool:
        values = _partition_values(key)
        return (not months or values["month"] in months) and (not degrees or values.get("degree") in (None, *degrees))

    return [
        PlannedRun(f"{label} partitions {first}..{last}", keys, {
            "dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last,
        })
        for first, last in _contiguous_ranges(all_keys, {k for k in all_keys if wanted(k)})
    ]


class PlanError(ValueError):
    """A --months or --degrees value that is malformed or matches no partition of the selection; nothing ran."""


def _partition_values(key: str) -> dict[str, str]:
    return dict(zip(("degree", "month"), key.split("|"))) if "|" in key else {"month": key}


def check_filters(graph, keys: set[dg.AssetKey], months: Sequence[str] | None, degrees: Sequence[str] | None) -> None:
    """Every --months / --degrees value must be well formed and name a partition of the selected assets, so a typo
    fails loudly instead of running nothing and reporting success."""
    offered: dict[str, set[str]] = {"month": set(), "degree": set()}
    for partitions_def in {repr(d): d for d in (graph.get(k).partitions_def for k in keys) if d is not None}.values():
        for key in partitions_def.get_partition_keys():
            for dimension, value in _partition_values(key).items():
                offered[dimension].add(value)
    for month in months or ():
        try:
            well_formed = dt.date.fromisoformat(month).day == 1 and len(month) == 10
        except ValueError:
            well_formed = False
        if not well_formed:
            raise PlanError(f"--months {month!r} is not a month: give its first day, e.g. 2019-01-01")
        if month not in offered["month"]:
            known = f"its months run {min(offered['month'])}..{max(offered['month'])}" if offered["month"] else \
                "it has no month partitions"
            raise PlanError(f"--months {month!r} matches no partition of the selection ({known}); nothing was run")
    for degree in degrees or ():
        if degree not in offered["degree"]:
            known = f"its degrees are {', '.join(sorted(offered['degree']))}" if offered["degree"] else \
                "it has no degree partitions"
            raise PlanError(f"--degrees {degree!r} matches no partition of the selection ({known}); nothing was run")


def plan(defs: dg.Definitions, selection: str | dg.AssetSelection, months: Sequence[str] | None = None,
         degrees: Sequence[str] | None = None) -> list[PlannedRun]:
    graph = defs.resolve_asset_graph()
    chosen = dg.AssetSelection.from_string(selection) if isinstance(selection, str) else selection
    keys = set(chosen.resolve(graph)) & set(graph.materializable_asset_keys)
    check_filters(graph, keys, months, degrees)
    groups: dict[str, set[dg.AssetKey]] = {}
    for key in keys:
        groups.setdefault(graph.get(key).group_name, set()).add(key)
    crosses_groups = any(graph.get(parent).group_name != graph.get(key).group_name
                         for key in keys for parent in graph.get(key).parent_keys if parent in keys)
    if crosses_groups:
        return _phased_runs(graph, keys, months, degrees)
    runs = []
    for group in sorted(groups):
        runs += _single_run(graph, group, groups[group], months, degrees) or _phased_runs(graph, groups[group], months, degrees)
    return runs


def _single_run(graph, group: str, keys: set[dg.AssetKey], months, degrees) -> list[PlannedRun]:
    """The whole group as one run, when at most one partitioning is involved and its chosen partitions are one
    key range (e.g. a full backfill): dimensions, every partition and the marts, with blocking checks in between."""
    members = tuple(sorted(keys, key=lambda k: k.to_user_string()))
    partitioned = {repr(d): d for d in (graph.get(k).partitions_def for k in members) if d is not None}
    if not partitioned:
        return [PlannedRun(f"{group} ({len(members)} assets)", members)]
    if len(partitioned) > 1:
        return []
    (partitions_def,) = partitioned.values()
    ranged = _partition_runs(f"{group} ({len(members)} assets)", members, partitions_def, months, degrees)
    return ranged if len(ranged) == 1 else []


def _phased_runs(graph, keys: set[dg.AssetKey], months, degrees) -> list[PlannedRun]:
    levels = _levels(graph, keys)
    phases: dict[tuple[int, str], list[dg.AssetKey]] = {}
    for key, level in levels.items():
        phases.setdefault((level, repr(graph.get(key).partitions_def)), []).append(key)
    runs = []
    for (level, _), members in sorted(phases.items(), key=lambda item: item[0]):
        members_ = tuple(sorted(members, key=lambda k: k.to_user_string()))
        partitions_def = graph.get(members_[0]).partitions_def
        groups = sorted({graph.get(k).group_name for k in members_})
        label = f"{','.join(groups)} level {level}"
        if partitions_def is None:
            runs.append(PlannedRun(f"{label} ({len(members_)} unpartitioned assets)", members_))
        else:
            runs += _partition_runs(label, members_, partitions_def, months, degrees)
    return runs


def _materializations(result: dg.ExecuteInProcessResult, instance: dg.DagsterInstance | None) -> list:
    """The run's materialization events, one per partition. After a failed run, read from the instance when there is
    one: a step that fails after logging the partitions it did load (lib/staging.report_partial_loads) has them
    only there."""
    if instance is None or result.success:
        return list(result.get_asset_materialization_events())
    return [record.dagster_event for record in instance.all_logs(
        result.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)]


def _collect(report: RunReport, result: dg.ExecuteInProcessResult, instance: dg.DagsterInstance | None = None) -> None:
    for event in _materializations(result, instance):  # each partition with its own row count
        materialization = event.event_specific_data.materialization
        outcome = report.assets.setdefault(materialization.asset_key.to_user_string(), AssetOutcome())
        outcome.partitions += 1
        row_count = materialization.metadata.get("dagster/row_count")
        if row_count is not None:
            outcome.rows = (outcome.rows or 0) + int(row_count.value)
    for evaluation in result.get_asset_check_evaluations():
        outcome = report.assets.setdefault(evaluation.asset_key.to_user_string(), AssetOutcome())
        if evaluation.passed:
            outcome.checks_passed += 1
        elif evaluation.severity == dg.AssetCheckSeverity.WARN:
            outcome.checks_warned.append(evaluation.check_name)
        else:
            outcome.checks_failed.append(evaluation.check_name)


def _root_cause(error) -> str:
    """The user's exception message, not Dagster's "error occurred while executing op" wrapper."""
    while error.cause is not None:
        error = error.cause
    return error.message.strip()


def _one_line(text: str, limit: int = 1000) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[:limit - 3] + "..."


def run_partition(run: PlannedRun) -> str | None:
    """The run's partition key, or its range `first...last`, as keys (`data_science|2019-01-01`)."""
    if run.partition_key:
        return str(run.partition_key)
    start, end = run.tags.get("dagster/asset_partition_range_start"), run.tags.get("dagster/asset_partition_range_end")
    return None if start is None else start if start == end else f"{start}...{end}"


def failure_lines(run: PlannedRun, result: dg.ExecuteInProcessResult) -> list[str]:
    """One line per failed step: asset, partition(s), then the root cause (a LoadError names file, line, column
    and reason). The traceback stays in the run's event log."""
    partition = run_partition(run)
    where = f" [{partition}]" if partition else ""
    return [f"{e.step_key.replace('__', '/')}{where}: {_one_line(_expected(_root_cause(e.event_specific_data.error)))}"
            for e in result.all_events if e.is_step_failure]


def _expected(message: str) -> str:
    """An expected load error without its class path (its text names file, line, column and reason)."""
    return message.split(": ", 1)[1] if message.startswith(f"{LoadError.__module__}.LoadError: ") else message


def _record_failure(defs: dg.Definitions, run: PlannedRun, result: dg.ExecuteInProcessResult, error: str) -> None:
    """A failed CLI run in `capstone.run_failures`, as the run-failure sensor records the daemon's runs."""
    from capstone_assets.lib.audit import record_run_failure

    warehouse = (defs.resources or {}).get("warehouse")
    if warehouse is None:
        return
    secrets = {name: value.get_value() for name, value in dict(warehouse).items() if isinstance(value, dg.EnvVar)}
    warehouse = warehouse.model_copy(update=secrets) if secrets else warehouse
    assets = sorted(key.to_user_string() for key in run.asset_keys)
    record_run_failure(warehouse, result.run_id, result.job_def.name, assets, run_partition(run), error)


LAUNCHED_BY_TAG = "capstone/launched_by"  # "cli": the CLI records its own failures (the sensor skips them)
def execute(defs: dg.Definitions, runs: Sequence[PlannedRun], instance: dg.DagsterInstance | None = None,
            on_progress: Callable[[int, int, PlannedRun, str], None] | None = None, stop_on_failure: bool = True,
            log_level: str = "CRITICAL", on_wait: Callable[[str], None] | None = None) -> RunReport:
    """Run the planned runs in process. The console logger stays quiet below `log_level` (tracebacks go to the run's
    event log in the instance); a failed run's steps are reported one line each and recorded in
    `capstone.run_failures`. While a run waits for a pool slot held by another run, `on_wait` gets a line naming
    that run (run_waits.reporting_pool_waits)."""
    report = RunReport()
    assets = list(defs.assets or [])
    resources = defs.resources or {}
    for index, run in enumerate(runs, start=1):
        if on_progress:
            on_progress(index, len(runs), run, "start")
        started = time.perf_counter()
        # one planned event per asset, not per partition; a step's partition materializations written as one batch
        with planned_partitions_as_subsets(), events_written_in_batches(), reporting_pool_waits(instance, on_wait):
            result = dg.materialize(assets, instance=instance, resources=resources, selection=list(run.asset_keys),
                                    tags={**run.tags, LAUNCHED_BY_TAG: "cli", PROCESS_TAG: PROCESS},
                                    partition_key=run.partition_key,
                                    raise_on_error=False,
                                    run_config={"loggers": {"console": {"config": {"log_level": log_level}}}})
        error = None
        if not result.success and instance is not None:
            mark_unmaterialized_partitions(instance, result.run_id)  # the UI shows them failed, as without subsets
        if not result.success:
            error = "\n".join(failure_lines(run, result)) or "run failed"
            try:
                _record_failure(defs, run, result, error)
            except Exception as failure:  # the run's own failure is what the user must see; say why it is not recorded
                error += f"\n(not recorded in capstone.run_failures: {type(failure).__name__}: {_one_line(str(failure), 200)})"
        _collect(report, result, instance)
        for event in (e for e in result.all_events if e.is_step_failure):
            report.assets.setdefault(event.step_key.replace("__", "/"), AssetOutcome()).failed = True
        report.runs.append((run, result.success, time.perf_counter() - started, error))
        if on_progress:
            on_progress(index, len(runs), run, "ok" if result.success else "FAILED")
        if not result.success and stop_on_failure:
            break
    return report
