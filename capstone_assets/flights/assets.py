"""The flights group's assets, built from its specs by the shared factories.

`flights` loads exactly one upload per run: the one named by the run's `flights/upload` tag (set by the
sensor), else the newest file under `flights/uploads/`.
"""

from __future__ import annotations

import dataclasses

import dagster as dg

from capstone_assets.flights.specs import FLIGHTS, MODEL_SPECS, STAGE_SPECS, UPLOAD_SUFFIX, UPLOADS
from capstone_assets.lib.models import build_model_asset
from capstone_assets.lib.partition_files import partition_files
from capstone_assets.lib.specs import StageSpec
from capstone_assets.lib.staging import build_stage_asset
from capstone_assets.resources.lake import Lake, LakeObject
from capstone_assets.resources.warehouse import LoadError

UPLOAD_TAG = "flights/upload"
UPLOAD_VERSION_TAG = "flights/upload_version"


def uploads(lake: Lake) -> list[LakeObject]:
    """The uploads a reload may load, by the rule the loads and the sensor use (strays such as `~$x.csv` are not)."""
    return list(partition_files(FLIGHTS, lake.list(UPLOADS), {})[0])


def newest(objects: list[LakeObject]) -> LakeObject | None:
    return max(objects, key=lambda o: (o.modified, o.key), default=None)


def upload_for_run(context: dg.AssetExecutionContext, spec: StageSpec, lake: Lake) -> StageSpec:
    """Narrow the flights spec to the one upload this run loads."""
    key = context.run.tags.get(UPLOAD_TAG)
    if key is None:
        latest = newest(uploads(lake))
        if latest is None:
            raise LoadError(f"no upload under {UPLOADS} (*{UPLOAD_SUFFIX}) in the lake; flights.flights was not changed")
        key = latest.key
    elif not (key.startswith(UPLOADS) and key.removesuffix(".gz").endswith(UPLOAD_SUFFIX)):
        raise LoadError(f"run tag {UPLOAD_TAG}={key!r} is not an upload under {UPLOADS}; flights.flights was not changed")
    requested = context.run.tags.get(UPLOAD_VERSION_TAG)
    current = next((o.version for o in lake.list(UPLOADS) if o.key == key), None)
    if requested and current and requested != current:
        context.log.info(f"{key} was replaced again since the sensor saw version {requested}; loading the newer {current}")
    context.log.info(f"reloading flights.flights from {key}")
    return dataclasses.replace(spec, path=key, suffix="")


def build_assets() -> list[dg.AssetsDefinition]:
    staged = [build_stage_asset(spec, resolve=upload_for_run if spec is FLIGHTS else None) for spec in STAGE_SPECS]
    return staged + [build_model_asset(spec) for spec in MODEL_SPECS]
