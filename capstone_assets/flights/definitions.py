from __future__ import annotations

import dagster as dg

from capstone_assets.flights import automation
from capstone_assets.flights.assets import build_assets
from capstone_assets.settings import Settings


def build_definitions(settings: Settings) -> dg.Definitions:
    return dg.Definitions(
        assets=build_assets(),
        jobs=[automation.reload_job, automation.references_job],
        sensors=[automation.uploads_sensor],
    )
