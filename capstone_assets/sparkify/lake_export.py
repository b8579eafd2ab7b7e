"""The data lake export: `songplays` as Hive-partitioned Parquet (`year=/month=`) with its schema beside it.

The engine-specific part (DuckDB `COPY ... PARTITION_BY`, Redshift `UNLOAD ... PARTITION BY`) is the
warehouse's `export_parquet`; this asset records the schema a Glue crawler would (`_schema.json`) and
checks the export by reading the row counts back from the written files' Parquet footers.
"""


import json

import dagster as dg
import pyarrow.parquet as pq

from capstone_assets.lib.models import source_tables
from capstone_assets.lib.sql import SQL_DIR, read_sql, sql_path
from capstone_assets.lib.staging import WAREHOUSE_POOL
from capstone_assets.resources.lake import Lake
from capstone_assets.resources.warehouse import Warehouse
from capstone_assets.sparkify.specs import GROUP

NAME = "songplays_lake_export"
SOURCE_TABLE = "songplays"
PREFIX = "sparkify/lake_export/songplays/"
PARTITION_BY = ("year", "month")
SCHEMA_FILE = "_schema.json"  # Athena and Glue skip files starting with "_"
ROW_COUNT_CHECK = "exported_row_count_matches_table"


def exported_rows(lake: Lake, prefix: str = PREFIX) -> dict[str, int]:
    """Rows per exported Parquet file, read from the files' footers."""
    counts = {}
    for obj in lake.list(prefix):
        if obj.key.endswith(".parquet"):
            with lake.local_file(obj.key) as path:
                counts[obj.key] = pq.ParquetFile(path).metadata.num_rows
    return counts


def table_definition(warehouse: Warehouse, lake: Lake, rows: int) -> dict:
    """What a Glue crawler records: columns and types, Hive partition keys, location and format."""
    columns = [{"name": name, "type": data_type.lower()} for name, data_type in warehouse.table_schema(GROUP, SOURCE_TABLE)
               if name not in PARTITION_BY]
    return {
        "table": SOURCE_TABLE,
        "location": lake.uri(PREFIX),
        "format": "parquet",
        "columns": columns,
        "partition_keys": [{"name": name, "type": "int"} for name in PARTITION_BY],
        "partition_layout": "hive",
        "row_count": rows,
        "source": f"{GROUP}.{SOURCE_TABLE}",
    }


def build_lake_export_asset() -> dg.AssetsDefinition:
    key = dg.AssetKey([GROUP, NAME])

    @dg.asset(
        key=key, group_name=GROUP, deps=source_tables(GROUP, NAME), kinds={"parquet", "s3"}, pool=WAREHOUSE_POOL,
        description=f"`{GROUP}.{SOURCE_TABLE}` in the lake as Parquet under `{PREFIX}`, partitioned year=/month=, "
                    f"with `{SCHEMA_FILE}` beside it.",
        check_specs=[dg.AssetCheckSpec(ROW_COUNT_CHECK, asset=key, blocking=True,
                                       description="the Parquet files hold exactly as many rows as the table")],
        metadata={"lake_path": PREFIX, "sql_file": str(sql_path(GROUP, NAME).relative_to(SQL_DIR.parent))},
    )
    def songplays_lake_export(context: dg.AssetExecutionContext, lake: Lake, warehouse: Warehouse) -> dg.MaterializeResult:
        with warehouse.session():
            written = warehouse.export_parquet(read_sql(GROUP, NAME), lake, PREFIX, PARTITION_BY)
            in_table = warehouse.row_count(GROUP, SOURCE_TABLE)
            definition = table_definition(warehouse, lake, written)
        lake.write_bytes(PREFIX + SCHEMA_FILE, json.dumps(definition, indent=2).encode("utf-8"))
        files = exported_rows(lake)
        in_files = sum(files.values())
        context.log.info(f"exported {written} rows of {GROUP}.{SOURCE_TABLE} into {len(files)} Parquet file(s) under {PREFIX}")
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": dg.MetadataValue.int(in_files),
                "location": dg.MetadataValue.path(lake.uri(PREFIX)),
                "files": dg.MetadataValue.int(len(files)),
                "partitions": dg.MetadataValue.int(len({k.rsplit("/", 1)[0] for k in files})),
                "schema_file": dg.MetadataValue.path(lake.uri(PREFIX + SCHEMA_FILE)),
            },
            check_results=[dg.AssetCheckResult(
                check_name=ROW_COUNT_CHECK, passed=in_files == in_table == written,
                metadata={"rows_in_table": in_table, "rows_in_files": in_files, "rows_reported_by_engine": written},
            )],
        )

    return songplays_lake_export
