"""The lake catalogue in production: each export a Glue Data Catalog table, which Athena queries.

Columns and types come from the warehouse table's definition, with the Parquet or JSON SerDe, the S3 location, the
partition keys and one Glue partition per exported partition (no crawler). The client is built like the lake's S3
client (region, profile, endpoint, standard-mode retries).
"""

from __future__ import annotations

import time
from typing import Sequence

from pydantic import PrivateAttr

from capstone_assets.resources.catalog import HIVE_NULL, CatalogEntry, CatalogTable, LakeCatalog

GLUE_BATCH = 100  # BatchCreatePartition / BatchUpdatePartition take at most 100 entries
GLUE_DELETE_BATCH = 25  # BatchDeletePartition takes at most 25
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
