"""The sparkify group as data: its staged tables, its star schema and their rules."""

from __future__ import annotations

import dagster as dg

from capstone_assets.lib import checks as c
from capstone_assets.lib.charts import bar_chart_markdown
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
        StageSpec(GROUP, "staging_songs", SONG_FOLDER, format="json", suffix=".json", keys=("song_id",), subfolders=True,
                  description="Raw song metadata (one JSON object per file under `sparkify/song_data/`)."),
    ]


def count_of(sql_where: str, table: str) -> str:
    return f"SELECT COUNT(*) FROM sparkify.{table} WHERE {sql_where}"


def quality_pair(name: str, sql: str, expected) -> c.Check:
    """A `DataQualityOperator` `{sql, expected}` pair. Blocking, as the operator failed the DAG: a failure fails the
    run and nothing downstream of the table is materialized on top of it."""
    return c.expectation(name, sql, expected, blocking=True)


def chart(title: str, table: str, label: str, value: str, order_by: str, limit: int = 24):
    """Metadata for a mart: a bar chart of its `value` by `label`, first `limit` rows in `order_by` order."""
    def metadata(warehouse) -> dict:
        rows = warehouse.query(f"SELECT {label}, {value} FROM sparkify.{table} ORDER BY {order_by} LIMIT {limit}")
        return {"chart": dg.MetadataValue.md(bar_chart_markdown(title, [str(r[0]) for r in rows], [r[1] for r in rows]))}

    return metadata


def model_specs(settings: Settings) -> list[ModelSpec]:
    return [
        ModelSpec(GROUP, "songs", mode="truncate_insert", keys=("song_id",), distribution="ALL", sort_key=("song_id",),
                  description="One row per song (truncate-insert: reloaded whole in one transaction).",
                  checks=(quality_pair("no_songs_without_title", count_of("title IS NULL", "songs"), 0),)),
        ModelSpec(GROUP, "artists", mode="upsert", keys=("artist_id",), distribution="ALL", sort_key=("artist_id",),
                  description="One row per artist (upsert: new artists appended, changed ones updated).",
                  checks=(quality_pair("no_artists_without_name", count_of("name IS NULL", "artists"), 0),)),
        ModelSpec(GROUP, "songplays", partitions=month_partitions(settings), keys=("songplay_id",),
                  run_modes=("replace", "append"),
                  in_month=("start_time",), distribution="EVEN", sort_key=("start_time",),
                  references=(Reference("song_id", GROUP, "songs"), Reference("artist_id", GROUP, "artists")),
                  description="One row per NextSong event, partitioned by month; song and artist matched on "
                              "title, artist name and duration. Load mode per run (run config `mode`): 'replace' "
                              "(default: the run's months deleted, then loaded) or 'append' (LoadFact's append: "
                              "inserted without deleting; a month appended twice is there twice).",
                  checks=(
                      quality_pair("no_songplays_without_start_time", count_of("start_time IS NULL", "songplays"), 0),
                      quality_pair("no_songplays_without_user", count_of("user_id IS NULL", "songplays"), 0),
                      quality_pair("songplays_level_is_free_or_paid",
                                   count_of("level NOT IN ('free', 'paid') OR level IS NULL", "songplays"), 0),
                  )),
        ModelSpec(GROUP, "users", mode="upsert", keys=("user_id",), distribution="ALL", sort_key=("user_id",),
                  description="One row per user with the level of their latest event (upsert).",
                  checks=(
                      quality_pair("users_level_is_free_or_paid",
                                   count_of("level NOT IN ('free', 'paid') OR level IS NULL", "users"), 0),
                      quality_pair("no_users_without_first_name", count_of("first_name IS NULL", "users"), 0),
                  )),
        ModelSpec(GROUP, "time", mode="truncate_insert", keys=("start_time",), distribution="ALL",
                  sort_key=("start_time",),
                  description="One row per songplay start time, broken into calendar units.",
                  checks=(
                      quality_pair("every_songplay_start_time_in_time",
                                   "SELECT COUNT(*) FROM sparkify.songplays AS p WHERE NOT EXISTS "
                                   "(SELECT 1 FROM sparkify.\"time\" AS t WHERE t.start_time = p.start_time)", 0),
                      c.between("hour", 0, 23, blocking=True),
                      c.between("weekday", 0, 6, blocking=True),
                  )),
    ] + mart_specs()


def mart_specs() -> list[ModelSpec]:
    """The analyses users ran on the star schema, each a table rebuilt over every loaded month."""
    return [
        ModelSpec(GROUP, "plays_by_hour", keys=("hour",), checks=(c.between("hour", 0, 23, blocking=True),),
                  extra_metadata=chart("Songplays by hour of day (UTC)", "plays_by_hour", "hour", "plays", "hour"),
                  description="Songplays and listeners by hour of the day (UTC), with a chart."),
        ModelSpec(GROUP, "plays_by_weekday", keys=("weekday",), checks=(c.between("weekday", 0, 6, blocking=True),),
                  extra_metadata=chart("Songplays by weekday (UTC)", "plays_by_weekday", "weekday_name", "plays", "weekday"),
                  description="Songplays and listeners by day of the week (0 = Sunday), with a chart."),
        ModelSpec(GROUP, "top_songs", may_be_empty=True, keys=("song_id",),
                  extra_metadata=chart("Most played songs", "top_songs", "title", "plays", "song_rank, title", limit=10),
                  description="Songs ranked by plays (songplays matched to song_data), with artist and listeners; "
                              "a chart of the top 10."),
        ModelSpec(GROUP, "top_artists", may_be_empty=True, keys=("artist_id",),
                  extra_metadata=chart("Most played artists", "top_artists", "artist_name", "plays", "artist_rank, artist_name",
                                       limit=10),
                  description="Artists ranked by plays (songplays matched to song_data); a chart of the top 10."),
        ModelSpec(GROUP, "plays_by_level", keys=("level",),
                  extra_metadata=chart("Songplays by level", "plays_by_level", "level", "plays", "level"),
                  description="Free versus paid activity: plays, listeners, plays per listener and share, with a chart."),
        ModelSpec(GROUP, "level_changes", may_be_empty=True,
                  description="Users changing level (free <-> paid): one row per change, at the first play on the new level."),
        ModelSpec(GROUP, "sessions", keys=("user_id", "session_id"),
                  description="One row per listening session: first and last play, length in seconds, songs."),
        ModelSpec(GROUP, "session_summary",
                  description="Sessions in one row: count, users, average length in minutes, average songs per session."),
    ]
