"""The lake catalogue: the exported tables as tables an analyst queries, without a crawler.

In production each export is a Glue Data Catalog table (columns and types from the warehouse table's
definition, the Parquet or JSON SerDe, the S3 location, partition keys and partitions), which Athena
queries. Locally the same names are DuckDB views over the files, in the warehouse file: one DuckDB schema per
Glue database, so `SELECT ... FROM sparkify_lake.songplays` runs unchanged in Athena and on a laptop.

`register` is the switch that makes an export visible: it points the table (and every partition) at the new
version's folder. The previous version's files stay until the caller removes them after the switch.

This module holds what every catalogue shares (the tables' description, `LakeCatalog`, `NoCatalog`, the column
types); the Glue catalogue is in glue_catalog.py and the DuckDB views in duckdb_catalog.py.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import Any, Sequence

import dagster as dg
import sqlglot
from sqlglot import exp

from capstone_assets.lib.sql import ident

HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"
# what information_schema calls a type (PostgreSQL/Redshift spell some out) -> a name sqlglot parses
VERBOSE_TYPES = {"character varying": "varchar", "character": "char", "timestamp without time zone": "timestamp",
                 "timestamp with time zone": "timestamptz", "double precision": "double", "hugeint": "decimal(38, 0)"}


def hive_type(sql_type: str) -> str:
    """The Glue/Hive type of a warehouse column type (Redshift or DuckDB spelling): text types are `string`."""
    name = sql_type.strip().lower()
    data_type = exp.DataType.build(VERBOSE_TYPES.get(name, name), dialect="redshift")
    if data_type.is_type(*exp.DataType.TEXT_TYPES):
        return "string"
    if data_type.is_type(exp.DataType.Type.TIMESTAMPTZ, exp.DataType.Type.TIMESTAMPLTZ):
        return "timestamp"
    return data_type.sql("hive").lower()


@dataclass(frozen=True)
class CatalogColumn:
    name: str
    sql_type: str  # as the warehouse defines it

    @property
    def hive_type(self) -> str:
        return hive_type(self.sql_type)


@dataclass(frozen=True)
class CatalogTable:
    """One table of the lake: where its current version's files are and what they hold."""

    database: str
    name: str
    location: str  # folder URI ('/'-terminated): s3://bucket/... in production, a local path locally
    columns: tuple[CatalogColumn, ...]  # the file columns, partition keys excluded
    partition_keys: tuple[CatalogColumn, ...] = ()
    partitions: tuple[tuple[str | None, ...], ...] = ()  # one tuple of values per partition (None: Hive's NULL)
    format: str = "parquet"
    description: str = ""

    def partition_location(self, values: Sequence[str | None]) -> str:
        from urllib.parse import quote

        parts = [f"{key.name}={HIVE_NULL if value is None else quote(value, safe='')}"
                 for key, value in zip(self.partition_keys, values)]
        return self.location + "".join(part + "/" for part in parts)


@dataclass(frozen=True)
class CatalogEntry:
    """What a registration did, shown as the export's metadata."""

    catalog: str
    table: str  # database.table
    location: str
    partitions: int
    partitions_added: int = 0
    partitions_moved: int = 0
    partitions_removed: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def metadata(self) -> dict[str, Any]:
        return {
            "catalog": self.catalog,
            "catalog_table": self.table,
            "catalog_location": dg.MetadataValue.path(self.location),
            "partitions_registered": dg.MetadataValue.int(self.partitions),
            "partitions_added": dg.MetadataValue.int(self.partitions_added),
            **self.extra,
        }


class LakeCatalog(dg.ConfigurableResource):
    """Registers exported lake tables under one catalogue database per group."""

    databases: dict[str, str] = {}  # group -> database; default `<group>_lake`

    def database(self, group: str) -> str:
        return ident(self.databases.get(group, f"{group}_lake")).strip('"')

    @abc.abstractmethod
    def register(self, table: CatalogTable, warehouse) -> CatalogEntry:
        """Create or update the table so that readers see `table.location` from now on."""
        ...

    def count_rows(self, table: CatalogTable) -> dict[tuple[str | None, ...], int] | None:
        """Rows per partition as the catalogue's query engine counts them, where one is configured (Athena)."""
        return None


class NoCatalog(LakeCatalog):
    """No catalogue (CAPSTONE_LAKE_CATALOG=none): the export is switched by removing the previous version only."""

    def register(self, table: CatalogTable, warehouse) -> CatalogEntry:
        return CatalogEntry("none", f"{table.database}.{table.name}", table.location, len(table.partitions))



def column_types(select_sql: str, table_types: dict[str, str]) -> list[CatalogColumn]:
    """The output columns of an export's SELECT with their types, from the table's definition: `*`, a column,
    or a `CAST(... AS type)` (no inference from data)."""
    select = sqlglot.parse_one(select_sql, read="redshift")
    columns: list[CatalogColumn] = []
    for projection in select.selects:
        if isinstance(projection, exp.Star):
            columns += [CatalogColumn(name, data_type) for name, data_type in table_types.items()]
            continue
        value = projection.unalias() if isinstance(projection, exp.Alias) else projection
        name = projection.alias_or_name
        if isinstance(value, exp.Cast):
            columns.append(CatalogColumn(name, value.to.sql("redshift")))
        elif isinstance(value, exp.Column) and value.name in table_types:
            columns.append(CatalogColumn(name, table_types[value.name]))
        else:
            raise ValueError(f"cannot type export column {name!r} of {select_sql[:80]!r}: use a table column or CAST")
    return columns
