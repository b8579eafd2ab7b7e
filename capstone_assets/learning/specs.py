"""The learning group as data: where each staged table's files are, its keys, references and rules."""

from __future__ import annotations

import dagster as dg

from capstone_assets.lib import checks as c
from capstone_assets.lib.charts import bar_chart_markdown
from capstone_assets.lib.checks import Reference
from capstone_assets.lib.partitions import degree_month
from capstone_assets.lib.specs import ModelSpec, StageSpec
from capstone_assets.settings import Settings

GROUP = "learning"
DIMENSION_FILES = "learning/dimensional_tables/{}.csv"
FACT_FILES = "learning/{{degree}}/{{year}}/{{month}}/{}.csv"
FACT_FILE_NAMES = ("project_feedback", "section_feedback", "mentor_activity", "video_log")


def ref(column: str, table: str, ref_column: str | None = None) -> Reference:
    return Reference(column, GROUP, table, ref_column)


def fact_partitions(settings: Settings) -> dg.MultiPartitionsDefinition:
    """Degree x month; a daily cadence also offers the month in progress, which it refreshes every day."""
    in_progress = 1 if settings.learning_cadence == "daily" else 0
    return degree_month(settings.degrees, settings.learning_start, settings.learning_end, end_offset=in_progress)


def stage_specs(settings: Settings) -> list[StageSpec]:
    facts = fact_partitions(settings)

    def fact(name: str, keys, references, in_month, checks=()) -> StageSpec:
        return StageSpec(GROUP, f"stg_{name}", FACT_FILES.format(name), partitions=facts, keys=keys,
                         references=references, in_month=in_month, checks=tuple(checks))

    return [
        StageSpec(GROUP, "stg_users", DIMENSION_FILES.format("users_dim")),
        StageSpec(GROUP, "stg_projects", DIMENSION_FILES.format("projects_dim")),
        StageSpec(GROUP, "stg_videos", DIMENSION_FILES.format("videos_dim")),
        fact("project_feedback", ("feedback_id",), (ref("user_id", "dim_users"), ref("project_id", "dim_projects")),
             ("submitted_at",), [c.between("rating", 1, 5)]),
        fact("section_feedback", ("feedback_id",), (ref("user_id", "dim_users"), ref("section_id", "dim_videos")),
             ("submitted_at",), [c.between("rating", 1, 5)]),
        fact("mentor_activity", ("question_id",), (ref("user_id", "dim_users"), ref("project_id", "dim_projects")),
             ("asked_at",), [c.between("response_minutes", 1, 10080)]),
        fact("video_log", ("view_id",), (ref("user_id", "dim_users"), ref("video_id", "dim_videos")),
             ("viewed_at",), [c.between("watched_seconds", 1, 86400)]),
    ]


def themes_chart(warehouse) -> dict:
    rows = warehouse.query(
        "SELECT phrase, mentions FROM learning.negative_feedback_themes WHERE theme_rank <= 10 ORDER BY theme_rank"
    )
    chart = bar_chart_markdown("Top negative-feedback themes", [r[0] for r in rows], [int(r[1]) for r in rows])
    return {"top_themes_chart": dg.MetadataValue.md(chart)}


MODEL_SPECS = [
    ModelSpec(GROUP, "dim_users", keys=("user_id",), description="One row per learner.",
              checks=(c.not_null("degree"),)),
    ModelSpec(GROUP, "dim_projects", keys=("project_id",), description="One row per project.",
              checks=(c.between("difficulty", 1, 5),)),
    ModelSpec(GROUP, "dim_videos", keys=("video_id",), description="One row per video and its section.",
              checks=(c.between("duration_seconds", 1, 36000),)),
    ModelSpec(GROUP, "top_videos_by_views_per_user", keys=("video_id",),
              description="(a) Videos ranked by views per distinct viewer."),
    ModelSpec(GROUP, "negative_feedback_share", keys=("degree", "month"),
              description="(b) Share of negative feedback (rating 1-2) per degree and month.",
              checks=(c.between("negative_share", 0, 1),)),
    ModelSpec(GROUP, "text_phrases", keys=("source", "degree", "phrase"),
              description="Two-word phrases of negative feedback and mentor questions, counted per source and degree."),
    ModelSpec(GROUP, "negative_feedback_themes", keys=("phrase",), extra_metadata=themes_chart,
              description="(c) Most common negative-feedback themes (two-word phrase counts), with a chart."),
    ModelSpec(GROUP, "mentor_question_topics", keys=("phrase",),
              description="(d) Most common mentor-question topics (two-word phrase counts)."),
    ModelSpec(GROUP, "viewing_after_negative_feedback", keys=("cohort",),
              description="(e) Whether students who give negative feedback stop watching videos afterwards."),
]
