"""The warehouse interface shared by DuckDB (embedded default) and Redshift (production).

All SQL handed to a warehouse is Redshift dialect with `%s` placeholders; the DuckDB flavour
translates it. Bulk loads are the one engine-specific operation (`load`).
"""

from __future__ import annotations

import abc
import functools
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Sequence, TypeVar

import dagster as dg
from pydantic import PrivateAttr

from capstone_assets.lib.partitions import describe, partitions_filter
from capstone_assets.lib.sql import Column, ident, qualified, read_sql
from capstone_assets.resources.lake import Lake, LakeObject

Params = Sequence[Any]
T = TypeVar("T")
CREATE_TABLE = re.compile(r"^((?:\s*--[^\n]*\n)*\s*CREATE\s+TABLE)(\s+IF\s+NOT\s+EXISTS)?\b", re.IGNORECASE)
INSERT_BATCH = 200  # rows per multi-row INSERT: few statements, and well under Redshift's 32,767 parameters


@dataclass(frozen=True)
class RejectedRow:
    file: str
    line: int | None
    column: str | None
    reason: str
    raw: str | None = None

    def describe(self) -> str:
        where = f"{self.file}, line {self.line}" if self.line is not None else self.file
        column = f", column {self.column!r}" if self.column else ""
        return f"{where}{column}: {self.reason}"


class LoadError(RuntimeError):
    """A load was refused or rolled back; the table still holds its previous rows."""

    def __init__(self, message: str, rejected: Sequence[RejectedRow] = ()):
        super().__init__(message)
        self.rejected = list(rejected)


@dataclass(frozen=True)
class LoadRequest:
    """Replace the rows matching `partition` (all rows if empty) with the rows of `files`."""

    schema: str
    table: str
    columns: tuple[Column, ...]
    file_fields: tuple[tuple[str, str], ...]  # (table column, field name in the file), in file order
    format: str  # csv | ndjson | json
    files: tuple[LakeObject, ...]
    partition: dict[str, Any] = field(default_factory=dict)
    max_rejected_rows: int = 0
    options: dict[str, Any] = field(default_factory=dict)
    source_keys: dict[str, str] = field(default_factory=dict)  # loaded copy's key -> original key (for _source_file)
    source_rows: int | None = None  # data records in `files` (from the inspection); rows not loaded are located
    originals: tuple[LakeObject, ...] = ()  # the source files as inspected: confirmed unchanged before the commit
    utc_offset_columns: tuple[str, ...] = ()  # timestamps that may carry a UTC offset, converted to UTC on load

    def source_key(self, key: str) -> str:
        return self.source_keys.get(key, key)

    @functools.cached_property
    def file_keys(self) -> frozenset[str]:
        """The keys its rows' `_source_file` name (the original files')."""
        return frozenset(self.source_key(obj.key) for obj in self.files)

    @property
    def target(self) -> str:
        return qualified(self.schema, self.table)

    @property
    def partition_label(self) -> str:
        return describe(self.partition)  # `degree=data_science, month=2019-01-01`, never a dict's repr

    def partition_filter(self) -> tuple[str, list[Any]]:
        if not self.partition:
            return "1 = 1", []
        clauses = [f"{ident(name)} = %s" for name in self.partition]
        return " AND ".join(clauses), list(self.partition.values())


class FileChanged(LoadError):
    """A source file changed between its inspection and the commit (still being written?): nothing was committed."""


def confirm_unchanged(requests: Sequence[LoadRequest], lake: Lake) -> None:
    """Just before the commit: every inspected file still has the version (mtime+size locally, ETag on S3) and size
    it had when it was listed, else FileChanged names it and the transaction rolls back."""
    listed = {obj.key: obj for request in requests for obj in request.originals}
    folders = {key.rsplit("/", 1)[0] + "/" for key in listed}
    current = {obj.key: obj for folder in folders for obj in lake.list(folder)}
    changed = [key for key, obj in listed.items()
               if key not in current or (current[key].version, current[key].size) != (obj.version, obj.size)]
    if changed:
        raise FileChanged(f"{', '.join(changed)}: changed while being loaded (still being written?); nothing was "
                          "committed and the partition keeps its previous rows; load again once the file is complete")


