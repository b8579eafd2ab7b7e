"""Everything the pipeline is compared with, loading the same files into the same DuckDB tables.

* the limit: one plain `read_csv` per table (all its files at once), no orchestration, no checks; and, for the
  like-for-like limit, every model then built straight from its SELECT (`CREATE TABLE ... AS`), in dependency order;
* row by row: one `INSERT ... VALUES (?, ...)` per row through a DB-API cursor (and `executemany`),
  on a subset of the biggest table, in one transaction (the kindest setting for them);
* pandas: `pandas.read_csv` per file, then an insert of the DataFrame.

Every table is created from its real DDL (`sql/<group>/<name>.sql`, through the same sqlglot translation).
"""

from __future__ import annotations

import csv
import datetime as dt
import graphlib
import time
from pathlib import Path
from typing import Sequence

import duckdb
import pandas as pd

from capstone_assets.lib.loading import find_files
from capstone_assets.lib.models import source_tables
from capstone_assets.lib.specs import ModelSpec, StageSpec
from capstone_assets.lib.sql import duckdb_string, ident, qualified, read_sql, to_dialect
from capstone_assets.resources.duckdb_warehouse import CHECKPOINT_THRESHOLD
from capstone_assets.resources.local_lake import LocalLake

# How the limit fills the columns that are not in the file, from the file's own path
# (`.../{degree}/{year}/{month}/name.csv`); the pipeline gets the same values from the partition key.
DERIVED = {
    "degree": "string_split(filename, '/')[-4]",
    "month": "make_date(CAST(string_split(filename, '/')[-3] AS INTEGER), CAST(string_split(filename, '/')[-2] AS INTEGER), 1)",
}


