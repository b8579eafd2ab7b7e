"""The lake catalogue locally: DuckDB views over the exported files, in the warehouse file.

One DuckDB schema per Glue database, so `SELECT ... FROM sparkify_lake.songplays` runs unchanged in Athena and on a
laptop.
"""

from __future__ import annotations

from capstone_assets.lib.sql import duckdb_string, ident
from capstone_assets.resources.catalog import CatalogEntry, CatalogTable, LakeCatalog


class DuckDBCatalog(LakeCatalog):
    """Views in the DuckDB warehouse over the lake's files: `<database>.<table>`, one schema per database."""

    def register(self, table: CatalogTable, warehouse) -> CatalogEntry:
        view = f"{ident(table.database)}.{ident(table.name)}"
        with warehouse.connection() as connection:
            connection.execute(f"CREATE SCHEMA IF NOT EXISTS {ident(table.database)}")
            connection.execute(f"CREATE OR REPLACE VIEW {view} AS {self.view_select(table)}")
        return CatalogEntry("duckdb", f"{table.database}.{table.name}", table.location, len(table.partitions))

    @staticmethod
    def view_select(table: CatalogTable) -> str:
        columns = table.columns + table.partition_keys
        if table.format == "parquet" and not table.partitions and table.partition_keys:
            # a partitioned export of no rows has no files: an empty view of the same columns
            typed = ", ".join(f"CAST(NULL AS {c.sql_type}) AS {ident(c.name)}" for c in columns)
            return f"SELECT {typed} WHERE false"
        names = ", ".join(ident(c.name) for c in columns)
        if table.format == "json":
            return f"SELECT {names} FROM read_json({duckdb_string(table.location + '*.json')}, format = 'newline_delimited')"
        depth = "/".join(["*"] * len(table.partition_keys) + ["*.parquet"])
        if not table.partition_keys:
            return f"SELECT {names} FROM read_parquet({duckdb_string(table.location + depth)})"
        types = ", ".join(f"{duckdb_string(c.name)}: {c.sql_type}" for c in table.partition_keys)
        return (f"SELECT {names} FROM read_parquet({duckdb_string(table.location + depth)}, hive_partitioning = true, "
                f"hive_types = {{{types}}})")
