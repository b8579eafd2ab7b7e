"""Merge every group's Definitions and bind the resources once."""

from __future__ import annotations

import dagster as dg


from capstone_assets.automation import run_failure_sensor
from capstone_assets.flights.definitions import build_definitions as flights_definitions
from capstone_assets.learning.definitions import build_definitions as learning_definitions
from capstone_assets.resources import build_resources
from capstone_assets.sparkify.definitions import build_definitions as sparkify_definitions
from capstone_assets.stedi.definitions import build_definitions as stedi_definitions
from capstone_assets.settings import Settings, load_settings

GROUP_DEFINITIONS = [learning_definitions, flights_definitions, sparkify_definitions, stedi_definitions]


def build_definitions(settings: Settings | None = None) -> dg.Definitions:
    settings = settings or load_settings()
    merged = dg.Definitions.merge(*[build(settings) for build in GROUP_DEFINITIONS])
    return dg.Definitions.merge(
        merged,
        dg.Definitions(
            resources=build_resources(settings),
            executor=dg.in_process_executor if settings.is_local else dg.multiprocess_executor,
            sensors=[run_failure_sensor],
        ),
    )


defs = build_definitions()
