"""A partition's small JSON files merged into a few scratch objects for Redshift, one COPY each (issue 13, defect 7).

COPY cannot tell which file a row came from, so every file used to be its own COPY: the public song data's ~15,000
one-object files took about an hour. Here each small file's records become NDJSON lines of a merged object, each
with a `_source_file` field naming the ORIGINAL key, and the record's text otherwise as the file holds it (values
are not re-rendered). The merged object's line n is `origins[n - 1]`: (original key, line there), so a load error
still names the original file and line.

A file stays on its own COPY (its errors then name it as they are) when it is big, gzipped, not UTF-8, or not
JSON objects the way this module reads them (one per line for `ndjson`, one per file for `json`), or already has a
`_source_file` field. CSV files always keep their own COPY.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Sequence

from capstone_assets.resources.lake import Lake, LakeObject
from capstone_assets.resources.warehouse import LoadRequest

SMALL_FILE_BYTES = 8 * 1024 * 1024  # files under this are merged
MERGED_OBJECT_BYTES = 128 * 1024 * 1024  # a merged object is closed before it grows past this
READ_THREADS = 8  # small S3 GETs overlap
SOURCE_FILE = "_source_file"


@dataclass(frozen=True)
class MergedObject:
    key: str  # where it was written (under the load's scratch folder)
    size: int
    origins: tuple[tuple[str, int], ...]  # line n of the object -> (original key, line in that file)


def tagged_records(data: bytes, source_key: str, one_object: bool) -> list[tuple[str, int]] | None:
    """Each record of the file as one NDJSON line carrying `_source_file`, with its line in the file; None when the
    file cannot be merged faithfully (it then keeps its own COPY)."""
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        return None
    if one_object:
        body = text.strip()
        pieces = [(text[:text.find(body)].count("\n") + 1, body)] if body else []
    else:
        pieces = [(number, line.strip()) for number, line in enumerate(text.split("\n"), start=1) if line.strip()]
    if not pieces:
        return None
    tag = "{" + json.dumps(SOURCE_FILE) + ":" + json.dumps(source_key)
    records = []
    for number, piece in pieces:
        try:
            record = json.loads(piece)
        except ValueError:
            return None
        if not isinstance(record, dict) or SOURCE_FILE in record:
            return None
        rest = piece[1:].replace("\r", " ").replace("\n", " ").lstrip()  # raw newlines occur only between tokens
        records.append((tag + ("" if rest.startswith("}") else ",") + rest, number))
    return records


def merge_small_files(request: LoadRequest, lake: Lake, folder: str) -> tuple[list[MergedObject], list[LakeObject]]:
    """Write the request's small JSON files as merged objects under `folder` (the load's scratch folder, removed
    after the load); return them and the files left to COPY one by one."""
    small = [obj for obj in request.files if request.format in ("json", "ndjson") and obj.size < SMALL_FILE_BYTES
             and not obj.key.endswith(".gz")]
    if len(small) < 2:
        return [], list(request.files)
    small_keys = {obj.key for obj in small}
    alone = [obj for obj in request.files if obj.key not in small_keys]
    with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
        contents = list(pool.map(lambda obj: lake.read_bytes(obj.key), small))
    merged: list[MergedObject] = []
    chunks: list[bytes] = []
    origins: list[tuple[str, int]] = []

    def close_object() -> None:
        key = f"{folder}merged-{len(merged):05d}.json"
        data = b"".join(chunks)
        lake.write_bytes(key, data)
        merged.append(MergedObject(key, len(data), tuple(origins)))
        chunks.clear()
        origins.clear()

    size = 0
    for obj, data in zip(small, contents):
        source_key = request.source_key(obj.key)
        records = tagged_records(data, source_key, one_object=request.format == "json")
        if records is None:
            alone.append(obj)
            continue
        lines = [(line + "\n").encode("utf-8") for line, _ in records]
        added = sum(map(len, lines))
        if chunks and size + added > MERGED_OBJECT_BYTES:
            close_object()
            size = 0
        chunks.extend(lines)
        origins.extend((source_key, number) for _, number in records)
        size += added
    if chunks:
        close_object()
    return merged, alone


def jsonpaths_with_source_file(lake: Lake, jsonpaths_key: str, folder: str) -> str:
    """A copy of the table's JSONPaths file under `folder` with `$._source_file` last (the COPY's last column)."""
    paths = json.loads(lake.read_bytes(jsonpaths_key))
    key = f"{folder}jsonpaths-with-source-file.json"
    lake.write_bytes(key, json.dumps({"jsonpaths": [*paths["jsonpaths"], f"$.{SOURCE_FILE}"]}).encode("utf-8"))
    return key


def origin(origins: Sequence[tuple[str, int]], line: int | None) -> tuple[str, int | None] | None:
    """The original (key, line) of a merged object's line, or None when the line is not one of its records."""
    if line is None or not 1 <= line <= len(origins):
        return None
    return origins[line - 1]
