"""What every file sensor needs: which lake files are new or changed since its cursor, and stable run keys.

The cursor is the map of file key -> version (mtime+size locally, ETag on S3) seen at the last tick, so a
re-evaluation requests nothing and a corrected re-upload of the same key is seen as changed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Callable, Iterable

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


def digest(files: dict[str, str]) -> str:
    """A short stable digest of file versions, for run keys."""
    return hashlib.sha1(json.dumps(sorted(files.items())).encode()).hexdigest()[:12]
