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

import json
import uuid
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from capstone_assets.resources.lake import Lake, LakeObject
from capstone_assets.resources.warehouse import LoadError

NORMALISED_PREFIX = "_normalised"
KINDS = {  # declared column type prefix -> the JSON kind its values must have
    "BIGINT": "integer", "INTEGER": "integer", "INT": "integer", "SMALLINT": "integer",
    "DOUBLE": "number", "REAL": "number", "FLOAT": "number", "DECIMAL": "number", "NUMERIC": "number",
    "VARCHAR": "text", "CHAR": "text", "TEXT": "text", "BOOLEAN": "boolean",
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
    kind: str | None  # integer | number | text | boolean; None: any JSON value


def json_kind(column_type: str) -> str | None:
    upper = column_type.upper()
    return next((kind for prefix, kind in KINDS.items() if upper.startswith(prefix)), None)


def _value(key: str, line: int, rule: FieldRule, value, rules: JsonRules):
    """The value in its declared kind, converted only by a rule that names this field."""
    if value is None or rule.kind is None:
        return value
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if rule.kind == "text" and isinstance(value, str) or rule.kind == "boolean" and isinstance(value, bool):
        return value
    if rule.kind == "number" and is_number or rule.kind == "integer" and is_number and isinstance(value, int):
        return value
    if rule.kind == "integer" and isinstance(value, float) and value.is_integer() and rule.name in rules.integral_floats:
        return int(value)
    if rule.kind == "text" and is_number and isinstance(value, int) and rule.name in rules.numbers_as_text:
        return str(value)
    raise LoadError(f"{key}, line {line}, field {rule.name!r}: expected a JSON {rule.kind}, "
                    f"found {type(value).__name__} {json.dumps(value)[:80]}; nothing was loaded")


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
    with lake.local_file(key) as path, open(path, "rb") as handle:
        raw_records = [(1, handle.read())] if one_object_per_file else enumerate(handle, start=1)
        for number, raw in raw_records:
            text = raw.strip()
            if not text:
                continue
            if rules.strip_trailing_comma and text.endswith(b"},"):
                text, changed = text[:-1], True
            try:
                record = json.loads(text)
            except UnicodeDecodeError as error:
                raise LoadError(f"{key}, line {number}: not valid UTF-8 ({error.reason} at byte {error.start})") from None
            except json.JSONDecodeError as error:
                raise LoadError(f"{key}, line {number + error.lineno - 1}, column {error.colno}: malformed JSON: "
                                f"{error.msg}" + ("" if rules.strip_trailing_comma else
                                                  " (no rule accepts lines ending in '},' for this table)")) from None
            canonical = json.dumps(_record(key, number, record, rules_by_name, rules), separators=(",", ":"))
            changed = changed or canonical != json.dumps(record, separators=(",", ":"))
            lines.append(canonical)
    if not lines:
        raise LoadError(f"{key}: the file holds no JSON records; refusing to replace existing rows with an empty load")
    return len(lines), ("\n".join(lines) + "\n").encode("utf-8") if changed else None


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
        copy_key = scratch + obj.key
        lake.write_bytes(copy_key, canonical)
        load_files.append(LakeObject(copy_key, len(canonical), obj.version))
        source_keys[copy_key] = obj.key
    return PreparedFiles(rows, tuple(load_files), source_keys, scratch if source_keys else None)
