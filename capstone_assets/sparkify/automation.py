"""When the sparkify group runs: a monthly schedule for the event load, and a sensor on new or changed lake files."""

from __future__ import annotations

import dagster as dg

from capstone_assets.lib.partition_files import FileRule
from capstone_assets.lib.run_tags import writes_tag
from capstone_assets.lib.sensors import digest, log_skipped, table_changes
from capstone_assets.resources.lake import Lake
from capstone_assets.sparkify.specs import GROUP, LOG_FOLDER, SONG_FOLDER, mart_specs

# where each staged table's files are (the specs' constants), read by the rule the loads use
FILE_RULES = {"staging_events": FileRule(LOG_FOLDER, ".json"), "staging_songs": FileRule(SONG_FOLDER, ".json", subfolders=True)}
EVENT_ASSETS = ("staging_events", "text_repairs", "songplays")
SONG_ASSETS = ("staging_songs", "songs", "artists")
DIMENSION_ASSETS = ("users", "time", "songplays_lake_export", "songs_lake_export", "time_lake_export",
                    "users_lake_export", "artists_lake_export")


def _selection(names) -> dg.AssetSelection:
    return dg.AssetSelection.assets(*[dg.AssetKey([GROUP, name]) for name in names])


WRITES_TAG = writes_tag(GROUP)

events_job = dg.define_asset_job("sparkify_events_job", selection=_selection(EVENT_ASSETS),
                                 description="Load one month of listening events into staging_events and songplays.",
                                 tags=WRITES_TAG)
songs_job = dg.define_asset_job("sparkify_songs_job", selection=_selection(SONG_ASSETS),
                                description="Reload song metadata and the songs and artists dimensions.", tags=WRITES_TAG)
MART_ASSETS = tuple(spec.name for spec in mart_specs())
dimensions_job = dg.define_asset_job("sparkify_dimensions_job", selection=_selection(DIMENSION_ASSETS + MART_ASSETS),
                                     description="Refresh users and time over all months, the marts, and the Parquet "
                                                 "lake export.", tags=WRITES_TAG)

events_schedule = dg.build_schedule_from_partitioned_job(
    events_job, name="sparkify_monthly_schedule",
    description="On the 1st of each month: load the month that just ended.",
)
dimensions_schedule = dg.ScheduleDefinition(
    name="sparkify_dimensions_monthly_schedule", job=dimensions_job, cron_schedule="0 6 1 * *",
    description="Six hours after the monthly event load: refresh users, time, the marts and the lake export.",
)


def build_new_files_sensor(partitions: dg.PartitionsDefinition) -> dg.SensorDefinition:
    @dg.sensor(name="sparkify_new_files_sensor", jobs=[events_job, songs_job], minimum_interval_seconds=60,
               description="Requests exactly the month partitions whose log files are new or changed "
                           "(and a song reload when song_data changes).")
    def new_files_sensor(context: dg.SensorEvaluationContext, lake: Lake):
        changes = table_changes(context.cursor, lake, ["sparkify/log_data/", SONG_FOLDER], FILE_RULES,
                                lake.settle_seconds)
        log_skipped(context.log, changes)
        by_month: dict[str, dict[str, str]] = {}
        song_changes = {}
        for file in changes.changed:
            if file.table == "staging_songs":
                song_changes[file.obj.key] = file.obj.version
                continue
            month = file.partition["month"].isoformat()
            if partitions.has_partition_key(month):
                by_month.setdefault(month, {})[file.obj.key] = file.obj.version
            else:
                context.log.info(f"ignoring {file.obj.key}: {month} is not a configured sparkify month partition")
        requests = []
        if song_changes:
            requests.append(dg.RunRequest(run_key=f"songs:{digest(song_changes)}", job_name=songs_job.name))
        for month, files in sorted(by_month.items()):
            requests.append(dg.RunRequest(
                run_key=f"{month}:{digest(files)}", job_name=events_job.name, partition_key=month,
                tags={"capstone/changed_files": ",".join(sorted(files))[:1000]},
            ))
        return dg.SensorResult(run_requests=requests, cursor=changes.cursor)

    return new_files_sensor
