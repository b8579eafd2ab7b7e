"""Strict JSON typing, and the explicitly accepted variants of a staged JSON table's files.

A `StageSpec` opts in with `json_rules=JsonRules(...)`. Every value's JSON type is then checked
against its column's declared type (from the DDL), and only the variants the rules name are accepted:
a field under another name (`timeStamp` for `timestamp`), a JSON integer where text is declared
(`"phone": 8015551212`), a float with no fraction where an integer is declared (`1655564376361.0`),
lines ending in `},`. Anything else is rejected naming file, line, field and value.

A file that used any variant is rewritten in canonical form (declared names and types, one object per
line) under a throwaway `_normalised/<id>/` prefix of the lake, and the warehouse loads that copy, so
DuckDB and Redshift load the same canonical rows; `_source_file` still names the original file.
A file that used none is loaded as it is.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import uuid
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from capstone_assets.lib.csv_records import open_data
from capstone_assets.lib.sql import Column
from capstone_assets.lib.value_rules import misfit
from capstone_assets.resources.lake import Lake, LakeObject
from capstone_assets.resources.warehouse import LoadError, RejectedRow

NORMALISED_PREFIX = "_normalised"
KINDS = {  # declared column type prefix -> the JSON kind its values must have
    "BIGINT": "integer", "INTEGER": "integer", "INT": "integer", "SMALLINT": "integer",
    "DOUBLE": "number", "REAL": "number", "FLOAT": "number", "DECIMAL": "number", "NUMERIC": "number",
    "VARCHAR": "text", "CHAR": "text", "TEXT": "text", "BOOLEAN": "boolean",
    "DATE": "date", "TIMESTAMP": "timestamp",  # JSON text that must fit exactly (lib/value_rules)
}


@dataclass(frozen=True)
class JsonRules:
    """The known variants of a table's JSON files, each accepted by name; field names as in the file."""

    aliases: Mapping[str, str] = field(default_factory=dict)  # variant field name -> declared field name
    numbers_as_text: tuple[str, ...] = ()  # text fields that may arrive as JSON integers
    integral_floats: tuple[str, ...] = ()  # integer fields that may arrive as floats with no fraction
    strip_trailing_comma: bool = False  # lines may end in "}," (array elements written one per line)


@dataclass(frozen=True)
class FieldRule:
    name: str
    required: bool
    kind: str | None  # integer | number | text | boolean | date | timestamp; None: any JSON value
    column: Column | None = None  # the declared column, for the exact-fit rules of dates and timestamps
    utc_offsets: bool = False  # timestamps may carry a UTC offset and are converted to UTC


def json_kind(column_type: str) -> str | None:
    upper = column_type.upper()
    return next((kind for prefix, kind in KINDS.items() if upper.startswith(prefix)), None)


def _value(key: str, line: int, rule: FieldRule, value, rules: JsonRules):
    """The value in its declared kind, converted only by a rule that names this field."""
    if value is None or rule.kind is None:
        return value
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if is_number and not math.isfinite(value):
        raise _misfit(key, line, rule, f"{json.dumps(value)} is not a finite number")
    if rule.kind in ("date", "timestamp") and isinstance(value, str) and rule.column is not None:
        if reason := misfit(value, rule.column, rule.utc_offsets):
            raise _misfit(key, line, rule, reason)
        return _utc(value) if rule.kind == "timestamp" and rule.utc_offsets else value
    if rule.kind == "text" and isinstance(value, str) or rule.kind == "boolean" and isinstance(value, bool):
        return value
    if rule.kind == "number" and is_number or rule.kind == "integer" and is_number and isinstance(value, int):
        return value
    if rule.kind == "integer" and isinstance(value, float) and value.is_integer() and rule.name in rules.integral_floats:
        return int(value)
    if rule.kind == "text" and is_number and isinstance(value, int) and rule.name in rules.numbers_as_text:
        return str(value)
    expected = f"text holding a {rule.kind}" if rule.kind in ("date", "timestamp") else f"a JSON {rule.kind}"
    raise _misfit(key, line, rule, f"expected {expected}, found {type(value).__name__} {json.dumps(value)[:80]}")


def _misfit(key: str, line: int, rule: FieldRule, reason: str) -> LoadError:
    error = LoadError(f"{key}, line {line}, field {rule.name!r}: {reason}; nothing was loaded")
    error.column = rule.name
    return error


def _utc(value: str) -> str:
    """A timestamp with an optional UTC offset as UTC text (no offset: already UTC)."""
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return moment.isoformat(sep=" ")


