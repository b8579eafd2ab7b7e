"""The sparkify group as data: its staged tables, its star schema and their rules."""

from __future__ import annotations

import dagster as dg

from capstone_assets.lib import checks as c
from capstone_assets.lib.checks import Reference
from capstone_assets.lib.partitions import monthly
from capstone_assets.lib.specs import ModelSpec, StageSpec
from capstone_assets.settings import Settings

GROUP = "sparkify"
LOG_FOLDER = "sparkify/log_data/{year}/{mm}/"
SONG_FOLDER = "sparkify/song_data/"
JSONPATHS = "sparkify/log_json_path.json"
EVENT_FIELDS = {  # table column -> JSON key, where they differ
    "first_name": "firstName", "item_in_session": "itemInSession", "last_name": "lastName",
    "session_id": "sessionId", "user_agent": "userAgent", "user_id": "userId",
}


def month_partitions(settings: Settings) -> dg.MonthlyPartitionsDefinition:
    return monthly(settings.sparkify_start, settings.sparkify_end)


def stage_specs(settings: Settings) -> list[StageSpec]:
    return [
        StageSpec(GROUP, "staging_events", LOG_FOLDER, format="ndjson", suffix=".json",
                  partitions=month_partitions(settings), field_names=EVENT_FIELDS, options={"jsonpaths": JSONPATHS},
                  checks=(c.between("status", 100, 599),),
                  description="Raw listening events of one month (every file under `sparkify/log_data/{yyyy}/{mm}/`)."),
        StageSpec(GROUP, "staging_songs", SONG_FOLDER, format="json", suffix=".json", keys=("song_id",),
                  description="Raw song metadata (one JSON object per file under `sparkify/song_data/`)."),
    ]


def count_of(sql_where: str, table: str) -> str:
    return f"SELECT COUNT(*) FROM sparkify.{table} WHERE {sql_where}"


def model_specs(settings: Settings) -> list[ModelSpec]:
    return [
        ModelSpec(GROUP, "songs", mode="truncate_insert", keys=("song_id",), distribution="ALL", sort_key=("song_id",),
                  description="One row per song (truncate-insert: reloaded whole in one transaction).",
                  checks=(c.expectation("no_songs_without_title", count_of("title IS NULL", "songs"), 0),)),
        ModelSpec(GROUP, "artists", mode="upsert", keys=("artist_id",), distribution="ALL", sort_key=("artist_id",),
                  description="One row per artist (upsert: new artists appended, changed ones updated).",
                  checks=(c.expectation("no_artists_without_name", count_of("name IS NULL", "artists"), 0),)),
        ModelSpec(GROUP, "songplays", partitions=month_partitions(settings), keys=("songplay_id",),
                  in_month=("start_time",), distribution="EVEN", sort_key=("start_time",),
                  references=(Reference("song_id", GROUP, "songs"), Reference("artist_id", GROUP, "artists")),
                  description="One row per NextSong event, partitioned by month; song and artist matched on "
                              "title, artist name and duration.",
                  checks=(
                      c.expectation("no_songplays_without_start_time", count_of("start_time IS NULL", "songplays"), 0),
                      c.expectation("no_songplays_without_user", count_of("user_id IS NULL", "songplays"), 0),
                      c.expectation("songplays_level_is_free_or_paid",
                                    count_of("level NOT IN ('free', 'paid') OR level IS NULL", "songplays"), 0),
                  )),
        ModelSpec(GROUP, "users", mode="upsert", keys=("user_id",), distribution="ALL", sort_key=("user_id",),
                  description="One row per user with the level of their latest event (upsert).",
                  checks=(
                      c.expectation("users_level_is_free_or_paid",
                                    count_of("level NOT IN ('free', 'paid') OR level IS NULL", "users"), 0),
                      c.expectation("no_users_without_first_name", count_of("first_name IS NULL", "users"), 0),
                  )),
        ModelSpec(GROUP, "time", mode="truncate_insert", keys=("start_time",), distribution="ALL",
                  sort_key=("start_time",),
                  description="One row per songplay start time, broken into calendar units.",
                  checks=(
                      c.expectation("every_songplay_start_time_in_time",
                                    "SELECT COUNT(*) FROM sparkify.songplays AS p WHERE NOT EXISTS "
                                    "(SELECT 1 FROM sparkify.\"time\" AS t WHERE t.start_time = p.start_time)", 0),
                      c.between("hour", 0, 23, blocking=True),
                      c.between("weekday", 0, 6, blocking=True),
                  )),
    ]
