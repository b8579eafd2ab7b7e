"""Redshift's `COPY ... FROM 's3://...'`, emulated over moto's S3 for the proxy connection.

The statement is read by copy_parser.py (the options understood; anything else fails loudly). Rows are converted
by Redshift's rules (values.py) and inserted into the target through the caller's own connection, inside its
transaction. Rejected rows go to the emulated load-error log; more of them than MAXERROR fail the statement on the
server itself.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from dataclasses import dataclass
from typing import Iterator

from capstone_assets_tests.prod_path.copy_parser import CopyCommand, CopyEmulationError
from capstone_assets_tests.prod_path.values import ColumnType, ConversionError, convert


@dataclass(frozen=True)
class RejectedLine:
    file: str
    line: int
    column: ColumnType | None
    position: int
    code: int
    message: str
    raw_line: str
    raw_value: str | None


@dataclass
class CopyResult:
    rows: list[list[str | None]]
    rejected: list[RejectedLine]
    files: list[str]


def split_uri(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://"):
        raise CopyEmulationError(f"{uri!r} is not an s3:// URI")
    bucket, _, key = uri[5:].partition("/")
    return bucket, key


def source_files(command: CopyCommand, s3) -> list[str]:
    bucket, key = split_uri(command.source)
    if command.manifest:
        try:
            manifest = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        except s3.exceptions.NoSuchKey:
            raise CopyEmulationError(f"Manifest file {command.source} not found") from None
        urls = []
        for entry in manifest["entries"]:
            if not entry["url"].startswith("s3://"):
                raise CopyEmulationError(f"manifest entry {entry['url']!r} is not a full s3:// path (error 8001)")
            if _exists(s3, entry["url"]):
                urls.append(entry["url"])
            elif entry.get("mandatory"):
                raise CopyEmulationError(f"Manifest file is missing mandatory file {entry['url']}")
        return urls
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key)
    return [f"s3://{bucket}/{o['Key']}" for page in pages for o in page.get("Contents", [])]


def _exists(s3, uri: str) -> bool:
    bucket, key = split_uri(uri)
    try:
        s3.head_object(Bucket=bucket, Key=key)
        return True
    except Exception:
        return False


def read_text(command: CopyCommand, s3, uri: str) -> str:
    bucket, key = split_uri(uri)
    data = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    if command.gzip:
        data = gzip.decompress(data)
    return data.decode("utf-8", "surrogateescape")


def csv_records(text: str, skip: int) -> Iterator[tuple[int, list[str], str]]:
    """(line number, fields, raw text) per record; quoted fields may span lines."""
    lines = text.splitlines(keepends=True)
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    previous_end = 0
    for fields in reader:
        start, previous_end = previous_end + 1, reader.line_num
        if start <= skip or not fields:
            continue
        yield start, fields, "".join(lines[start - 1:previous_end]).rstrip("\r\n")


class _Number(str):
    """A JSON number, kept as the text the file holds."""


def json_records(text: str) -> Iterator[tuple[int, object, str]]:
    """(line number of the object's last line, object, raw text) for each top-level JSON value."""
    decoder = json.JSONDecoder(parse_float=_Number, parse_int=_Number)
    position, counted, line = 0, 0, 1  # newlines are counted once, up to `counted`

    def line_at(offset: int) -> int:
        nonlocal counted, line
        line += text.count("\n", counted, offset)
        counted = offset
        return line

    while True:
        while position < len(text) and text[position] in " \t\r\n\ufeff":
            position += 1
        if position >= len(text):
            return
        try:
            value, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            newline = text.find("\n", position)
            yield line_at(error.pos), error, text[position:newline if newline >= 0 else None]
            return
        yield line_at(max(end - 1, position)), value, text[position:end]
        position = end


JSONPATH_PART = re.compile(r"""\.([A-Za-z_][\w]*)|\[\s*'((?:[^']|\\')*)'\s*\]|\[\s*"([^"]*)"\s*\]|\[\s*(\d+)\s*\]""")


def parse_jsonpath(path: str) -> list[str | int]:
    if not path.startswith("$"):
        raise CopyEmulationError(f"Invalid JSONPath format: {path!r}")
    parts, position = [], 1
    while position < len(path):
        match = JSONPATH_PART.match(path, position)
        if not match:
            raise CopyEmulationError(f"Invalid JSONPath format: {path!r}")
        name, single, double, index = match.groups()
        parts.append(int(index) if index is not None else (name or single or double))
        position = match.end()
    return parts


def _follow(value, path: list[str | int]):
    for part in path:
        if isinstance(part, int):
            value = value[part] if isinstance(value, list) and part < len(value) else None
        else:
            value = value.get(part) if isinstance(value, dict) else None
        if value is None:
            return None
    return value


def _json_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def json_extractor(command: CopyCommand, s3, columns: list[ColumnType]):
    spec = command.json_spec or "auto"
    if spec.lower() in ("auto", "auto ignorecase"):
        ignore_case = spec.lower() == "auto ignorecase"

        def extract(obj: dict) -> list:
            if ignore_case:
                lowered = {k.lower(): v for k, v in obj.items()}
                return [lowered.get(c.name.lower()) for c in columns]
            return [obj.get(c.name) for c in columns]  # 'auto' matches names exactly (columns are lower case)
        return extract
    bucket, key = split_uri(spec)
    paths = [parse_jsonpath(p) for p in json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())["jsonpaths"]]
    if len(paths) != len(columns):
        raise CopyEmulationError(f"Number of jsonpaths and the number of columns should match. JSONPath size: "
                                 f"{len(paths)}, Number of columns in table or column list: {len(columns)}")
    return lambda obj: [_follow(obj, path) for path in paths]


def run_copy(command: CopyCommand, columns: list[ColumnType], s3) -> CopyResult:
    """Read, parse and convert every row of the COPY's files: the rows to insert and the rows rejected."""
    rows, rejected = [], []
    files = source_files(command, s3)
    extract = json_extractor(command, s3, columns) if command.format == "json" else None
    for uri in files:
        text = read_text(command, s3, uri)
        if command.format == "csv":
            records = csv_records(text, command.ignore_header)
        else:
            records = json_records(text)
        for line, record, raw in records:
            try:
                if command.format == "csv":
                    values = record
                    if len(values) < len(columns):
                        raise ConversionError(1214, "Delimiter not found")
                    if len(values) > len(columns):
                        raise ConversionError(1202, "Extra column(s) found")
                else:
                    if isinstance(record, Exception):
                        raise ConversionError(1216, f"Invalid JSON: {record.msg}")
                    if not isinstance(record, dict):
                        raise ConversionError(1216, "Invalid JSONPath format: the top level is not an object")
                    values = [_json_text(v) for v in extract(record)]
            except ConversionError as error:
                rejected.append(RejectedLine(uri, line, None, 0, error.code, error.message, raw, None))
                continue
            converted, failure = [], None
            for column, raw_value in zip(columns, values):
                if command.blanks_as_null and raw_value is not None and raw_value.strip() == "":
                    raw_value = None
                try:
                    converted.append(convert(raw_value, column, command.dateformat, command.timeformat,
                                             command.empty_as_null))
                except ConversionError as error:
                    failure = RejectedLine(uri, line, column, error.position, error.code, error.message, raw, raw_value)
                    break
            if failure:
                rejected.append(failure)
            else:
                rows.append(converted)
    return CopyResult(rows, rejected, files)
