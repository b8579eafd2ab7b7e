"""The stedi group's assets: landing tables and zone models from the shared factories, plus Parquet copies
of the trusted and curated tables in the lake (`stedi/<entity>/<zone>/`) for the users' Athena tables."""


import dagster as dg

from capstone_assets.lib import statements as st
from capstone_assets.lib.models import build_model_asset
from capstone_assets.lib.sql import qualified
from capstone_assets.lib.staging import WAREHOUSE_POOL, build_stage_asset
from capstone_assets.resources.lake import Lake
from capstone_assets.resources.warehouse import Warehouse
from capstone_assets.stedi.specs import EXPORTS, GROUP, MODEL_SPECS, STAGE_SPECS


def build_export_asset(table: str, prefix: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=[GROUP, f"{table}_parquet"],
        group_name=GROUP,
        deps=[dg.AssetKey([GROUP, table])],
        description=f"`{GROUP}.{table}` as Parquet under `{prefix}` in the lake (replaced whole on every run).",
        kinds={"parquet"},
        pool=WAREHOUSE_POOL,
        metadata={"lake_path": prefix},
    )
    def export(context: dg.AssetExecutionContext, lake: Lake, warehouse: Warehouse) -> dg.MaterializeResult:
        rows = warehouse.export_parquet(st.select_all(qualified(GROUP, table)), lake, prefix, partition_by=())
        files = [o.key for o in lake.list(prefix)]
        context.log.info(f"{GROUP}.{table}: {rows} rows exported to {len(files)} Parquet file(s) under {prefix}")
        return dg.MaterializeResult(metadata={
            "dagster/row_count": dg.MetadataValue.int(rows),
            "files": dg.MetadataValue.md("\n".join(f"- `{key}`" for key in files[:50])),
        })

    return export


def build_assets() -> list[dg.AssetsDefinition]:
    return ([build_stage_asset(spec) for spec in STAGE_SPECS]
            + [build_model_asset(spec) for spec in MODEL_SPECS]
            + [build_export_asset(table, prefix) for table, prefix in EXPORTS.items()])
