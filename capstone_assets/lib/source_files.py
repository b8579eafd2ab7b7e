"""Inspect lake files before any write: schema drift, empty files, malformed JSON, data-row counts.

Everything here reads the file itself, independently of the engine that later loads it, so its
row count is a fair reference for the `row_count_matches_source` check.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Mapping, Sequence

from capstone_assets.lib.csv_records import CsvParseError, count_records, open_data
from capstone_assets.resources.lake import Lake
from capstone_assets.resources.warehouse import LoadError


def csv_data_rows(lake: Lake, key: str, expected: Sequence[str]) -> int:
    """Validate the header against `expected` (by name, case-insensitive) and count the data records (a quoted
    field may span lines; blank lines are no records)."""
    with lake.local_file(key) as path, open_data(path) as handle:
        first = handle.readline()
        if not first.strip():
            raise LoadError(f"{key}: the file is empty (no header line); nothing was loaded")
        if b"\r" in first.rstrip(b"\r\n"):
            raise LoadError(f"{key}, line 1: a bare carriage return (old Mac line endings?): save the file with LF "
                            "or CRLF line breaks; nothing was loaded")
        try:
            header = next(csv.reader([first.decode("utf-8-sig")]))
        except UnicodeDecodeError as error:
            raise LoadError(f"{key}, line 1: header is not valid UTF-8 ({error.reason} at byte {error.start})") from None
        check_header(key, [h.strip().lower() for h in header], [e.lower() for e in expected])
        try:
            rows = count_records(handle)
        except CsvParseError as error:
            raise LoadError(f"{key}, {error}; nothing was loaded") from None
    if rows == 0:
        raise LoadError(f"{key}: header only, no data rows; refusing to replace existing rows with an empty load")
    return rows


def check_header(key: str, found: list[str], expected: list[str]) -> None:
    if found == expected:
        return
    duplicates = sorted({c for c in found if found.count(c) > 1})
    missing = [c for c in expected if c not in found]
    extra = [c for c in found if c not in expected]
    if duplicates:
        problem = f"duplicate column(s) {duplicates}"
    elif missing and extra:
        problem = f"missing column(s) {missing} and unexpected column(s) {extra} (renamed?)"
    elif missing:
        problem = f"missing column(s) {missing}"
    elif extra:
        problem = f"unexpected new column(s) {extra}"
    else:
        moved = [c for c, e in zip(found, expected) if c != e]
        problem = f"columns reordered (first out of place: {moved[0]!r}); expected order {expected}"
    raise LoadError(f"{key}, line 1: schema drift: {problem}; nothing was loaded")


def json_data_rows(lake: Lake, key: str, fields: Mapping[str, bool], one_object_per_file: bool) -> int:
    """Parse every record; reject unknown or missing required fields naming file, line and field.

    `fields` maps each field name to whether it is required.
    """
    with lake.local_file(key) as path:
        if one_object_per_file:
            _check_record(key, 1, _parse(key, 1, Path(path).read_bytes()), fields)
            return 1
        rows = 0
        with open(path, "rb") as handle:
            for number, raw in enumerate(handle, start=1):
                if raw.strip():
                    # without its line break, so an unterminated record is reported on its own line
                    _check_record(key, number, _parse(key, number, raw.rstrip(b"\r\n")), fields)
                    rows += 1
    if rows == 0:
        raise LoadError(f"{key}: the file holds no JSON records; refusing to replace existing rows with an empty load")
    return rows


def _parse(key: str, line: int, raw: bytes):
    try:
        return json.loads(raw)
    except UnicodeDecodeError as error:
        raise LoadError(f"{key}, line {line}: not valid UTF-8 ({error.reason} at byte {error.start})") from None
    except json.JSONDecodeError as error:
        line_no = line + error.lineno - 1
        raise LoadError(f"{key}, line {line_no}, column {error.colno}: malformed JSON: {error.msg}") from None


def _check_record(key: str, line: int, record, fields: Mapping[str, bool]) -> None:
    if not isinstance(record, dict):
        raise LoadError(f"{key}, line {line}: expected a JSON object, found {type(record).__name__}")
    unknown = [name for name in record if name not in fields]
    if unknown:
        raise LoadError(f"{key}, line {line}: schema drift: unexpected field(s) {unknown}; expected {sorted(fields)}")
    missing = [name for name, required in fields.items() if required and record.get(name) is None]
    if missing:
        raise LoadError(f"{key}, line {line}: required field(s) {missing} missing or null")