def _record(key: str, line: int, record, rules_by_name: Mapping[str, FieldRule], rules: JsonRules) -> dict:
    if not isinstance(record, dict):
        raise LoadError(f"{key}, line {line}: expected a JSON object, found {type(record).__name__}")
    canonical = {}
    for name, value in record.items():
        declared = rules.aliases.get(name, name)
        if declared not in rules_by_name:
            raise LoadError(f"{key}, line {line}: schema drift: unexpected field {name!r}; expected "
                            f"{sorted(rules_by_name)}" + (f" (accepted aliases: {dict(rules.aliases)})" if rules.aliases else ""))
        if declared in canonical:
            raise LoadError(f"{key}, line {line}, field {declared!r}: given twice (as {declared!r} and an alias)")
        canonical[declared] = _value(key, line, rules_by_name[declared], value, rules)
    missing = [r.name for r in rules_by_name.values() if r.required and canonical.get(r.name) is None]
    if missing:
        raise LoadError(f"{key}, line {line}: required field(s) {missing} missing or null")
    return canonical


def inspect_json_file(lake: Lake, key: str, fields: Sequence[FieldRule], rules: JsonRules,
                      one_object_per_file: bool = False) -> tuple[int, bytes | None]:
    """Validate every record; return its count and, if any record used a variant, the canonical NDJSON."""
    rules_by_name = {f.name: f for f in fields}
    lines, changed = [], False
    with lake.local_file(key) as path, open_data(path) as handle:
        raw_records = [(1, handle.read())] if one_object_per_file else enumerate(handle, start=1)
        for number, raw in raw_records:
            text = raw.strip()
            if not text:
                continue
            if rules.strip_trailing_comma and text.endswith(b"},"):
                text, changed = text[:-1], True
            try:
                record = json.loads(text)
                canonical = json.dumps(_record(key, number, record, rules_by_name, rules), separators=(",", ":"))
            except UnicodeDecodeError as error:
                raise _rejected(LoadError(f"{key}, line {number}: not valid UTF-8 ({error.reason} at byte "
                                          f"{error.start})"), key, number, raw) from None
            except json.JSONDecodeError as error:
                hint = "" if rules.strip_trailing_comma or not text.endswith(b"},") else \
                    " (no rule accepts lines ending in '},' for this table)"
                raise _rejected(LoadError(f"{key}, line {number + error.lineno - 1}, column {error.colno}: malformed "
                                          f"JSON: {error.msg}{hint}"), key, number + error.lineno - 1, raw) from None
            except LoadError as error:
                raise _rejected(error, key, number, raw) from None
            changed = changed or canonical != json.dumps(record, separators=(",", ":"))
            lines.append(canonical)
    if not lines:
        raise LoadError(f"{key}: the file holds no JSON records; refusing to replace existing rows with an empty load")
    return len(lines), ("\n".join(lines) + "\n").encode("utf-8") if changed else None


def _rejected(error: LoadError, key: str, line: int, raw: bytes) -> LoadError:
    """The refused record as a rejected row (file, line, field, reason, raw text), for `capstone.rejected_rows`."""
    reason = str(error).split(": ", 1)[-1].removesuffix("; nothing was loaded")
    row = RejectedRow(file=key, line=line, column=getattr(error, "column", None), reason=reason,
                      raw=raw.decode("utf-8", errors="replace").strip()[:60000])
    return LoadError(str(error), [row])


@dataclass(frozen=True)
class PreparedFiles:
    rows: int
    files: tuple[LakeObject, ...]  # what the warehouse loads: the originals, or canonical copies
    source_keys: dict[str, str]  # canonical copy's key -> original key
    scratch_prefix: str | None  # delete after the load


def prepare_json_files(lake: Lake, files: Sequence[LakeObject], fields: Sequence[FieldRule], rules: JsonRules,
                       one_object_per_file: bool = False) -> PreparedFiles:
    scratch = f"{NORMALISED_PREFIX}/{uuid.uuid4().hex}/"
    rows, load_files, source_keys = 0, [], {}
    for obj in files:
        count, canonical = inspect_json_file(lake, obj.key, fields, rules, one_object_per_file)
        rows += count
        if canonical is None:
            load_files.append(obj)
            continue
        copy_key = scratch + obj.key.removesuffix(".gz")  # the copy is written uncompressed
        lake.write_bytes(copy_key, canonical)
        load_files.append(LakeObject(copy_key, len(canonical), obj.version))
        source_keys[copy_key] = obj.key
    return PreparedFiles(rows, tuple(load_files), source_keys, scratch if source_keys else None)
