"""What every file sensor needs: which lake files are new or changed since its cursor, and stable run keys.

The cursor is the map of file key -> version (mtime+size locally, ETag on S3) seen at the last tick, so a
re-evaluation requests nothing and a corrected re-upload of the same key is seen as changed.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from capstone_assets.lib.partition_files import FileRule, Refused, classify
from capstone_assets.resources.lake import Lake, LakeObject


@dataclass(frozen=True)
class LakeChanges:
    objects: dict[str, LakeObject]  # every watched file now
    changed: dict[str, str]  # key -> version of the new or changed ones

    @property
    def cursor(self) -> str:
        return json.dumps({key: obj.version for key, obj in self.objects.items()}, sort_keys=True)


def lake_changes(cursor: str | None, lake: Lake, prefixes: Iterable[str],
                 keep: Callable[[str], bool] = lambda key: True) -> LakeChanges:
    seen: dict[str, str] = json.loads(cursor) if cursor else {}
    objects = {o.key: o for prefix in prefixes for o in lake.for_group(prefix.split("/")[0]).list(prefix) if keep(o.key)}
    return LakeChanges(objects, {key: o.version for key, o in objects.items() if seen.get(key) != o.version})


@dataclass(frozen=True)
class PartitionFile:
    table: str  # the name of the rule it matched
    partition: dict[str, Any]  # column values ({} when unpartitioned)
    obj: LakeObject


@dataclass(frozen=True)
class TableChanges:
    """What a sensor may request: changed files that a run would load, by the loads' own rule (lib/partition_files)."""

    changed: list[PartitionFile]
    refused: list[Refused]  # strays: named, never marked as seen
    unsettled: list[str]  # still changing (modified within the settle time): not seen yet, asked about next tick
    cursor: str


def table_changes(cursor: str | None, lake: Lake, prefixes: Iterable[str], rules: Mapping[str, FileRule],
                  settle_seconds: float = 0.0, now: float | None = None) -> TableChanges:
    """The new or changed files under `prefixes` that some rule loads. Only those files (and only once they have
    not changed for `settle_seconds`) enter the cursor, so a file a run would ignore is never marked as seen."""
    seen: dict[str, str] = json.loads(cursor) if cursor else {}
    now = time.time() if now is None else now
    kept: dict[str, str] = {}
    changed, refused, unsettled = [], [], []
    for obj in (o for prefix in prefixes for o in lake.for_group(prefix.split("/")[0]).list(prefix)):  # CAPSTONE_SOURCE_<GROUP>
        for table, rule in rules.items():
            partition, _, reason = classify(rule, obj)
            if partition is None:
                continue
            if reason:
                refused.append(Refused(obj.key, reason))
            elif settle_seconds > 0 and now - obj.modified < settle_seconds:
                unsettled.append(PartitionFile(table, partition, obj))
            else:
                kept[obj.key] = obj.version
                if seen.get(obj.key) != obj.version:
                    changed.append(PartitionFile(table, partition, obj))
            break
    # a partition with a file still changing waits whole: none of its files is requested or newly marked seen
    waiting = {(f.table, tuple(sorted(f.partition.items()))) for f in unsettled}
    held = [f for f in changed if (f.table, tuple(sorted(f.partition.items()))) in waiting]
    for f in held + unsettled:
        kept.pop(f.obj.key, None)
        if f.obj.key in seen:
            kept[f.obj.key] = seen[f.obj.key]
    changed = [f for f in changed if f not in held]
    return TableChanges(changed, refused, [f.obj.key for f in unsettled], json.dumps(kept, sort_keys=True))


def log_skipped(log, changes: TableChanges) -> None:
    """Say why files were not requested: strays by name and reason, files still changing by name."""
    for refused in changes.refused:
        log.info(f"ignoring {refused}")
    for key in changes.unsettled:
        log.info(f"waiting for {key} to stop changing (CAPSTONE_SENSOR_SETTLE_SECONDS) before requesting its partition")


def digest(files: dict[str, str]) -> str:
    """A short stable digest of file versions, for run keys."""
    return hashlib.sha1(json.dumps(sorted(files.items())).encode()).hexdigest()[:12]
