"""Load a run's partitions of a staged table: find their files, inspect them, load atomically, audit.

Nothing is written before the files have been found and inspected; a load replaces its partitions in
one transaction; an audit record per partition is written whatever happens.
"""

from __future__ import annotations

import contextlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Sequence

from capstone_assets.lib.audit import LoadRecord, now, record_loads
from capstone_assets.lib.json_rules import FieldRule, JsonRules, PreparedFiles, json_kind, prepare_json_files
from capstone_assets.lib.partition_files import Refused, listing_prefixes, partition_files
from capstone_assets.lib.partitions import describe, path_fields
from capstone_assets.lib.source_files import csv_data_rows, json_data_rows
from capstone_assets.lib.specs import StageSpec
from capstone_assets.resources.lake import Lake, LakeObject
from capstone_assets.resources.warehouse import LoadError, LoadRequest, RejectedRow, Warehouse


INSPECTION_THREADS = 4


@dataclass(frozen=True)
class PartitionLoad:
    partition: dict[str, Any]
    files: tuple[LakeObject, ...]
    source_rows: int
    rows: int
    rejected: tuple[RejectedRow, ...]
    refused: tuple[Refused, ...] = ()  # strays beside the partition's files, not loaded (lib/partition_files)


def find_partition_files(spec: StageSpec, lake: Lake, partition: dict[str, Any]
                         ) -> tuple[tuple[LakeObject, ...], tuple[Refused, ...]]:
    """The partition's files and the refused strays beside them, by the rule the sensors use too."""
    objects = [o for prefix in listing_prefixes(spec, partition) for o in lake.list(prefix)]
    files, refused = partition_files(spec, objects, partition)
    if files:
        return files, refused
    keys = [path.format(**path_fields(partition)) for path in (spec.path, *spec.alternative_paths)]
    expected = " or ".join(key + "*" + spec.suffix if key.endswith("/") else key for key in keys)
    found = f"; refused: {'; '.join(map(str, refused))}" if refused else ""
    raise LoadError(
        f"no files for {describe(partition)} in {spec.group}.{spec.name}: expected "
        f"{expected} in the lake{found}; nothing was written"
    )


def find_files(spec: StageSpec, lake: Lake, partition: dict[str, Any]) -> tuple[LakeObject, ...]:
    return find_partition_files(spec, lake, partition)[0]


def source_rows(spec: StageSpec, lake: Lake, files: tuple[LakeObject, ...]) -> int:
    if spec.format == "csv":
        expected = [spec.field_name(c.name) for c in spec.file_columns]
        return sum(csv_data_rows(lake, f.key, expected) for f in files)
    fields = {spec.field_name(c.name): c.not_null for c in spec.file_columns}
    return sum(json_data_rows(lake, f.key, fields, one_object_per_file=spec.format == "json") for f in files)


def prepare_files(spec: StageSpec, lake: Lake, files: tuple[LakeObject, ...]) -> PreparedFiles:
    """Inspect the files; JSON files are also type-checked (every value must fit its column exactly) and the
    variants their `json_rules` accept are canonicalised."""
    if spec.format == "csv":
        return PreparedFiles(source_rows(spec, lake, files), files, {}, None)
    fields = [FieldRule(spec.field_name(c.name), c.not_null, json_kind(c.redshift_type), c,
                        c.name in spec.utc_offset_columns) for c in spec.file_columns]
    return prepare_json_files(lake, files, fields, spec.json_rules or JsonRules(),
                              one_object_per_file=spec.format == "json")


def _request(spec: StageSpec, partition: dict[str, Any], prepared: PreparedFiles,
             originals: tuple[LakeObject, ...]) -> LoadRequest:
    return LoadRequest(
        schema=spec.group,
        table=spec.name,
        columns=spec.columns,
        file_fields=tuple((c.name, spec.field_name(c.name)) for c in spec.file_columns),
        format=spec.format,
        files=prepared.files,
        partition=partition,
        max_rejected_rows=spec.max_rejected_rows,
        options=dict(spec.options),
        source_keys=prepared.source_keys,
        source_rows=prepared.rows,
        originals=originals,
        utc_offset_columns=spec.utc_offset_columns,
    )


