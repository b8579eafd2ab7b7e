"""When the learning group runs: a monthly (or daily) schedule per degree, a sensor on new or changed lake files,
and the freshness policies that show an overdue table in the UI."""


import datetime as dt

import dagster as dg

from capstone_assets.learning.specs import DIMENSION_FILES, FACT_FILE_NAMES, FACT_FILES, GROUP, fact_partitions
from capstone_assets.lib.partition_files import FileRule
from capstone_assets.lib.run_tags import writes_tag
from capstone_assets.lib.sensors import digest, log_skipped, table_changes
from capstone_assets.resources.lake import Lake
from capstone_assets.settings import Settings

# where each staged table's files are: the specs' own path constants, read by the rule the loads use
FILE_RULES = {f"stg_{name}": FileRule(FACT_FILES.format(name)) for name in FACT_FILE_NAMES} | {
    table: FileRule(DIMENSION_FILES.format(file)) for table, file in (
        ("stg_users", "users_dim"), ("stg_projects", "projects_dim"), ("stg_videos", "videos_dim"),
        ("stg_enrollments", "enrollments"))}
DIMENSION_TABLES = ("stg_users", "stg_projects", "stg_videos", "stg_enrollments", "dim_users", "dim_projects",
                    "dim_videos", "enrollments")

facts_selection = dg.AssetSelection.assets(*[dg.AssetKey([GROUP, f"stg_{name}"]) for name in FACT_FILE_NAMES])
dimensions_selection = dg.AssetSelection.assets(*[dg.AssetKey([GROUP, name]) for name in DIMENSION_TABLES])
marts_selection = dg.AssetSelection.groups(GROUP) - facts_selection - dimensions_selection

WRITES_TAG = writes_tag(GROUP)

facts_job = dg.define_asset_job("learning_facts_job", selection=facts_selection,
                                description="Load learning fact partitions (degree x month).", tags=WRITES_TAG)
dimensions_job = dg.define_asset_job("learning_dimensions_job", selection=dimensions_selection,
                                     description="Reload the learning dimensions.", tags=WRITES_TAG)
marts_job = dg.define_asset_job("learning_marts_job", selection=marts_selection,
                                description="Rebuild the learning marts over all partitions.", tags=WRITES_TAG)

facts_schedule = dg.build_schedule_from_partitioned_job(
    facts_job, name="learning_monthly_schedule",
    description="On the 1st of each month: one run per degree for the month that just ended.",
)
marts_schedule = dg.ScheduleDefinition(
    name="learning_marts_monthly_schedule", job=marts_job, cron_schedule="0 6 1 * *",
    description="Six hours after the monthly fact loads: rebuild the marts.",
)
daily_marts_schedule = dg.ScheduleDefinition(
    name="learning_marts_daily_schedule", job=marts_job, cron_schedule="0 3 * * *",
    description="Two hours after the daily fact refresh: rebuild the marts.",
)


def month_to_refresh(scheduled_at: dt.datetime) -> str:
    """The month of the day that just ended: the month in progress, or on the 1st the month that just closed."""
    day = (scheduled_at - dt.timedelta(days=1)).date()
    return f"{day:%Y-%m}-01"


def build_daily_facts_schedule(settings: Settings) -> dg.ScheduleDefinition:
    months = fact_partitions(settings).get_partitions_def_for_dimension("month")

    @dg.schedule(name="learning_daily_schedule", job=facts_job, cron_schedule="0 1 * * *",
                 description="Every day at 01:00 UTC: one run per degree reloading the month of the day that ended "
                             "(the month in progress; on the 1st, the month that just closed).")
    def daily_facts_schedule(context: dg.ScheduleEvaluationContext):
        scheduled_at = context.scheduled_execution_time or dt.datetime.now(dt.timezone.utc)
        month = month_to_refresh(scheduled_at)
        if month not in months.get_partition_keys(current_time=scheduled_at):
            return dg.SkipReason(f"month {month} is not a learning partition (CAPSTONE_LEARNING_START/_END)")
        return [
            dg.RunRequest(run_key=f"{partition}:{scheduled_at:%Y-%m-%d}", partition_key=str(partition))
            for partition in (dg.MultiPartitionKey({"degree": degree, "month": month}) for degree in settings.degrees)
        ]

    return daily_facts_schedule


