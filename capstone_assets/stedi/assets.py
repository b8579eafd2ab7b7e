"""The stedi group's assets: landing tables and zone models from the shared factories, Parquet copies of the
trusted and curated tables in the lake (`stedi/<entity>/<zone>/`), and every zone in the lake catalogue."""


import dagster as dg

from capstone_assets.lib.lake_tables import build_lake_table_asset
from capstone_assets.lib.models import build_model_asset
from capstone_assets.lib.staging import build_stage_asset
from capstone_assets.stedi.specs import LAKE_TABLES, MODEL_SPECS, STAGE_SPECS


def build_assets() -> list[dg.AssetsDefinition]:
    return ([build_stage_asset(spec) for spec in STAGE_SPECS]
            + [build_model_asset(spec) for spec in MODEL_SPECS]
            + [build_lake_table_asset(spec) for spec in LAKE_TABLES])
