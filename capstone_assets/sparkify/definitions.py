"""The sparkify group's assets, jobs, schedules and sensor, built from its specs by the shared factories."""

from __future__ import annotations

import dagster as dg

from capstone_assets.lib.models import build_model_asset
from capstone_assets.lib.staging import build_stage_asset
from capstone_assets.settings import Settings
from capstone_assets.sparkify import automation
from capstone_assets.sparkify.lake_export import build_lake_export_assets
from capstone_assets.sparkify.specs import model_specs, month_partitions, stage_specs
from capstone_assets.sparkify.text_repair import build_text_repairs_asset


def build_assets(settings: Settings) -> list[dg.AssetsDefinition]:
    return (
        [build_stage_asset(spec) for spec in stage_specs(settings)]
        + [build_text_repairs_asset(month_partitions(settings))]
        + [build_model_asset(spec) for spec in model_specs(settings)]
        + build_lake_export_assets()
    )


def build_definitions(settings: Settings) -> dg.Definitions:
    return dg.Definitions(
        assets=build_assets(settings),
        jobs=[automation.events_job, automation.songs_job, automation.dimensions_job],
        schedules=[automation.events_schedule, automation.dimensions_schedule],
        sensors=[automation.build_new_files_sensor(month_partitions(settings))],
    )
