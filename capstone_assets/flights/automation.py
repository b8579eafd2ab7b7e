"""When the flights group runs: a sensor on the vendor's uploads and on the two reference files.

A new upload (a new key, or the same key with a new ETag/version) requests one reload of `flights`
from the newest changed upload; its run key is key + version, so a duplicate notification loads
nothing and a corrected re-upload of the same key is loaded. The reference tables reload only when
their own files change.
"""

from __future__ import annotations

import dagster as dg

from capstone_assets.flights.assets import UPLOAD_TAG, UPLOAD_VERSION_TAG, newest
from capstone_assets.flights.specs import AIRLINES, AIRPORTS, FLIGHTS, GROUP, MODEL_SPECS, UPLOADS
from capstone_assets.lib.partition_files import file_rule
from capstone_assets.lib.run_tags import writes_tag
from capstone_assets.lib.sensors import digest, log_skipped, table_changes
from capstone_assets.resources.lake import Lake

REFERENCE_FILES = {path for spec in (AIRLINES, AIRPORTS) for path in (spec.path, *spec.alternative_paths)}
FILE_RULES = {spec.name: file_rule(spec) for spec in (FLIGHTS, AIRLINES, AIRPORTS)}  # the loads' own rule

WRITES_TAG = writes_tag(GROUP)

reload_selection = dg.AssetSelection.assets(FLIGHTS.key, *[spec.key for spec in MODEL_SPECS])
reload_job = dg.define_asset_job(
    "flights_reload_job", selection=reload_selection,
    description="Replace flights.flights with one upload (run tag flights/upload) and refresh the views.",
    tags=WRITES_TAG,
)
references_job = dg.define_asset_job(
    "flights_references_job", selection=dg.AssetSelection.assets(AIRLINES.key, AIRPORTS.key),
    description="Reload the airlines and airports reference tables.",
    tags=WRITES_TAG,
)


# Running by default, like the S3-notification Lambda it replaces: once the daemon runs (`make dev`), an upload
# is loaded without anyone switching the sensor on.
@dg.sensor(name="flights_uploads_sensor", jobs=[reload_job, references_job], minimum_interval_seconds=30,
           default_status=dg.DefaultSensorStatus.RUNNING,
           description="Reloads flights from the newest new or re-uploaded file; reference tables when their files change. "
                       "Running by default: the daemon evaluates it without anyone switching it on.")
def uploads_sensor(context: dg.SensorEvaluationContext, lake: Lake):
    changes = table_changes(context.cursor, lake, [f"{GROUP}/"], FILE_RULES, lake.settle_seconds)
    log_skipped(context.log, changes)
    changed = [file.obj for file in changes.changed]
    requests = []
    references = {o.key: o.version for o in changed if o.key in REFERENCE_FILES}
    if references:
        requests.append(dg.RunRequest(run_key=f"references:{digest(references)}", job_name=references_job.name,
                                      tags={"capstone/changed_files": ",".join(sorted(references))}))
    upload = newest([o for o in changed if o.key.startswith(UPLOADS)])
    if upload is not None:
        requests.append(dg.RunRequest(
            run_key=f"{upload.key}@{upload.version}", job_name=reload_job.name,
            tags={UPLOAD_TAG: upload.key, UPLOAD_VERSION_TAG: upload.version},
        ))
    return dg.SensorResult(run_requests=requests, cursor=changes.cursor)
