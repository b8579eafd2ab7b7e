"""Redshift's rule that CHAR(n) and VARCHAR(n) hold n BYTES (not characters), for the engine that does not have it.

Redshift's COPY rejects a row whose text does not fit its column's bytes ("String length exceeds DDL length");
DuckDB ignores the length. The DuckDB load removes such rows after inserting (`too_long_condition`), and this
module finds them in the loaded files, with line and column, so both engines reject the same rows.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Iterator, Mapping, Sequence

from capstone_assets.lib.sql import Column, ident

DEFAULT_VARCHAR_BYTES = 256  # VARCHAR, TEXT and CHARACTER VARYING without a length, on Redshift
MAX_VARCHAR_BYTES = 65535
LENGTH = re.compile(r"^(VARCHAR|CHARACTER VARYING|NVARCHAR|TEXT|CHAR|CHARACTER|NCHAR|BPCHAR)(\s*\(\s*(\d+|MAX)\s*\))?$",
                    re.IGNORECASE)
REASON = "String length exceeds DDL length: {size} bytes in {type}"


def byte_limit(column: Column) -> int | None:
    """The bytes a text column holds on Redshift; None for other types."""
    match = LENGTH.match(column.redshift_type.strip())
    if not match:
        return None
    if match.group(3):
        return MAX_VARCHAR_BYTES if match.group(3).upper() == "MAX" else int(match.group(3))
    return 1 if match.group(1).upper() in ("CHAR", "CHARACTER", "NCHAR", "BPCHAR") else DEFAULT_VARCHAR_BYTES


def limits(columns: Sequence[Column], names: Sequence[str]) -> dict[str, int]:
    by_name = {column.name: column for column in columns}
    return {name: limit for name in names if (limit := byte_limit(by_name[name])) is not None}


def too_long_condition(limits_: Mapping[str, int]) -> str | None:
    """DuckDB SQL true for a row with a value longer than its column's bytes (`strlen` counts bytes)."""
    return " OR ".join(f"strlen({ident(name)}) > {limit}" for name, limit in limits_.items()) or None


def _size(value) -> int | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = value if isinstance(value, str) else json.dumps(value)
    return len(text.encode("utf-8"))


def _csv_records(path: Path) -> Iterator[tuple[int, list[str]]]:
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader, None)  # the header
        start = reader.line_num + 1
        for fields in reader:
            yield start, fields
            start = reader.line_num + 1


def _json_records(path: Path, one_object_per_file: bool) -> Iterator[tuple[int, dict]]:
    text = Path(path).read_text(encoding="utf-8")
    if one_object_per_file:  # Redshift names the last line of the object
        yield len(text.rstrip().splitlines()) or 1, json.loads(text)
        return
    for number, line in enumerate(io.StringIO(text), start=1):
        line = line.strip().rstrip(",")
        if line:
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(record, dict):
                yield number, record


def _field(record: dict, name: str):
    """A JSON field by name, else case-insensitively (COPY's 'auto ignorecase')."""
    if name in record:
        return record[name]
    return next((value for key, value in record.items() if key.lower() == name.lower()), None)


def locate_too_long(path: Path, key: str, format_: str, file_fields: Sequence[tuple[str, str]],
                    limits_: Mapping[str, int], columns: Sequence[Column]) -> list:
    """Each record of the file with a value longer than its column's bytes: (line, column, reason), first column
    that does not fit."""
    types = {column.name: column.redshift_type for column in columns}
    found = []
    if format_ == "csv":
        positions = {column: index for index, (column, _) in enumerate(file_fields)}
        records = ((line, {column: fields[i] if i < len(fields) else None for column, i in positions.items()})
                   for line, fields in _csv_records(path))
    else:
        records = ((line, {column: _field(record, field) for column, field in file_fields})
                   for line, record in _json_records(path, format_ == "json"))
    for line, values in records:
        for column, limit in limits_.items():
            size = _size(values.get(column))
            if size is not None and size > limit:
                found.append((line, column, REASON.format(size=size, type=types[column])))
                break
    return found
