"""Load one partition of a staged table: find its files, inspect them, load atomically, audit.

Nothing is written before the files have been found and inspected; the load itself replaces the
partition in one transaction; the audit record is written whatever happens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from capstone_assets.lib.audit import LoadRecord, now, record_load
from capstone_assets.lib.partitions import describe, path_fields
from capstone_assets.lib.source_files import csv_data_rows, json_data_rows
from capstone_assets.lib.specs import StageSpec
from capstone_assets.resources.lake import Lake, LakeObject
from capstone_assets.resources.warehouse import LoadError, LoadRequest, RejectedRow, Warehouse


@dataclass(frozen=True)
class PartitionLoad:
    partition: dict[str, Any]
    files: tuple[LakeObject, ...]
    source_rows: int
    rows: int
    rejected: tuple[RejectedRow, ...]


def find_files(spec: StageSpec, lake: Lake, partition: dict[str, Any]) -> tuple[LakeObject, ...]:
    key = spec.path.format(**path_fields(partition))
    if key.endswith("/"):
        files = tuple(o for o in lake.list(key) if o.key.endswith(spec.suffix) and not o.key.endswith(".partial"))
    else:
        files = tuple(o for o in lake.list(key.rsplit("/", 1)[0] + "/") if o.key == key)
    if not files:
        raise LoadError(
            f"no files for {describe(partition)} in {spec.group}.{spec.name}: expected "
            f"{key + '*' + spec.suffix if key.endswith('/') else key} in the lake; nothing was written"
        )
    return files


def source_rows(spec: StageSpec, lake: Lake, files: tuple[LakeObject, ...]) -> int:
    if spec.format == "csv":
        expected = [spec.field_name(c.name) for c in spec.file_columns]
        return sum(csv_data_rows(lake, f.key, expected) for f in files)
    fields = {spec.field_name(c.name): c.not_null for c in spec.file_columns}
    return sum(json_data_rows(lake, f.key, fields, one_object_per_file=spec.format == "json") for f in files)


def load_partition(spec: StageSpec, partition: dict[str, Any], lake: Lake, warehouse: Warehouse, run_id: str) -> PartitionLoad:
    started, files, rows_in_files = now(), (), None
    try:
        files = find_files(spec, lake, partition)
        rows_in_files = source_rows(spec, lake, files)
        request = LoadRequest(
            schema=spec.group,
            table=spec.name,
            columns=spec.columns,
            file_fields=tuple((c.name, spec.field_name(c.name)) for c in spec.file_columns),
            format=spec.format,
            files=files,
            partition=partition,
            max_rejected_rows=spec.max_rejected_rows,
            options=dict(spec.options),
        )
        outcome = warehouse.load(request, lake)
    except LoadError as error:
        _audit(warehouse, spec, partition, run_id, files, rows_in_files, None, error.rejected, "failed", str(error), started)
        raise
    _audit(warehouse, spec, partition, run_id, files, rows_in_files, outcome.rows, outcome.rejected, "loaded", None, started)
    return PartitionLoad(partition, files, rows_in_files, outcome.rows, outcome.rejected)


def _audit(warehouse, spec, partition, run_id, files, source_rows_, rows, rejected, status, error, started) -> None:
    record_load(
        warehouse,
        LoadRecord(
            run_id=run_id, asset=f"{spec.group}.{spec.name}", partition=describe(partition),
            files=[f.key for f in files], source_rows=source_rows_, rows_loaded=rows, rejected=rejected,
            status=status, error=error, started_at=started,
        ),
    )