def batch_filter(requests: Sequence[LoadRequest]) -> tuple[str, list[Any]]:
    """SQL selecting the rows of every request's partition."""
    if len(requests) == 1:
        return requests[0].partition_filter()
    return partitions_filter([request.partition for request in requests])


def create_if_not_exists(ddl: str) -> str:
    """A DDL file's `CREATE TABLE x (...)` as `CREATE TABLE IF NOT EXISTS x (...)`, the rest as written."""
    match = CREATE_TABLE.match(ddl)
    if not match:
        raise ValueError(f"expected a CREATE TABLE statement, got: {ddl[:80]}")
    return ddl if match.group(2) else f"{match.group(1)} IF NOT EXISTS{ddl[match.end(1):]}"


@dataclass(frozen=True)
class LoadOutcome:
    rows: int
    rejected: tuple[RejectedRow, ...] = ()


def check_rejects(request: LoadRequest, rejected: Sequence[RejectedRow]) -> None:
    if len(rejected) > request.max_rejected_rows:
        raise too_many_rejects(request, rejected)


def too_many_rejects(request: LoadRequest, rejected: Sequence[RejectedRow]) -> LoadError:
    """The rejected rows first (file, line, column, reason: what a user acts on), then the load's verdict."""
    shown = "; ".join(r.describe() for r in rejected[:5])
    more = f" (and {len(rejected) - 5} more)" if len(rejected) > 5 else ""
    return LoadError(
        f"{shown}{more} -- {len(rejected)} row(s) rejected by the load of {request.schema}.{request.table} ({request.partition_label}), "
        f"more than the {request.max_rejected_rows} allowed; nothing was changed",
        rejected,
    )


class Transaction(abc.ABC):
    @abc.abstractmethod
    def execute(self, sql: str, params: Params = ()) -> None:
        ...

    @abc.abstractmethod
    def query(self, sql: str, params: Params = ()) -> list[tuple]:
        ...

    def lock(self, tables: Sequence[str]) -> None:
        """Take the write lock on `tables` (qualified names) for the rest of the transaction, where the engine has
        concurrent writers (Redshift); DuckDB has one writing process per file."""

    def insert_rows(self, schema: str, table: str, columns: Sequence[str], rows: Sequence[Params]) -> None:
        """Append `rows` (values in `columns`' order) with multi-row INSERTs of at most INSERT_BATCH rows each."""
        from capstone_assets.lib.statements import insert_values

        for start in range(0, len(rows), INSERT_BATCH):
            batch = rows[start:start + INSERT_BATCH]
            self.execute(insert_values(schema, table, tuple(columns), len(batch)), [value for row in batch for value in row])


