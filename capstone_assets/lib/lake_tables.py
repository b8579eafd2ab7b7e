"""The lake as its users query it: warehouse tables exported as Parquet, and landing files catalogued in place.

One spec per lake table, one factory. An export never changes what a reader sees until it is complete:
1. the engine writes the table into a new version folder, `<folder><version>/` (DuckDB `COPY ... PARTITION_BY`,
   Redshift `UNLOAD ... PARTITION BY`), beside the current one;
2. the check compares the rows per partition, read from the new files' Parquet footers, with the table;
3. only if they match, the catalogue is switched to the new folder (a Glue table and its partitions in
   production, a DuckDB view locally); then the previous versions are removed.
A failed or mismatching export leaves the previous version in place and in the catalogue.
"""


from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import unquote

import dagster as dg
import pyarrow as pa
import pyarrow.parquet as pq

from capstone_assets.lib import statements as st
from capstone_assets.lib.models import source_tables
from capstone_assets.lib.sql import SQL_DIR, ident, qualified, read_sql, sql_path, table_columns
from capstone_assets.lib.staging import WAREHOUSE_POOL
from capstone_assets.resources.catalog import HIVE_NULL, CatalogColumn, CatalogTable, LakeCatalog, column_types
from capstone_assets.resources.lake import Lake
from capstone_assets.resources.warehouse import Warehouse

ROW_COUNT_CHECK = "exported_rows_match_table_per_partition"
FOOTER_READ = 64 * 1024  # bytes read from a Parquet file's end: its footer, in one request for most files
VERSION_PREFIX = "v"  # version folders: v20261201T193000123456Z (no '=': not a Hive partition column)

PartitionValues = tuple[str | None, ...]


@dataclass(frozen=True)
class LakeTable:
    """A warehouse table in the lake: exported as Parquet under `folder`, or (`json`) its landing files catalogued
    where they are."""

    group: str
    table: str
    folder: str  # lake folder of the table, '/'-terminated
    partition_by: tuple[str, ...] = ()
    format: str = "parquet"  # parquet: exported by the warehouse; json: landing files, catalogued in place
    asset_name: str = ""  # default `<table>_lake_export` (`<table>_catalog` for json)

    def __post_init__(self):
        if self.format not in ("parquet", "json") or not self.folder.endswith("/"):
            raise ValueError(f"{self.group}.{self.table}: format must be parquet or json, folder must end in '/'")
        if self.format == "json" and self.partition_by:
            raise ValueError(f"{self.group}.{self.table}: landing files are catalogued unpartitioned")

    @property
    def key(self) -> dg.AssetKey:
        default = f"{self.table}_lake_export" if self.format == "parquet" else f"{self.table}_catalog"
        return dg.AssetKey([self.group, self.asset_name or default])

    @property
    def export_sql_name(self) -> str:
        return f"{self.table}_lake_export"

    def select_sql(self) -> str:
        """`sql/<group>/<table>_lake_export.sql` where the export derives columns (e.g. year and month), else the table."""
        if sql_path(self.group, self.export_sql_name).exists():
            return read_sql(self.group, self.export_sql_name)
        return st.select_all(qualified(self.group, self.table))


def new_version() -> str:
    return f"{VERSION_PREFIX}{datetime.now(timezone.utc):%Y%m%dT%H%M%S%f}Z"


def folder_uri(lake: Lake, prefix: str) -> str:
    return lake.uri(prefix).rstrip("/") + "/"


def partition_of(relative_key: str) -> PartitionValues:
    """Partition values from a file's key below its version folder (`year=2018/month=11/data_0.parquet`)."""
    values = []
    for segment in relative_key.split("/")[:-1]:
        _, _, value = segment.partition("=")
        value = unquote(value)
        values.append(None if value == HIVE_NULL else value)
    return tuple(values)


def parquet_rows(lake: Lake, key: str) -> int:
    """Rows of a Parquet file, from its footer alone (the file's end: footer, its length, `PAR1`)."""
    tail = lake.read_tail(key, FOOTER_READ)
    footer = int.from_bytes(tail[-8:-4], "little") + 8
    if footer > len(tail):
        tail = lake.read_tail(key, footer)
    return pq.read_metadata(pa.BufferReader(tail[-footer:])).num_rows


