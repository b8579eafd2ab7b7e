"""The one place that decides which flavour of lake and warehouse is bound (from `CAPSTONE_ENV`)."""

from __future__ import annotations

import dagster as dg

from capstone_assets.resources.catalog import LakeCatalog, NoCatalog
from capstone_assets.resources.duckdb_catalog import DuckDBCatalog
from capstone_assets.resources.duckdb_warehouse import DuckDBWarehouse
from capstone_assets.resources.glue_catalog import GlueCatalog
from capstone_assets.resources.lake import Lake
from capstone_assets.resources.local_lake import LocalLake
from capstone_assets.resources.redshift_warehouse import RedshiftWarehouse
from capstone_assets.resources.s3_lake import S3Lake
from capstone_assets.resources.warehouse import Warehouse
from capstone_assets.settings import Settings

__all__ = ["Lake", "Warehouse", "LakeCatalog", "GlueCatalog", "DuckDBCatalog", "NoCatalog", "build_resources", "DuckDBWarehouse", "RedshiftWarehouse", "LocalLake", "S3Lake"]


def build_lake(settings: Settings) -> Lake:
    if settings.is_local:
        return LocalLake(root=str(settings.lake_dir.resolve()), sources=dict(settings.sources),
                         source_endpoint_url=settings.s3_endpoint_url, settle_seconds=settings.sensor_settle_seconds)
    return S3Lake(bucket=settings.s3_bucket, prefix=settings.s3_prefix, endpoint_url=settings.s3_endpoint_url,
                  region_name=settings.aws_region, profile_name=settings.aws_profile, sources=dict(settings.sources),
                  settle_seconds=settings.sensor_settle_seconds)


def build_warehouse(settings: Settings) -> Warehouse:
    if settings.is_local:
        return DuckDBWarehouse(path=str(settings.duckdb_path.resolve()), lock_timeout_seconds=settings.duckdb_lock_timeout_seconds,
                               memory_limit=settings.duckdb_memory_limit)
    return RedshiftWarehouse(
        host=settings.redshift_host,
        port=settings.redshift_port,
        database=settings.redshift_database,
        user=settings.redshift_user,
        password=None if settings.redshift_iam else dg.EnvVar("CAPSTONE_REDSHIFT_PASSWORD"),
        iam_role=settings.redshift_iam_role,
        connect_timeout_seconds=settings.redshift_connect_timeout,
        statement_timeout_seconds=settings.redshift_statement_timeout,
        iam=settings.redshift_iam,
        cluster_identifier=settings.redshift_cluster_identifier,
        serverless_work_group=settings.redshift_workgroup,
        db_user=settings.redshift_db_user,
        cluster_region=settings.redshift_region,
        profile=settings.redshift_profile,
    )


def build_catalog(settings: Settings) -> LakeCatalog:
    databases = dict(settings.catalog_databases)
    if settings.lake_catalog == "glue":
        return GlueCatalog(databases=databases, region_name=settings.aws_region, profile_name=settings.aws_profile,
                           endpoint_url=settings.aws_endpoint_url, athena_workgroup=settings.athena_workgroup,
                           athena_output=settings.athena_output)
    return DuckDBCatalog(databases=databases) if settings.lake_catalog == "duckdb" else NoCatalog(databases=databases)


def build_resources(settings: Settings) -> dict[str, dg.ConfigurableResource]:
    return {"lake": build_lake(settings), "warehouse": build_warehouse(settings), "catalog": build_catalog(settings)}
