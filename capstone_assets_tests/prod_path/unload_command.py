"""Redshift's `UNLOAD ('select ...') TO 's3://prefix/' ... FORMAT AS PARQUET [PARTITION BY (cols)]`, emulated.

The query runs on the caller's connection (inside its transaction); its rows are written with pyarrow in
Redshift's layout: `prefix/0000_part_00.parquet`, or `prefix/col=value/.../0000_part_00.parquet` with
PARTITION BY (partition columns left out of the files, as Redshift does without INCLUDE; NULL partition
values as `__HIVE_DEFAULT_PARTITION__`). As on Redshift, UNLOAD refuses a destination that already holds
files unless ALLOWOVERWRITE or CLEANPATH is given (CLEANPATH removes them first), writes nothing for an
empty result, and sets PG_LAST_UNLOAD_COUNT().
"""

from __future__ import annotations

import datetime as dt
import decimal
import io
import re
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.parquet as pq

from capstone_assets_tests.prod_path.copy_command import split_uri
from capstone_assets_tests.prod_path.copy_parser import IAM_ROLE_ARN, CopyEmulationError, identifier, tokens, unquote_string

NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
# PostgreSQL type OIDs -> the Parquet types Redshift's UNLOAD writes
ARROW_TYPES = {16: pa.bool_(), 20: pa.int64(), 21: pa.int16(), 23: pa.int32(), 700: pa.float32(), 701: pa.float64(),
               1043: pa.string(), 25: pa.string(), 1042: pa.string(), 1082: pa.date32(), 1114: pa.timestamp("us"),
               1184: pa.timestamp("us", tz="UTC")}
NUMERIC_OID = 1700


@dataclass
class UnloadCommand:
    query: str
    destination: str
    partition_by: list[str] = field(default_factory=list)
    include: bool = False
    allow_overwrite: bool = False
    clean_path: bool = False


def parse_unload(sql: str) -> UnloadCommand:
    words = tokens(sql)
    upper = [w.upper() for w in words]
    if upper[:2] != ["UNLOAD", "("] or words[3] != ")" or upper[4] != "TO":
        raise CopyEmulationError("UNLOAD needs ('<select>') TO 's3://...'")
    command = UnloadCommand(query=unquote_string(words[2]), destination=unquote_string(words[5]))
    position, role, parquet = 6, None, False
    while position < len(words):
        option = upper[position]
        position += 1
        if option in ("CREDENTIALS", "ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "SESSION_TOKEN"):
            raise CopyEmulationError(f"{option}: access keys in SQL; the project must unload with IAM_ROLE only")
        if option == "IAM_ROLE":
            role = unquote_string(words[position]) if words[position].startswith("'") else words[position]
            if role.upper() != "DEFAULT" and not IAM_ROLE_ARN.match(role):
                raise CopyEmulationError(f"IAM_ROLE {role!r} is not an IAM role ARN (or DEFAULT)")
            position += 1
        elif option == "FORMAT":
            if upper[position] == "AS":
                position += 1
            parquet = upper[position] == "PARQUET"
            if not parquet:
                raise CopyEmulationError(f"UNLOAD FORMAT {words[position]} is not emulated")
            position += 1
        elif option == "PARQUET":
            parquet = True
        elif option == "PARTITION":
            if upper[position] != "BY" or words[position + 1] != "(":
                raise CopyEmulationError("PARTITION BY needs (columns)")
            end = words.index(")", position)
            command.partition_by = [identifier(w) for w in words[position + 2:end] if w != ","]
            position = end + 1
            if position < len(words) and upper[position] == "INCLUDE":
                command.include, position = True, position + 1
        elif option == "ALLOWOVERWRITE":
            command.allow_overwrite = True
        elif option == "CLEANPATH":
            command.clean_path = True
        elif option == "REGION":
            position += 2 if upper[position] == "AS" else 1
        elif option in ("PARALLEL", "MAXFILESIZE"):
            position += 1
            if option == "MAXFILESIZE" and position < len(words) and upper[position] in ("MB", "GB"):
                position += 1
        else:
            raise CopyEmulationError(f"UNLOAD option {option} is not emulated")
    if role is None or not parquet:
        raise CopyEmulationError("UNLOAD needs IAM_ROLE and FORMAT AS PARQUET here")
    return command


def _arrow_type(type_code: int, values: list) -> pa.DataType:
    if type_code == NUMERIC_OID:
        scale = max((-v.as_tuple().exponent for v in values if isinstance(v, decimal.Decimal)), default=0)
        return pa.decimal128(38, max(scale, 0))
    if type_code not in ARROW_TYPES:
        raise CopyEmulationError(f"UNLOAD emulation has no Parquet type for PostgreSQL type oid {type_code}")
    return ARROW_TYPES[type_code]


def _partition_text(value) -> str:
    if value is None:
        return NULL_PARTITION
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def write_parquet(command: UnloadCommand, names: list[str], type_codes: list[int], rows: list[tuple], s3) -> int:
    bucket, prefix = split_uri(command.destination)
    existing = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("KeyCount", 0)
    if existing and command.clean_path:
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        for page in pages:
            for item in page.get("Contents", []):
                s3.delete_object(Bucket=bucket, Key=item["Key"])
    elif existing and not command.allow_overwrite:
        raise CopyEmulationError(f"Specified unload destination on S3 is not empty. Consider using a different bucket "
                                 f"/ prefix, manually removing the target files in S3, or using the ALLOWOVERWRITE "
                                 f"option. ({command.destination})")
    unknown = [c for c in command.partition_by if c not in names]
    if unknown:
        raise CopyEmulationError(f"PARTITION BY column(s) {unknown} are not in the query's columns {names}")
    part_index = [names.index(c) for c in command.partition_by]
    kept = [i for i in range(len(names)) if command.include or i not in part_index]
    groups: dict[tuple, list[tuple]] = {}
    for row in rows:
        groups.setdefault(tuple(_partition_text(row[i]) for i in part_index), []).append(row)
    for values, members in sorted(groups.items()):
        schema = pa.schema([(names[i], _arrow_type(type_codes[i], [r[i] for r in members])) for i in kept])
        table = pa.table({names[i]: pa.array([r[i] for r in members], type=schema.field(names[i]).type) for i in kept},
                         schema=schema)
        folder = "".join(f"{c}={re.sub(r'[/=]', '_', v)}/" for c, v in zip(command.partition_by, values))
        sink = io.BytesIO()
        pq.write_table(table, sink)
        s3.put_object(Bucket=bucket, Key=f"{prefix}{folder}0000_part_00.parquet", Body=sink.getvalue())
    return len(rows)