class Warehouse(dg.ConfigurableResource):
    """Runs Redshift-dialect SQL and bulk-loads lake files. Every write goes through a transaction."""

    _ensured: set = PrivateAttr(default_factory=set)

    @property
    @abc.abstractmethod
    def engine(self) -> str:
        ...

    @abc.abstractmethod
    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        ...

    def load(self, request: LoadRequest, lake: Lake) -> LoadOutcome:
        """Atomically replace the request's partition with the files' rows, or raise LoadError."""
        return self.load_batch([request], lake)[0]

    @abc.abstractmethod
    def load_batch(self, requests: Sequence[LoadRequest], lake: Lake) -> list[LoadOutcome]:
        """Replace every request's partition of one table in one transaction, or change nothing and raise
        LoadError. The requests share their table, columns and format; they differ in partition and files."""
        ...

    @contextmanager
    def session(self) -> Iterator[None]:
        """Group many calls on one connection where the engine benefits (DuckDB); a no-op otherwise."""
        yield

    @abc.abstractmethod
    def export_parquet(self, select_sql: str, lake: Lake, prefix: str, partition_by: Sequence[str]) -> int:
        """Write the SELECT's rows as Parquet into the lake folder `prefix`, Hive-partitioned
        (`year=2018/month=11/...`) by `partition_by`; return the number of rows written. The caller gives a new,
        empty folder (a version of the export) and removes older versions once readers are switched to it."""
        ...

    def query(self, sql: str, params: Params = ()) -> list[tuple]:
        with self.transaction() as tx:
            return tx.query(sql, params)

    def query_columns(self, sql: str, params: Params = ()) -> tuple[list[str], list[tuple]]:
        """Rows plus their column names (for check samples and reports)."""
        with self.transaction() as tx:
            rows = tx.query(sql, params)
            return list(getattr(tx, "last_columns", [])), rows

    def write(self, work: Callable[[Transaction], T], lock: Sequence[str] = ()) -> T:
        """Run `work` in one write transaction that first locks the tables it writes (`lock`, qualified names). An
        engine may run `work` again after a transient failure (Redshift: a serialization conflict, a dropped
        connection), so `work` must only depend on what it reads inside the transaction."""
        with self.transaction() as tx:
            tx.lock(lock)
            return work(tx)

    def execute(self, *statements: str | tuple[str, Params], lock: Sequence[str] = ()) -> None:
        """Run statements in one (write) transaction, locking `lock` first."""
        def run(tx: Transaction) -> None:
            for statement in statements:
                sql, params = (statement, ()) if isinstance(statement, str) else statement
                tx.execute(sql, params)

        self.write(run, lock)

    def ensure_table(self, group: str, name: str) -> None:
        """Create the schema and the table from its DDL file if they do not exist yet (`IF NOT EXISTS`: two runs
        creating it at once both succeed)."""
        if (group, name) in self._ensured:
            return
        self.execute(f"CREATE SCHEMA IF NOT EXISTS {ident(group)}", create_if_not_exists(read_sql(group, name)))
        self._ensured.add((group, name))

    def table_exists(self, schema: str, table: str) -> bool:
        """Whether a table or a view of that name exists."""
        return self.relation_kind(schema, table) is not None

    def relation_kind(self, schema: str, table: str) -> str | None:
        """'BASE TABLE' or 'VIEW' (information_schema's words, the same on every engine); None if there is none."""
        rows = self.query(
            "SELECT table_type FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
            (schema, table),
        )
        return rows[0][0] if rows else None

    def table_schema(self, schema: str, table: str) -> list[tuple[str, str]]:
        return self.table_schemas([(schema, table)])[(schema, table)]

    def table_schemas(self, tables: Sequence[tuple[str, str]]) -> dict[tuple[str, str], list[tuple[str, str]]]:
        """(column, type) of each (schema, table), in column order, in one catalog query (a table that does not
        exist has none): a catalog query is a round trip, and on Redshift a slow one."""
        wanted = list(dict.fromkeys(tables))
        if not wanted:
            return {}
        schemas, names = sorted({s for s, _ in wanted}), sorted({t for _, t in wanted})
        found: dict[tuple[str, str], list[tuple[str, str]]] = {table: [] for table in wanted}
        for schema, table, name, data_type in self.query(
            "SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns "
            f"WHERE table_schema IN ({', '.join(['%s'] * len(schemas))}) "
            f"AND table_name IN ({', '.join(['%s'] * len(names))}) "
            "ORDER BY table_schema, table_name, ordinal_position",
            (*schemas, *names),
        ):
            if (schema, table) in found:
                found[(schema, table)].append((name, data_type))
        return found

    def columns_sorting_fast(self, columns: Sequence[tuple[str, str]]) -> frozenset[str]:
        """Of (column, type), those whose duplicates this engine counts faster by a sort than by a hash table. None
        here: on Redshift a window ordered over a whole table runs on a single slice."""
        return frozenset()

    def row_count(self, schema: str, table: str, where: str = "1 = 1", params: Params = ()) -> int:
        return self.query(f"SELECT COUNT(*) FROM {qualified(schema, table)} WHERE {where}", params)[0][0]
