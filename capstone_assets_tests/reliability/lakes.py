"""Small hand-written lakes for the fault tests, and the reads that judge the outcome.

Expected values are computed here from the rows the test writes, never from the code under test.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Iterable, Sequence

from capstone_assets.learning.generator import FACT_COLUMNS
from capstone_assets.learning.specs import stage_specs
from capstone_assets.lib.loading import PartitionLoad, load_partition
from capstone_assets.lib.specs import StageSpec
from capstone_assets.resources import build_resources
from capstone_assets.settings import Settings

DEGREE = "data_science"
JANUARY = dt.date(2019, 1, 1)
FEBRUARY = dt.date(2019, 2, 1)


def spec_for(settings: Settings, table: str) -> StageSpec:
    return {spec.name: spec for spec in stage_specs(settings)}[table]


def fact_key(name: str, month: dt.date = JANUARY, degree: str = DEGREE) -> str:
    return f"learning/{degree}/{month.year}/{month.month}/{name}.csv"


def csv_text(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def video_rows(count: int, month: dt.date = JANUARY, first_id: int = 1) -> list[tuple]:
    start = dt.datetime(month.year, month.month, 1, 0, 0, 1)
    return [(first_id + i, 1 + i % 7, 1 + i % 5, f"{start + dt.timedelta(minutes=i):%Y-%m-%d %H:%M:%S}", 10 + i % 50)
            for i in range(count)]


def write_video_log(lake_dir: Path, rows: Sequence[tuple], month: dt.date = JANUARY, degree: str = DEGREE) -> Path:
    return write_file(lake_dir, fact_key("video_log", month, degree), csv_text(FACT_COLUMNS["video_log"], rows))


def write_file(lake_dir: Path, key: str, content: str | bytes) -> Path:
    path = lake_dir / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def partition(month: dt.date = JANUARY, degree: str = DEGREE) -> dict:
    return {"degree": degree, "month": month}


def load(settings: Settings, table: str = "stg_video_log", month: dt.date = JANUARY, degree: str = DEGREE,
         run_id: str = "test-run", spec: StageSpec | None = None) -> PartitionLoad:
    """One partition load through the real path (find, inspect, atomic load, audit)."""
    resources = build_resources(settings)
    spec = spec or spec_for(settings, table)
    warehouse = resources["warehouse"]
    with warehouse.session():  # as the staged asset does: one connection for the whole load
        warehouse.ensure_table(spec.group, spec.name)
        return load_partition(spec, partition(month, degree), resources["lake"], warehouse, run_id)


def checksum_sql(table: str, where: str = "1 = 1") -> str:
    """Row count plus an order-independent digest of every column of every row (DuckDB)."""
    return (f"SELECT COUNT(*), md5(COALESCE(string_agg(CAST(t AS VARCHAR), chr(10) ORDER BY CAST(t AS VARCHAR)), '')) "
            f"FROM {table} AS t WHERE {where}")
