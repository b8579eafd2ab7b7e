"""Table specs: the data a factory turns into an asset with its checks.

A staged table is described by a `StageSpec` (where its files are, their format, its keys and
partitioning) plus its DDL in `sql/<group>/<name>.sql`, which alone defines its columns and types.
A modelled table or view is a `ModelSpec` plus the SELECT in `sql/<group>/<name>.sql`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import dagster as dg

from capstone_assets.lib.checks import Check, Reference
from capstone_assets.lib.json_rules import JsonRules
from capstone_assets.lib.sql import Column, table_columns

PARTITION_COLUMNS = ("degree", "month")
FORMATS = ("csv", "ndjson", "json")
LOAD_MODES = ("replace", "truncate_insert", "upsert", "append")  # append: insert the rows, delete nothing


def partition_columns(partitions: dg.PartitionsDefinition | None) -> tuple[str, ...]:
    if partitions is None:
        return ()
    if isinstance(partitions, dg.MultiPartitionsDefinition):
        return tuple(sorted(d.name for d in partitions.partitions_defs))
    return ("month",)


@dataclass(frozen=True)
class StageSpec:
    group: str
    name: str
    path: str  # lake key pattern; a trailing '/' means "every file under it ending in `suffix`"
    format: str = "csv"
    suffix: str = ""
    partitions: dg.PartitionsDefinition | None = None
    keys: tuple[str, ...] = ()
    references: tuple[Reference, ...] = ()
    in_month: tuple[str, ...] = ()
    checks: tuple[Check, ...] = ()
    field_names: Mapping[str, str] = field(default_factory=dict)  # column -> field name in the file
    max_rejected_rows: int = 0
    description: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)  # engine-specific load options
    json_rules: JsonRules | None = None  # opt in to strict JSON types and name the accepted variants
    alternative_paths: tuple[str, ...] = ()  # other names the same file may have; the first present wins
    subfolders: bool = False  # a folder `path` also reads its subfolders' files (else they are refused as strays)
    utc_offset_columns: tuple[str, ...] = ()  # TIMESTAMP columns whose values may carry a UTC offset: converted to
    # UTC before any partition rule (without this rule a value with an offset is rejected, never truncated)

    def __post_init__(self):
        if self.format not in FORMATS:
            raise ValueError(f"{self.group}.{self.name}: format must be one of {FORMATS}, got {self.format!r}")

    @property
    def key(self) -> dg.AssetKey:
        return dg.AssetKey([self.group, self.name])

    @property
    def columns(self) -> tuple[Column, ...]:
        return table_columns(self.group, self.name)

    @property
    def file_columns(self) -> tuple[Column, ...]:
        """Columns read from the files, in file order: all but partition and `_`-prefixed lineage columns."""
        skip = set(partition_columns(self.partitions))
        return tuple(c for c in self.columns if c.name not in skip and not c.name.startswith("_"))

    def field_name(self, column: str) -> str:
        return self.field_names.get(column, column)


@dataclass(frozen=True)
class ModelSpec:
    group: str
    name: str
    kind: str = "table"  # table | view
    mode: str = "replace"  # replace | truncate_insert | upsert | append (tables only)
    run_modes: tuple[str, ...] = ()  # modes a run may pick instead of `mode` (run config `mode`), e.g. LoadFact's switch
    may_be_empty: bool = False  # no `not_empty` check: an empty result is a valid answer (e.g. nobody changed level)
    keys: tuple[str, ...] = ()
    partitions: dg.PartitionsDefinition | None = None
    references: tuple[Reference, ...] = ()
    in_month: tuple[str, ...] = ()
    checks: tuple[Check, ...] = ()
    distribution: str | None = None  # Redshift DISTSTYLE: ALL | EVEN | AUTO
    sort_key: tuple[str, ...] = ()  # Redshift SORTKEY
    description: str = ""
    extra_metadata: Callable[..., Mapping[str, Any]] | None = None  # (warehouse) -> metadata, e.g. a chart

    def __post_init__(self):
        if self.kind not in ("table", "view"):
            raise ValueError(f"{self.group}.{self.name}: kind must be 'table' or 'view'")
        if self.mode not in LOAD_MODES:
            raise ValueError(f"{self.group}.{self.name}: mode must be one of {LOAD_MODES}")
        if self.mode == "upsert" and not self.keys:
            raise ValueError(f"{self.group}.{self.name}: mode 'upsert' needs keys")
        if self.run_modes and (self.mode not in self.run_modes or not set(self.run_modes) <= set(LOAD_MODES)):
            raise ValueError(f"{self.group}.{self.name}: run_modes must be load modes ({LOAD_MODES}) including mode {self.mode!r}")

    @property
    def key(self) -> dg.AssetKey:
        return dg.AssetKey([self.group, self.name])
