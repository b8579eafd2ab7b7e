from __future__ import annotations

import dagster as dg

from capstone_assets.learning import automation
from capstone_assets.learning.assets import build_assets
from capstone_assets.settings import Settings


def build_definitions(settings: Settings) -> dg.Definitions:
    return dg.Definitions(
        assets=automation.with_freshness(settings, build_assets(settings)),
        jobs=[automation.facts_job, automation.dimensions_job, automation.marts_job],
        schedules=automation.build_schedules(settings),
        sensors=[automation.new_files_sensor],
    )