def rows_in_files(lake: Lake, prefix: str) -> Counter:
    """Rows per partition of the Parquet files under `prefix`, read from their footers."""
    counts: Counter = Counter()
    for obj in lake.list(prefix):
        if obj.key.endswith(".parquet"):
            counts[partition_of(obj.key[len(prefix):])] += parquet_rows(lake, obj.key)
    return counts


def rows_in_table(warehouse: Warehouse, spec: LakeTable) -> Counter:
    """Rows per partition of the export's SELECT, counted by the warehouse."""
    names = [ident(c) for c in spec.partition_by]
    group_by = f" GROUP BY {', '.join(names)}" if names else ""
    rows = warehouse.query(f"SELECT {', '.join(names + ['COUNT(*)'])} FROM ({spec.select_sql()}) AS q{group_by}")
    return Counter({tuple(None if v is None else str(v) for v in row[:-1]): int(row[-1]) for row in rows})


def mismatches(in_table: Counter, counted: Counter, partition_by: tuple[str, ...], by: str = "in the files") -> list[str]:
    found = []
    for values in sorted(set(in_table) | set(counted), key=str):
        if in_table[values] != counted[values]:
            where = ", ".join(f"{k}={v}" for k, v in zip(partition_by, values)) or "the table"
            found.append(f"{where}: {in_table[values]} rows in the table, {counted[values]} {by}")
    return found


def remove_other_versions(lake: Lake, folder: str, keep: str) -> int:
    """Delete what under `folder` precedes the `keep` version: older versions, and a pre-versioning layout. A newer
    version (another run's export, in flight or done) is left alone."""
    newest = keep[len(folder):].rstrip("/")

    def older(key: str) -> bool:
        child = key[len(folder):].split("/")[0]
        return not (child.startswith(VERSION_PREFIX) and "/" in key[len(folder):]) or child < newest

    stale = [o.key for o in lake.list(folder) if not o.key.startswith(keep) and older(o.key)]
    children = {folder + key[len(folder):].split("/")[0] + ("/" if "/" in key[len(folder):] else "") for key in stale}
    for child in sorted(children):
        if child.endswith("/"):
            lake.delete_prefix(child)
        else:
            lake.delete_key(child)
    return len(stale)


def catalog_table(spec: LakeTable, catalog: LakeCatalog, location: str, columns: list[CatalogColumn],
                  partitions) -> CatalogTable:
    keys = {c.name: c for c in columns}
    return CatalogTable(
        database=catalog.database(spec.group), name=spec.table, location=location,
        columns=tuple(c for c in columns if c.name not in spec.partition_by),
        partition_keys=tuple(keys[name] for name in spec.partition_by),
        partitions=tuple(sorted(partitions, key=str)) if spec.partition_by else (), format=spec.format,
        description=f"{spec.group}.{spec.table}, exported by capstone-assets",
    )


