"""The Sparkify data lake: the five star tables as Parquet in the layouts the users' Spark job wrote
(`sparkify/lake_export/<table>/`), each catalogued as `sparkify_lake.<table>` (see `lib/lake_tables.py`)."""

from __future__ import annotations

import dagster as dg

from capstone_assets.lib.lake_tables import LakeTable, build_lake_table_asset
from capstone_assets.sparkify.specs import GROUP

FOLDER = "sparkify/lake_export/"


def exported(table: str, *partition_by: str) -> LakeTable:
    return LakeTable(GROUP, table, f"{FOLDER}{table}/", partition_by=partition_by)


LAKE_TABLES = [
    exported("songplays", "year", "month"),  # year and month derived in sql/sparkify/songplays_lake_export.sql
    exported("songs", "year", "artist_id"),
    exported("time", "year", "month"),
    exported("users"),
    exported("artists"),
]


def build_lake_export_assets() -> list[dg.AssetsDefinition]:
    return [build_lake_table_asset(spec) for spec in LAKE_TABLES]
