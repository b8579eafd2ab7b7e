"""The lake catalogue: the exported tables as tables an analyst queries, without a crawler.

In production each export is a Glue Data Catalog table (columns and types from the warehouse table's
definition, the Parquet or JSON SerDe, the S3 location, partition keys and partitions), which Athena
queries. Locally the same names are DuckDB views over the files, in the warehouse file: one DuckDB schema per
Glue database, so `SELECT ... FROM sparkify_lake.songplays` runs unchanged in Athena and on a laptop.

`register` is the switch that makes an export visible: it points the table (and every partition) at the new
version's folder. The previous version's files stay until the caller removes them after the switch.
"""

from __future__ import annotations

import abc
import time
from dataclasses import dataclass, field
from typing import Any, Sequence

import dagster as dg
import sqlglot
from pydantic import PrivateAttr
from sqlglot import exp

from capstone_assets.lib.sql import ident

GLUE_BATCH = 100  # BatchCreatePartition / BatchUpdatePartition take at most 100 entries
GLUE_DELETE_BATCH = 25  # BatchDeletePartition takes at most 25
HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"
FORMATS = {
    "parquet": {
        "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
        "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
                      "Parameters": {"serialization.format": "1"}},
    },
    "json": {
        "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
        "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
        "SerdeInfo": {"SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe",
                      "Parameters": {"case.insensitive": "TRUE", "ignore.malformed.json": "FALSE"}},
    },
}
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
            return f"SELECT {names} FROM read_json({_literal(table.location + '*.json')}, format = 'newline_delimited')"
        depth = "/".join(["*"] * len(table.partition_keys) + ["*.parquet"])
        if not table.partition_keys:
            return f"SELECT {names} FROM read_parquet({_literal(table.location + depth)})"
        types = ", ".join(f"{_literal(c.name)}: {c.sql_type}" for c in table.partition_keys)
        return (f"SELECT {names} FROM read_parquet({_literal(table.location + depth)}, hive_partitioning = true, "
                f"hive_types = {{{types}}})")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class GlueCatalog(LakeCatalog):
    """Glue Data Catalog tables (what Athena queries); the client is built like the lake's S3 client."""

    region_name: str | None = None
    endpoint_url: str | None = None
    profile_name: str | None = None
    max_attempts: int = 8
    athena_workgroup: str | None = None  # set: each export's check also counts its rows per partition in Athena
    athena_output: str | None = None  # s3:// folder for Athena's result files, where the workgroup sets none
    athena_polls: int = 300  # one a second

    _client = PrivateAttr(default=None)

    def _aws_client(self, service: str):
        import boto3
        from botocore.config import Config

        session = boto3.session.Session(profile_name=self.profile_name, region_name=self.region_name)
        return session.client(service, endpoint_url=self.endpoint_url,
                              config=Config(retries={"mode": "standard", "max_attempts": self.max_attempts}))

    @property
    def client(self):
        if self._client is None:
            self._client = self._aws_client("glue")
        return self._client

    def count_rows(self, table: CatalogTable) -> dict[tuple[str | None, ...], int] | None:
        """`SELECT <partition keys>, COUNT(*) ... GROUP BY <partition keys>` through Athena, on the catalogue table."""
        if not self.athena_workgroup:
            return None
        from dagster_aws.athena import AthenaError, AthenaTimeout

        keys = [f'"{c.name}"' for c in table.partition_keys]
        group_by = f" GROUP BY {', '.join(keys)}" if keys else ""
        query = f'SELECT {", ".join(keys + ["COUNT(*)"])} FROM "{table.database}"."{table.name}"{group_by}'
        athena = self._aws_client("athena")
        options = {"ResultConfiguration": {"OutputLocation": self.athena_output}} if self.athena_output else {}
        execution = athena.start_query_execution(QueryString=query, WorkGroup=self.athena_workgroup, **options)
        execution_id = execution["QueryExecutionId"]
        for _ in range(self.athena_polls):
            status = athena.get_query_execution(QueryExecutionId=execution_id)["QueryExecution"]["Status"]
            if status["State"] not in ("QUEUED", "RUNNING"):
                break
            time.sleep(1)
        else:
            raise AthenaTimeout(f"Athena query {execution_id} still running after {self.athena_polls} s: {query}")
        if status["State"] != "SUCCEEDED":
            raise AthenaError(f"Athena query {execution_id} {status['State']}: {status.get('StateChangeReason')}: {query}")
        counts = {}
        pages = athena.get_paginator("get_query_results").paginate(QueryExecutionId=execution_id)
        rows = [row["Data"] for page in pages for row in page["ResultSet"]["Rows"]][1:]  # the first row: column names
        for data in rows:
            values = [cell.get("VarCharValue") for cell in data]
            counts[tuple(values[:-1])] = int(values[-1])
        return counts

    def register(self, table: CatalogTable, warehouse=None) -> CatalogEntry:
        self._ensure_database(table.database)
        self._put_table(table)
        known = self.partitions(table.database, table.name)
        wanted = {values: table.partition_location(values) for values in table.partitions}
        added = [values for values in wanted if values not in known]
        moved = [values for values in wanted if values in known and known[values] != wanted[values]]
        removed = [values for values in known if values not in wanted]
        self._batches("batch_create_partition", "PartitionInputList", table,
                      [self._partition_input(table, v) for v in added], GLUE_BATCH)
        self._batches("batch_update_partition", "Entries", table,
                      [{"PartitionValueList": self._values(v), "PartitionInput": self._partition_input(table, v)}
                       for v in moved], GLUE_BATCH)
        self._batches("batch_delete_partition", "PartitionsToDelete", table,
                      [{"Values": self._values(v)} for v in removed], GLUE_DELETE_BATCH)
        return CatalogEntry("glue", f"{table.database}.{table.name}", table.location, len(wanted), len(added),
                            len(moved), len(removed))

    def partitions(self, database: str, name: str) -> dict[tuple[str | None, ...], str]:
        """Registered partitions: values -> location."""
        found = {}
        for page in self.client.get_paginator("get_partitions").paginate(DatabaseName=database, TableName=name):
            for partition in page["Partitions"]:
                values = tuple(None if v == HIVE_NULL else v for v in partition["Values"])
                found[values] = partition["StorageDescriptor"]["Location"]
        return found

    def _ensure_database(self, database: str) -> None:
        client = self.client
        try:
            client.get_database(Name=database)
        except client.exceptions.EntityNotFoundException:
            client.create_database(DatabaseInput={"Name": database,
                                                  "Description": "Lake exports of capstone-assets (no crawler)"})

    def _put_table(self, table: CatalogTable) -> None:
        client = self.client
        table_input = {
            "Name": table.name,
            "Description": table.description,
            "TableType": "EXTERNAL_TABLE",
            "Parameters": {"classification": table.format, "EXTERNAL": "TRUE"},
            "PartitionKeys": [{"Name": c.name, "Type": c.hive_type} for c in table.partition_keys],
            "StorageDescriptor": self._storage(table, table.location),
        }
        try:
            client.get_table(DatabaseName=table.database, Name=table.name)
        except client.exceptions.EntityNotFoundException:
            client.create_table(DatabaseName=table.database, TableInput=table_input)
            return
        client.update_table(DatabaseName=table.database, TableInput=table_input)  # a schema change lands here too

    @staticmethod
    def _storage(table: CatalogTable, location: str) -> dict:
        return {"Columns": [{"Name": c.name, "Type": c.hive_type} for c in table.columns], "Location": location,
                **FORMATS[table.format]}

    @staticmethod
    def _values(values: Sequence[str | None]) -> list[str]:
        return [HIVE_NULL if v is None else v for v in values]

    def _partition_input(self, table: CatalogTable, values: Sequence[str | None]) -> dict:
        return {"Values": self._values(values), "StorageDescriptor": self._storage(table, table.partition_location(values))}

    def _batches(self, operation: str, argument: str, table: CatalogTable, items: list, size: int) -> None:
        for start in range(0, len(items), size):
            response = getattr(self.client, operation)(DatabaseName=table.database, TableName=table.name,
                                                        **{argument: items[start:start + size]})
            errors = response.get("Errors") or []
            if errors:
                raise RuntimeError(f"Glue {operation} on {table.database}.{table.name} failed for {len(errors)} "
                                   f"partition(s): {errors[:3]}")


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
