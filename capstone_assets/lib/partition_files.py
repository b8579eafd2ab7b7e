"""Which lake files are a partition's: the one rule both the sensors and the loads use.

A staged table's `path` pattern (`learning/{degree}/{year}/{month}/video_log.csv`, or a folder such as
`sparkify/log_data/{year}/{mm}/`) names its files. A file is the partition's when its key is exactly what the
pattern gives for that partition (so `.../2019/01/...` is not January's `.../2019/1/...`), optionally
compressed (`.gz`), and it is not a stray: a hidden or `._*` file, an editor's temporary file (`~$x.csv`,
`.x.swp`, `x.csv~`), an unfinished copy (`.partial`), a zero-byte file, or a file in a subfolder (`backup/`)
of a folder pattern that does not declare `subfolders`. Strays are refused by name, never loaded.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import Any, Iterable

from capstone_assets.lib.partitions import path_fields
from capstone_assets.resources.lake import LakeObject

COMPRESSED = ".gz"
PLACEHOLDERS = {"degree": r"[a-z_][a-z0-9_]{0,62}", "year": r"\d{4}", "month": r"\d{1,2}", "mm": r"\d{2}",
                "yyyy_mm": r"\d{4}-\d{2}"}
TEMPORARY_SUFFIXES = ("~", ".swp", ".swx", ".tmp", ".partial", ".crdownload")


@dataclass(frozen=True)
class FileRule:
    """Where a table's files are (the `StageSpec` fields of the same names); sensors use it without a whole spec."""

    path: str
    suffix: str = ""
    alternative_paths: tuple[str, ...] = ()
    subfolders: bool = False


def file_rule(spec) -> FileRule:
    return FileRule(spec.path, spec.suffix, tuple(spec.alternative_paths), spec.subfolders)


@dataclass(frozen=True)
class Refused:
    key: str
    reason: str

    def __str__(self) -> str:
        return f"{self.key} ({self.reason})"


def stray_reason(obj: LakeObject) -> str | None:
    """Why a file is no data file whatever its place, or None."""
    name = obj.key.rsplit("/", 1)[-1]
    if name.startswith("._"):
        return "a macOS resource fork ('._' file)"
    if name.startswith("~$") or name.endswith(TEMPORARY_SUFFIXES) or name.startswith(".") and name.endswith(".swp"):
        return "an editor's or a copy's temporary file"
    if name.startswith("."):
        return "a hidden file"
    if obj.size == 0:
        return "zero bytes (still being written?)"
    return None


@functools.lru_cache(maxsize=None)  # a handful of table paths, matched against every file listed
def _pattern(path: str) -> re.Pattern:
    parts = re.split(r"\{(\w+)\}", path)
    regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>{PLACEHOLDERS[part]})" for i, part in enumerate(parts))
    return re.compile(regex)


def _values(groups: dict[str, str]) -> dict[str, Any] | None:
    values: dict[str, Any] = {}
    if "degree" in groups:
        values["degree"] = groups["degree"]
    month = groups.get("month") or groups.get("mm")
    if "yyyy_mm" in groups:
        year, month = groups["yyyy_mm"].split("-")
        groups = {**groups, "year": year}
    if "year" in groups:
        try:
            values["month"] = dt.date(int(groups["year"]), int(month), 1)
        except (TypeError, ValueError):
            return None
    return values


def match(spec, key: str) -> tuple[dict[str, Any], str] | None:
    """(the partition's values, the pattern it matched) if `key` sits where `spec` reads its files, else None. The
    key must be exactly what the pattern gives for those values (no `01` for a `{month}` written `1`)."""
    for path in (spec.path, *spec.alternative_paths):
        found = _pattern(path).match(key)
        if not found:
            continue
        values = _values(found.groupdict())
        if values is None or path.format(**path_fields(values)) != key[:found.end()]:
            continue
        return values, path
    return None


def _place_reason(spec, path: str, key: str) -> str | None:
    rest = key[len(_pattern(path).match(key).group(0)):]
    if not path.endswith("/"):
        return None if rest in ("", COMPRESSED) else f"not {path!r} (the table's file name)"
    if "/" in rest and not getattr(spec, "subfolders", False):
        return f"in subfolder {rest.rsplit('/', 1)[0]}/ (only files directly in the folder are loaded)"
    if not (rest.endswith(spec.suffix) or rest.endswith(spec.suffix + COMPRESSED)):
        return f"does not end in {spec.suffix!r} or {spec.suffix + COMPRESSED!r}"
    return None


def classify(spec, obj: LakeObject) -> tuple[dict[str, Any] | None, str | None, str | None]:
    """(partition values, or None when the file is not where the table reads; the pattern it matched; the reason
    it is refused, or None)."""
    found = match(spec, obj.key)
    if found is None:
        return None, None, None
    values, path = found
    return values, path, stray_reason(obj) or _place_reason(spec, path, obj.key)


def partition_files(spec, objects: Iterable[LakeObject], partition: dict[str, Any]
                    ) -> tuple[tuple[LakeObject, ...], tuple[Refused, ...]]:
    """The partition's files among `objects` (in key order), and the files in its place that are refused. Of
    a table's alternative names the first present wins; files under the others are refused by name."""
    by_path: dict[str, list[LakeObject]] = {}
    refused = []
    for obj in sorted(objects, key=lambda o: o.key):
        values, path, reason = classify(spec, obj)
        if values != partition:
            continue
        (refused.append(Refused(obj.key, reason)) if reason else by_path.setdefault(path, []).append(obj))
    chosen = next((path for path in (spec.path, *spec.alternative_paths) if by_path.get(path)), None)
    for path, files in by_path.items():
        if path != chosen:
            refused += [Refused(o.key, f"another name of the table's file; {chosen!r} is loaded instead") for o in files]
    accepted = by_path.get(chosen, [])
    if chosen is not None and not chosen.endswith("/") and len(accepted) > 1:  # `x.csv` and `x.csv.gz`: which one?
        keys = [o.key for o in accepted]
        return (), tuple(refused) + tuple(Refused(k, f"{' and '.join(keys)} are both there: keep one") for k in keys)
    return tuple(accepted), tuple(refused)


def listing_prefixes(spec, partition: dict[str, Any]) -> list[str]:
    """The lake folders to list for a partition's files."""
    prefixes = []
    for path in (spec.path, *spec.alternative_paths):
        key = path.format(**path_fields(partition))
        prefixes.append(key if key.endswith("/") else key.rsplit("/", 1)[0] + "/")
    return list(dict.fromkeys(prefixes))