def build_schedules(settings: Settings) -> list[dg.ScheduleDefinition]:
    """CAPSTONE_LEARNING_CADENCE picks the pair: the monthly close, or a daily refresh of the current month."""
    if settings.learning_cadence == "daily":
        return [build_daily_facts_schedule(settings), daily_marts_schedule]
    return [facts_schedule, marts_schedule]


# Freshness (the SLA): the window in which each table must have been materialized, one per cadence. A table
# not materialized between `deadline - window` and `deadline` shows as failing its freshness in the UI.
FRESHNESS = {
    # facts: loaded on the 1st at 00:00, due by 12:00; marts: rebuilt at 06:00, due by 18:00
    "monthly": {"facts": ("0 12 1 * *", dt.timedelta(hours=12)), "marts": ("0 18 1 * *", dt.timedelta(hours=12))},
    # facts: refreshed at 01:00, due by 07:00; marts: rebuilt at 03:00, due by 09:00
    "daily": {"facts": ("0 7 * * *", dt.timedelta(hours=6)), "marts": ("0 9 * * *", dt.timedelta(hours=6))},
}


def freshness_policy(cadence: str, layer: str) -> dg.FreshnessPolicy:
    deadline, window = FRESHNESS[cadence][layer]
    return dg.FreshnessPolicy.cron(deadline_cron=deadline, lower_bound_delta=window, timezone="UTC")


def with_freshness(settings: Settings, assets: list[dg.AssetsDefinition]) -> list[dg.AssetsDefinition]:
    """Facts (the staged degree x month tables) and marts carry the cadence's freshness policy; dimensions
    change only when their files do and carry none."""
    facts = {dg.AssetKey([GROUP, f"stg_{name}"]) for name in FACT_FILE_NAMES}
    dimensions = {dg.AssetKey([GROUP, name]) for name in DIMENSION_TABLES}

    def apply(spec: dg.AssetSpec) -> dg.AssetSpec:
        if spec.key in dimensions:
            return spec
        return dg.apply_freshness_policy(spec, freshness_policy(settings.learning_cadence,
                                                                "facts" if spec.key in facts else "marts"))

    return list(dg.map_asset_specs(apply, assets))


@dg.sensor(name="learning_new_files_sensor", jobs=[facts_job, dimensions_job], minimum_interval_seconds=60,
           description="Requests exactly the degree x month partitions (and the dimension reload) whose files are new or "
                       "changed, by the rule the loads use (strays are named and ignored).")
def new_files_sensor(context: dg.SensorEvaluationContext, lake: Lake):
    changes = table_changes(context.cursor, lake, [f"{GROUP}/"], FILE_RULES, lake.settle_seconds)
    log_skipped(context.log, changes)
    partitions_def = context.repository_def.get_job(facts_job.name).partitions_def
    by_partition: dict[str, dict[str, str]] = {}
    dimension_changes: dict[str, str] = {}
    for file in changes.changed:
        if not file.partition:
            dimension_changes[file.obj.key] = file.obj.version
            continue
        partition = dg.MultiPartitionKey({"degree": file.partition["degree"], "month": file.partition["month"].isoformat()})
        if not partitions_def.has_partition_key(partition):
            context.log.info(f"ignoring {file.obj.key}: {partition} is not a configured degree x month partition")
            continue
        by_partition.setdefault(str(partition), {})[file.obj.key] = file.obj.version
    tables = {file.obj.key: file.table for file in changes.changed}
    requests = []
    if dimension_changes:
        requests.append(dg.RunRequest(run_key=f"dimensions:{digest(dimension_changes)}", job_name=dimensions_job.name))
    for partition, files in sorted(by_partition.items()):
        requests.append(dg.RunRequest(
            run_key=f"{partition}:{digest(files)}",
            job_name=facts_job.name,
            partition_key=partition,
            asset_selection=[dg.AssetKey([GROUP, table]) for table in sorted({tables[k] for k in files})],
            tags={"capstone/changed_files": ",".join(sorted(files))[:1000]},
        ))
    return dg.SensorResult(run_requests=requests, cursor=changes.cursor)