def _connect(path: Path, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """`memory_limit`: DuckDB's, as the pipeline sets it, with the pipeline's checkpoint threshold too (None: DuckDB's
    own settings, 80% of RAM and 16 MB). The threshold does not change the same SQL's time (measured interleaved);
    it is set so that the same SQL runs with every engine setting the pipeline makes."""
    connection = duckdb.connect(str(path))
    connection.execute("SET TimeZone = 'UTC'")
    connection.execute("SET enable_progress_bar = false")
    if memory_limit:
        connection.execute(f"SET memory_limit = {duckdb_string(memory_limit)}")
        connection.execute(f"SET checkpoint_threshold = {duckdb_string(CHECKPOINT_THRESHOLD)}")
    return connection


def create_tables(connection: duckdb.DuckDBPyConnection, specs: Sequence[StageSpec]) -> None:
    for spec in specs:
        connection.execute(f"CREATE SCHEMA IF NOT EXISTS {ident(spec.group)}")
        connection.execute(f"DROP TABLE IF EXISTS {qualified(spec.group, spec.name)}")
        connection.execute(to_dialect(read_sql(spec.group, spec.name), "duckdb"))


def _pattern(spec: StageSpec, lake: Path) -> str:
    return str(lake / spec.path.format(degree="*", year="*", month="*"))


def plain_insert(spec: StageSpec, lake: Path, files: str) -> str:
    """One INSERT ... SELECT FROM read_csv(files) into the spec's table (`files`: a glob or a path in the lake)."""
    file_names = {c.name for c in spec.file_columns}
    struct = ", ".join(f"'{spec.field_name(c.name)}': '{c.duckdb_type}'" for c in spec.file_columns)
    derived = {**DERIVED, "_source_file": f"substr(filename, {len(str(lake)) + 2})"}  # the lake key, as the pipeline stores it
    select = [ident(spec.field_name(c.name)) if c.name in file_names else derived.get(c.name, "NULL") for c in spec.columns]
    return (
        f"INSERT INTO {qualified(spec.group, spec.name)} ({', '.join(ident(c.name) for c in spec.columns)}) "
        f"SELECT {', '.join(select)} FROM read_csv('{files}', header = true, auto_detect = false, "
        f"columns = {{{struct}}}, delim = ',', quote = '\"', filename = true)"
    )


def limit_load(specs: Sequence[StageSpec], lake: Path, warehouse: Path, memory_limit: str | None = None) -> dict:
    """The fastest plain load of every staged table: its DDL, then one read_csv over all its files."""
    started = time.perf_counter()
    connection = _connect(warehouse, memory_limit)
    create_tables(connection, specs)
    rows = 0
    for spec in specs:
        rows += connection.execute(plain_insert(spec, lake, _pattern(spec, lake))).fetchone()[0]
    connection.close()
    return {"seconds": time.perf_counter() - started, "rows": rows}


def same_statements(spec: StageSpec, statements: Sequence[tuple[str, list, float]], warehouse: Path,
                    memory_limit: str | None = None) -> dict:
    """The statements the pipeline's load ran (its transaction up to its slowest statement, the INSERT ... SELECT
    FROM read_csv with the exact-fit rules), alone on a new table from the DDL, committed: the same SQL without
    the platform around it (finding and inspecting the file, checks, audit, Dagster), at `memory_limit`."""
    started = time.perf_counter()
    connection = _connect(warehouse, memory_limit)
    create_tables(connection, [spec])
    for sql, params, _ in statements:
        connection.execute(sql, params or None)
    if not statements[-1][0].lstrip().upper().startswith("COMMIT"):  # the slowest may be the COMMIT itself
        connection.execute("COMMIT")
    connection.close()
    slowest = max(statements, key=lambda statement: statement[2])[0]
    return {"seconds": time.perf_counter() - started, "statements": len(statements), "slowest": slowest[:120],
            "slowest_reads_csv": "read_csv(" in slowest}


def in_dependency_order(models: Sequence[ModelSpec]) -> list[ModelSpec]:
    """The models, each after the models its SELECT reads."""
    by_key = {spec.key: spec for spec in models}
    graph = {spec.key: {key for key in source_tables(spec.group, spec.name) if key in by_key} for spec in models}
    return [by_key[key] for key in graphlib.TopologicalSorter(graph).static_order()]


def build_models(models: Sequence[ModelSpec], warehouse: Path, memory_limit: str | None = None) -> dict:
    """Every model built once, straight from its SELECT (CREATE TABLE / VIEW ... AS, translated as the pipeline
    translates it), on the tables `limit_load` left: the least work that yields the pipeline's models."""
    started = time.perf_counter()
    connection = _connect(warehouse, memory_limit)
    for spec in in_dependency_order(models):
        kind = "VIEW" if spec.kind == "view" else "TABLE"
        connection.execute(f"CREATE {kind} {qualified(spec.group, spec.name)} AS "
                           f"{to_dialect(read_sql(spec.group, spec.name), 'duckdb')}")
    connection.close()
    return {"seconds": time.perf_counter() - started, "models": len(models)}


def table_rows(warehouse: Path, specs: Sequence[StageSpec | ModelSpec]) -> dict[str, int]:
    """The row count of each spec's table in `warehouse`, by table name."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return {spec.name: connection.execute(f"SELECT COUNT(*) FROM {qualified(spec.group, spec.name)}").fetchone()[0]
                for spec in specs}


def _files_with_partition(spec: StageSpec, lake: Path) -> list[tuple[Path, dict]]:
    """Every file of the spec with the values of its non-file columns, via the pipeline's own file finder."""
    local = LocalLake(root=str(lake))
    keys = [{}]
    if spec.partitions is not None:
        dims = {d.name: d.partitions_def.get_partition_keys() for d in spec.partitions.partitions_defs}
        keys = [{"degree": d, "month": dt.date.fromisoformat(m)} for d in dims["degree"] for m in dims["month"]]
    found = []
    for partition in keys:
        for obj in find_files(spec, local, partition):
            found.append((lake / obj.key, {**partition, "_source_file": obj.key}))
    return found


def row_by_row(spec: StageSpec, lake: Path, warehouse: Path, max_rows: int, executemany: bool = False) -> dict:
    """Up to `max_rows` rows of the spec's files, one INSERT per row (or one executemany), in one transaction."""
    connection = _connect(warehouse)
    create_tables(connection, [spec])
    columns = [c.name for c in spec.columns]
    insert = (f"INSERT INTO {qualified(spec.group, spec.name)} ({', '.join(ident(c) for c in columns)}) "
              f"VALUES ({', '.join('?' for _ in columns)})")
    batch: list[list] = []
    for path, extra in _files_with_partition(spec, lake):
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            next(reader)
            for record in reader:
                batch.append([value or None for value in record] + [extra[c] for c in columns[len(record):]])
                if len(batch) >= max_rows:
                    break
        if len(batch) >= max_rows:
            break
    cursor = connection.cursor()
    started = time.perf_counter()
    cursor.execute("BEGIN TRANSACTION")
    if executemany:
        cursor.executemany(insert, batch)
    else:
        for values in batch:
            cursor.execute(insert, values)
    cursor.execute("COMMIT")
    seconds = time.perf_counter() - started
    loaded = connection.execute(f"SELECT COUNT(*) FROM {qualified(spec.group, spec.name)}").fetchone()[0]
    connection.close()
    if loaded != len(batch):
        raise AssertionError(f"row-by-row load wrote {loaded} rows, expected {len(batch)}")
    return {"seconds": seconds, "rows": len(batch), "rows_per_second": len(batch) / seconds}


def pandas_per_file(specs: Sequence[StageSpec], lake: Path, warehouse: Path) -> dict:
    """pandas.read_csv per file, add the partition and source columns, insert the DataFrame (DuckDB scans it)."""
    started = time.perf_counter()
    connection = _connect(warehouse)
    create_tables(connection, specs)
    rows = 0
    for spec in specs:
        columns = [c.name for c in spec.columns]
        target = f"{qualified(spec.group, spec.name)} ({', '.join(ident(c) for c in columns)})"
        for path, extra in _files_with_partition(spec, lake):
            frame = pd.read_csv(path)
            for column, value in extra.items():
                frame[column] = value
            connection.register("frame", frame[columns])
            connection.execute(f"INSERT INTO {target} SELECT * FROM frame")
            connection.unregister("frame")
            rows += len(frame)
    connection.close()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": rows, "rows_per_second": rows / seconds}


def file_limit(spec: StageSpec, lake: Path, path: Path, warehouse: Path) -> dict:
    """The limit for one file: its table from the DDL, one read_csv of the file into it."""
    started = time.perf_counter()
    connection = _connect(warehouse)
    create_tables(connection, [spec])
    rows = connection.execute(plain_insert(spec, lake, str(path))).fetchone()[0]
    connection.close()
    return {"seconds": time.perf_counter() - started, "rows": rows}
