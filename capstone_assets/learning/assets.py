"""The learning group's assets, built from its specs by the shared factories."""

from __future__ import annotations

import dagster as dg

from capstone_assets.learning.specs import MODEL_SPECS, stage_specs
from capstone_assets.lib.models import build_model_asset
from capstone_assets.lib.staging import build_stage_asset
from capstone_assets.settings import Settings


def build_assets(settings: Settings) -> list[dg.AssetsDefinition]:
    return [build_stage_asset(spec) for spec in stage_specs(settings)] + [build_model_asset(spec) for spec in MODEL_SPECS]
