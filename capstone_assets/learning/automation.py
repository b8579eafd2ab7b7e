"""When the learning group runs: a monthly schedule per degree, and a sensor on new or changed lake files."""


import re

import dagster as dg

from capstone_assets.learning.specs import DIMENSION_FILES, FACT_FILE_NAMES, GROUP
from capstone_assets.lib.sensors import digest, lake_changes
from capstone_assets.resources.lake import Lake

FACT_KEY = re.compile(r"^learning/(?P<degree>[a-z_][a-z0-9_]*)/(?P<year>\d{4})/(?P<month>\d{1,2})/(?P<name>[a-z_]+)\.csv$")
DIMENSION_KEYS = {DIMENSION_FILES.format(name) for name in ("users_dim", "projects_dim", "videos_dim")}

facts_selection = dg.AssetSelection.assets(*[dg.AssetKey([GROUP, f"stg_{name}"]) for name in FACT_FILE_NAMES])
dimensions_selection = dg.AssetSelection.assets(
    *[dg.AssetKey([GROUP, name]) for name in ("stg_users", "stg_projects", "stg_videos", "dim_users", "dim_projects", "dim_videos")]
)
marts_selection = dg.AssetSelection.groups(GROUP) - facts_selection - dimensions_selection

facts_job = dg.define_asset_job("learning_facts_job", selection=facts_selection,
                                description="Load learning fact partitions (degree x month).")
dimensions_job = dg.define_asset_job("learning_dimensions_job", selection=dimensions_selection,
                                     description="Reload the learning dimensions.")
marts_job = dg.define_asset_job("learning_marts_job", selection=marts_selection,
                                description="Rebuild the learning marts over all partitions.")

facts_schedule = dg.build_schedule_from_partitioned_job(
    facts_job, name="learning_monthly_schedule",
    description="On the 1st of each month: one run per degree for the month that just ended.",
)
marts_schedule = dg.ScheduleDefinition(
    name="learning_marts_monthly_schedule", job=marts_job, cron_schedule="0 6 1 * *",
    description="Six hours after the monthly fact loads: rebuild the marts.",
)


@dg.sensor(name="learning_new_files_sensor", jobs=[facts_job, dimensions_job], minimum_interval_seconds=60,
           description="Requests exactly the degree x month partitions (and the dimension reload) whose files are new or changed.")
def new_files_sensor(context: dg.SensorEvaluationContext, lake: Lake):
    changes = lake_changes(context.cursor, lake, [f"{GROUP}/"])
    changed = changes.changed
    partitions_def = context.repository_def.get_job(facts_job.name).partitions_def
    by_partition: dict[str, dict[str, str]] = {}
    dimension_changes = {k: v for k, v in changed.items() if k in DIMENSION_KEYS}
    for key, version in changed.items():
        match = FACT_KEY.match(key)
        if not match or match["name"] not in FACT_FILE_NAMES:
            continue
        partition = dg.MultiPartitionKey({"degree": match["degree"], "month": f"{int(match['year']):04d}-{int(match['month']):02d}-01"})
        if not partitions_def.has_partition_key(partition):
            context.log.info(f"ignoring {key}: {partition} is not a configured degree x month partition")
            continue
        by_partition.setdefault(str(partition), {})[key] = version
    requests = []
    if dimension_changes:
        requests.append(dg.RunRequest(run_key=f"dimensions:{digest(dimension_changes)}", job_name=dimensions_job.name))
    for partition, files in sorted(by_partition.items()):
        names = sorted({FACT_KEY.match(k)["name"] for k in files})
        requests.append(dg.RunRequest(
            run_key=f"{partition}:{digest(files)}",
            job_name=facts_job.name,
            partition_key=partition,
            asset_selection=[dg.AssetKey([GROUP, f"stg_{name}"]) for name in names],
            tags={"capstone/changed_files": ",".join(sorted(files))[:1000]},
        ))
    return dg.SensorResult(run_requests=requests, cursor=changes.cursor)
