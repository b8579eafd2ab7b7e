"""The end-to-end scenario, shared by the emulated run and the opt-in live run: the same lake files through
DuckDB (local) and through the production path, then every table, check result and export compared.

A table is compared by an order-independent checksum of its rows: each row is normalised to text (decimals
without trailing zeros, floats to 9 significant digits, timestamps to microseconds in ISO form, booleans as
true/false, NULL as a marker) and hashed; the table's checksum is the sorted multiset of those hashes. Audit
and load-time columns (the `capstone` schema's tables, `_loaded_at`-style columns) are left out.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import io
import math
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from capstone_assets.flights.generator import generate as generate_flights
from capstone_assets.learning.generator import generate as generate_learning
from capstone_assets.sparkify.generator import generate as generate_sparkify
from capstone_assets.stedi.generator import generate as generate_stedi

GROUPS = ("learning", "sparkify", "flights", "stedi")
SKIPPED_SCHEMAS = ("capstone",)  # audit trail: run ids and load times differ by nature
LOAD_TIME_COLUMNS = ("_loaded_at", "loaded_at", "recorded_at", "started_at", "finished_at", "failed_at")
LEARNING_SCALE = 0.01


def build_lake(root: Path, datasets: Path | None) -> Path:
    """A local lake folder: generated learning data (3 degrees x 12 months) and the real sample files of
    sparkify, flights and stedi in the layout the project reads (generated ones where the samples are absent)."""
    root.mkdir(parents=True, exist_ok=True)
    generate_learning(root, scale=LEARNING_SCALE, seed=13)
    if datasets is None:
        generate_sparkify(root, scale=0.03, seed=7)
        generate_flights(root, scale=0.02, seed=5)
        generate_stedi(root, scale=0.02, seed=3)
    else:
        shutil.copytree(datasets / "sparkify", root / "sparkify", ignore=shutil.ignore_patterns("_history"))
        (root / "flights" / "uploads").mkdir(parents=True)
        for name in ("airlines.csv", "airports.csv"):
            shutil.copy(datasets / "flights" / name, root / "flights" / name)
        shutil.copy(datasets / "flights" / "flights.csv", root / "flights" / "uploads" / "flights.csv")
        for entity in ("customer", "accelerometer", "step_trainer"):
            shutil.copytree(datasets / "stedi" / entity / "landing", root / "stedi" / entity / "landing")
    return root


def normalise(value) -> str:
    if value is None:
        return "\x00NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return format(value, ".9g")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _number_text(value) -> str:
    """Integers and integral decimals/floats compare equal across engines (SUM over INTEGER is BIGINT on one,
    DECIMAL on the other)."""
    if isinstance(value, (decimal.Decimal, float)) and not isinstance(value, bool):
        if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
            return normalise(value)
        if value == int(value):
            return str(int(value))
        return format(float(value), ".9g")
    return normalise(value)


def checksum(rows) -> tuple[int, str]:
    digests = sorted(hashlib.md5("\x1f".join(_number_text(v) for v in row).encode("utf-8", "surrogatepass"))
                     .hexdigest() for row in rows)
    return len(digests), hashlib.md5("".join(digests).encode()).hexdigest()


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    columns: tuple[str, ...]


def tables_of(warehouse) -> list[Table]:
    """Every table and view of the four groups, with its compared columns (load-time columns left out)."""
    found = warehouse.query(
        "SELECT table_schema, table_name, column_name FROM information_schema.columns "
        "WHERE table_schema IN ('learning', 'sparkify', 'flights', 'stedi') ORDER BY table_schema, table_name, "
        "ordinal_position")
    grouped: dict[tuple[str, str], list[str]] = {}
    for schema, table, column in found:
        if column not in LOAD_TIME_COLUMNS:
            grouped.setdefault((schema, table), []).append(column)
    return [Table(s, t, tuple(c)) for (s, t), c in sorted(grouped.items()) if not t.startswith("_")]


def table_checksums(warehouse) -> dict[str, tuple[int, str]]:
    sums = {}
    for table in tables_of(warehouse):
        columns = ", ".join(f'"{c}"' for c in table.columns)
        sums[f"{table.schema}.{table.name}"] = checksum(
            warehouse.query(f'SELECT {columns} FROM "{table.schema}"."{table.name}"'))
    return sums


def check_results(report) -> dict[str, tuple[int, tuple[str, ...], tuple[str, ...]]]:
    return {name: (o.checks_passed, tuple(sorted(o.checks_failed)), tuple(sorted(o.checks_warned)))
            for name, o in sorted(report.assets.items())}


def parquet_exports(lake, folder: str) -> dict[str, tuple[int, str]]:
    """Each partition folder of the export under `folder` -> checksum of its rows. File names and the version
    folder (`v<timestamp>/`) differ by engine and run, so only the partition path (`year=2018/month=11`) counts."""
    by_partition: dict[str, list] = {}
    for item in lake.list(folder):
        if not item.key.endswith(".parquet"):
            continue
        parts = item.key[len(folder):].split("/")[:-1]
        partition = "/".join(p for p in parts if "=" in p)
        table = pq.read_table(io.BytesIO(lake.read_bytes(item.key)))
        by_partition.setdefault(partition, []).extend(tuple(r.values()) for r in table.to_pylist())
    return {partition: checksum(rows) for partition, rows in sorted(by_partition.items())}


def duckdb_tables(path: Path) -> list[str]:
    with duckdb.connect(str(path), read_only=True) as connection:
        return [f"{s}.{t}" for s, t in connection.execute(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema IN "
            "('learning', 'sparkify', 'flights', 'stedi') ORDER BY 1, 2").fetchall()]