def load_partition(spec: StageSpec, partition: dict[str, Any], lake: Lake, warehouse: Warehouse, run_id: str) -> PartitionLoad:
    started, files, rows_in_files = now(), (), None
    try:
        files, refused = find_partition_files(spec, lake, partition)
        prepared = prepare_files(spec, lake, files)
        rows_in_files = prepared.rows
        try:
            outcome = warehouse.load(_request(spec, partition, prepared, files), lake)
        finally:
            if prepared.scratch_prefix:
                lake.delete_prefix(prepared.scratch_prefix)
    except Exception as error:  # every failed load is audited: refused files, but also e.g. S3 throttling
        message = str(error) if isinstance(error, LoadError) else f"{type(error).__name__}: {error}"
        record_loads(warehouse, [_record(spec, partition, run_id, files, rows_in_files, None,
                                         getattr(error, "rejected", ()), "failed", message, started)])
        raise
    record_loads(warehouse, [_record(spec, partition, run_id, files, rows_in_files, outcome.rows, outcome.rejected,
                                     "loaded", None, started)])
    return PartitionLoad(partition, files, rows_in_files, outcome.rows, outcome.rejected, refused)


def load_partitions(spec: StageSpec, partitions: Sequence[dict[str, Any]], lake: Lake, warehouse: Warehouse,
                    run_id: str) -> list[PartitionLoad]:
    """Load a run's partitions of one table: together in one transaction when every file is good; else one by
    one, so each good partition still lands, each bad one fails alone, and then the failures are raised."""
    if len(partitions) > 1:
        with contextlib.suppress(Exception):  # a bad or missing file somewhere: go on one by one to find and audit it
            return _load_together(spec, partitions, lake, warehouse, run_id)
    loads, failures = [], []
    for partition in partitions:
        try:
            loads.append(load_partition(spec, partition, lake, warehouse, run_id))
        except Exception as error:
            if not isinstance(error, LoadError):
                raise
            failures.append(error)
    if failures:
        error = failures[0] if len(failures) == 1 else LoadError(
            f"{len(failures)} of {len(partitions)} partitions failed: " + " | ".join(map(str, failures)),
            [row for failure in failures for row in failure.rejected])
        error.loaded = loads  # the partitions that did land, for the asset to report
        raise error
    return loads


def prepare_partitions(spec: StageSpec, partitions: Sequence[dict[str, Any]], lake: Lake,
                       found: Sequence[tuple[LakeObject, ...]] | None = None) -> list[PreparedFiles]:
    """Find every partition's files (one listing after another), then inspect them a few partitions at a time:
    reading and counting a file is mostly I/O and C code, so threads overlap it. Every inspection finishes
    before the first failure is raised; what the successful ones prepared is then cleaned up."""
    found = found if found is not None else [find_files(spec, lake, partition) for partition in partitions]
    with ThreadPoolExecutor(max_workers=INSPECTION_THREADS) as pool:
        futures = [pool.submit(prepare_files, spec, lake, files) for files in found]
    failures = [error for future in futures if (error := future.exception()) is not None]
    prepared = [future.result() for future in futures if future.exception() is None]
    if failures:
        _delete_scratch(prepared, lake)
        raise failures[0]
    return prepared


def _delete_scratch(prepared: Sequence[PreparedFiles], lake: Lake) -> None:
    for files in prepared:
        if files.scratch_prefix:
            lake.delete_prefix(files.scratch_prefix)


def _load_together(spec: StageSpec, partitions: Sequence[dict[str, Any]], lake: Lake, warehouse: Warehouse,
                   run_id: str) -> list[PartitionLoad]:
    started = now()
    found = [find_partition_files(spec, lake, partition) for partition in partitions]
    prepared = prepare_partitions(spec, partitions, lake, [files for files, _ in found])
    try:
        outcomes = warehouse.load_batch([_request(spec, p, files, originals) for p, files, (originals, _)
                                         in zip(partitions, prepared, found)], lake)
    finally:
        _delete_scratch(prepared, lake)
    loads = [PartitionLoad(partition, files.files, files.rows, outcome.rows, outcome.rejected, refused)
             for partition, files, outcome, (_, refused) in zip(partitions, prepared, outcomes, found)]
    record_loads(warehouse, [_record(spec, load.partition, run_id, load.files, load.source_rows, load.rows,
                                     load.rejected, "loaded", None, started) for load in loads])
    return loads


def _record(spec, partition, run_id, files, source_rows_, rows, rejected, status, error, started) -> LoadRecord:
    return LoadRecord(
        run_id=run_id, asset=f"{spec.group}.{spec.name}", partition=describe(partition),
        files=[f.key for f in files], source_rows=source_rows_, rows_loaded=rows, rejected=rejected,
        status=status, error=error, started_at=started,
    )