def export(context: dg.AssetExecutionContext, spec: LakeTable, lake: Lake, warehouse: Warehouse,
           catalog: LakeCatalog) -> dg.MaterializeResult:
    prefix = spec.folder + new_version() + "/"
    select = spec.select_sql()
    with warehouse.session():
        written = warehouse.export_parquet(select, lake, prefix, spec.partition_by)
        in_table = rows_in_table(warehouse, spec)
        columns = column_types(select, dict(warehouse.table_schema(spec.group, spec.table)))
    in_files = rows_in_files(lake, prefix)
    problems = mismatches(in_table, in_files, spec.partition_by)
    if sum(in_files.values()) != written:
        problems.append(f"the engine reported {written} rows written, the files hold {sum(in_files.values())}")
    metadata = {
        "dagster/row_count": dg.MetadataValue.int(sum(in_files.values())),
        "location": dg.MetadataValue.path(lake.uri(prefix)),
        "partitions": dg.MetadataValue.int(len(in_files)),
    }
    check_metadata = {"partitions_checked": len(set(in_table) | set(in_files)), "rows_in_table": sum(in_table.values()),
                      "rows_in_files": sum(in_files.values())}
    if problems:  # readers keep the previous version: the catalogue is not switched, the new files go
        lake.delete_prefix(prefix)
        context.log.error(f"{spec.group}.{spec.table}: export does not match the table; previous version kept")
    else:
        table = catalog_table(spec, catalog, folder_uri(lake, prefix), columns, in_files)
        entry = catalog.register(table, warehouse)
        removed = remove_other_versions(lake, spec.folder, prefix)
        metadata.update(entry.metadata())
        metadata["previous_files_removed"] = dg.MetadataValue.int(removed)
        context.log.info(f"exported {written} rows of {spec.group}.{spec.table} to {lake.uri(prefix)}; "
                         f"catalogued as {entry.table}")
        in_athena = catalog.count_rows(table)  # opt-in: what an analyst's query engine sees, after the switch
        if in_athena is not None:
            problems += mismatches(in_table, Counter(in_athena), spec.partition_by, by="counted by Athena")
            check_metadata["rows_in_athena"] = sum(in_athena.values())
    return dg.MaterializeResult(metadata=metadata, check_results=[dg.AssetCheckResult(
        check_name=ROW_COUNT_CHECK, passed=not problems,
        metadata={**check_metadata, "mismatches": dg.MetadataValue.md("\n".join(f"- {p}" for p in problems[:50]) or "none")},
    )])


def catalog_landing(context: dg.AssetExecutionContext, spec: LakeTable, lake: Lake, warehouse: Warehouse,
                    catalog: LakeCatalog) -> dg.MaterializeResult:
    """The landing files as they are: columns from the table's DDL (lineage columns, `_...`, are not in the files)."""
    columns = [CatalogColumn(c.name, c.redshift_type) for c in table_columns(spec.group, spec.table)
               if not c.name.startswith("_")]
    lake = lake.for_group(spec.group)  # where the landing files are (CAPSTONE_SOURCE_<GROUP>)
    with warehouse.session():
        entry = catalog.register(catalog_table(spec, catalog, folder_uri(lake, spec.folder), columns, ()),
                                 warehouse)
    files = [o for o in lake.list(spec.folder) if o.key.endswith(".json")]
    return dg.MaterializeResult(metadata={**entry.metadata(), "files": dg.MetadataValue.int(len(files))})


def build_lake_table_asset(spec: LakeTable) -> dg.AssetsDefinition:
    table = dg.AssetKey([spec.group, spec.table])
    exported = spec.format == "parquet"
    layout = "/".join(f"{c}=" for c in spec.partition_by)
    description = (f"`{spec.group}.{spec.table}` as Parquet under `{spec.folder}<version>/{layout}`, catalogued "
                   "(Glue in production, a DuckDB view locally) once complete; previous versions removed after."
                   if exported else
                   f"The landing files of `{spec.group}.{spec.table}` under `{spec.folder}`, catalogued in place (JSON).")
    metadata = {"lake_path": spec.folder, "partition_by": ", ".join(spec.partition_by) or "none"}
    if exported and sql_path(spec.group, spec.export_sql_name).exists():
        metadata["sql_file"] = str(sql_path(spec.group, spec.export_sql_name).relative_to(SQL_DIR.parent))

    @dg.asset(
        key=spec.key, group_name=spec.group, pool=WAREHOUSE_POOL, description=description, metadata=metadata,
        deps=source_tables(spec.group, spec.export_sql_name) if metadata.get("sql_file") else [table],
        kinds={"parquet" if exported else "json", "s3"},
        check_specs=[dg.AssetCheckSpec(ROW_COUNT_CHECK, asset=spec.key, blocking=True,
                                       description="per partition, the Parquet files hold as many rows as the table")]
        if exported else None,
    )
    def lake_table(context: dg.AssetExecutionContext, lake: Lake, warehouse: Warehouse,
                   catalog: LakeCatalog) -> dg.MaterializeResult:
        return (export if exported else catalog_landing)(context, spec, lake, warehouse, catalog)

    return lake_table
