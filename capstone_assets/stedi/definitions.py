from __future__ import annotations

import dagster as dg

from capstone_assets.lib.run_tags import writes_tag
from capstone_assets.settings import Settings
from capstone_assets.stedi.assets import build_assets

zones_job = dg.define_asset_job("stedi_zones", selection=dg.AssetSelection.groups("stedi"),
                                description="Landing -> trusted -> curated, and the Parquet zone copies.",
                                tags=writes_tag("stedi"))


def build_definitions(settings: Settings) -> dg.Definitions:
    return dg.Definitions(assets=build_assets(), jobs=[zones_job])
