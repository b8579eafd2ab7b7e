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
        StageSpec(GROUP, "stg_enrollments", DIMENSION_FILES.format("enrollments")),
        fact("project_feedback", ("feedback_id",), (ref("user_id", "dim_users"), ref("project_id", "dim_projects")),
             ("submitted_at",), [c.between("rating", 1, 5)]),
        fact("section_feedback", ("feedback_id",), (ref("user_id", "dim_users"), ref("section_id", "dim_videos")),
             ("submitted_at",), [c.between("rating", 1, 5)]),
        fact("mentor_activity", ("question_id",), (ref("user_id", "dim_users"), ref("project_id", "dim_projects")),
             ("asked_at",), [c.between("response_minutes", 1, 10080)]),
        fact("video_log", ("view_id",), (ref("user_id", "dim_users"), ref("video_id", "dim_videos")),
             ("viewed_at",), [c.between("watched_seconds", 1, 86400)]),
    ]


ALL_DEGREES = "all degrees"  # the scope of negative_feedback_themes' rows over every degree


def themes_chart(warehouse) -> dict:
    rows = warehouse.query(
        "SELECT phrase, tfidf FROM learning.negative_feedback_themes WHERE degree = %s AND theme_rank <= 10 "
        "ORDER BY theme_rank", [ALL_DEGREES]
    )
    chart = bar_chart_markdown("Top negative-feedback themes (TF-IDF, all degrees)", [r[0] for r in rows],
                               [round(float(r[1]), 2) for r in rows])
    return {"top_themes_chart": dg.MetadataValue.md(chart)}


MODEL_SPECS = [
    ModelSpec(GROUP, "dim_users", keys=("user_id",), description="One row per learner.",
              checks=(c.not_null("degree"),)),
    ModelSpec(GROUP, "dim_projects", keys=("project_id",), description="One row per project.",
              checks=(c.between("difficulty", 1, 5),)),
    ModelSpec(GROUP, "dim_videos", keys=("video_id",), description="One row per video and its section.",
              checks=(c.between("duration_seconds", 1, 36000),)),
    ModelSpec(GROUP, "enrollments", keys=("enrollment_id",), references=(ref("user_id", "dim_users"),),
              description="One row per enrolment of a user in a degree (the first at signup, further ones later).",
              checks=(c.not_null("degree"), c.not_null("enrolled_at"))),
    ModelSpec(GROUP, "top_videos_by_views_per_user", keys=("video_id",),
              description="(7) Videos ranked by views per distinct viewer."),
    ModelSpec(GROUP, "negative_feedback_share", keys=("degree", "month"),
              description="(5) Share of negative feedback (rating 1-2) per degree and month.",
              checks=(c.between("negative_share", 0, 1),)),
    ModelSpec(GROUP, "negative_feedback_by_content", keys=("item_type", "item_id"),
              description="(5) Negative feedback share and volume per project, section and video: where improvements are needed.",
              checks=(c.between("negative_share", 0, 1),)),
    # phrase analysis: texts -> words -> TF-IDF; tables, as each is read by several marts
    ModelSpec(GROUP, "word_positions", keys=("n",), description="Word positions 1-10,000, to split texts into words."),
    ModelSpec(GROUP, "text_stop_words", keys=("word",),
              description="The stop words and filler phrase analysis leaves out (the one list)."),
    ModelSpec(GROUP, "text_documents", keys=("source", "document_id"),
              description="Every feedback text and mentor question as one cleaned document, with what it concerns."),
    ModelSpec(GROUP, "text_body_terms", keys=("body", "term"),
              description="Words and adjacent-word pairs of each distinct text, stop words and filler removed, with "
                          "their occurrences and term frequency."),
    ModelSpec(GROUP, "text_terms", kind="view",
              description="Words and adjacent-word pairs of each document, one row per occurrence (a view of "
                          "text_body_terms)."),
    ModelSpec(GROUP, "text_video_mentions", keys=("source", "document_id", "video_id"),
              description="The videos each text names by title."),
    ModelSpec(GROUP, "content_items", kind="view", keys=("item_type", "item_id"),
              description="Projects, sections and videos as one list of items feedback concerns."),
    ModelSpec(GROUP, "text_phrases", keys=("source", "degree", "phrase"),
              description="Two-word phrases of negative feedback and mentor questions, counted per source and degree."),
    ModelSpec(GROUP, "negative_feedback_themes", keys=("degree", "phrase"), extra_metadata=themes_chart,
              description="(1) Negative-feedback trends by TF-IDF phrase analysis, per degree and over all degrees, "
                          "with a chart."),
    ModelSpec(GROUP, "mentor_question_terms", keys=("question_id", "term"),
              description="TF-IDF weight of each term of each mentor question."),
    ModelSpec(GROUP, "mentor_question_topics", keys=("project_id", "phrase"),
              description="(2) Technical question prompts in mentor activity by TF-IDF, per project asked about."),
    ModelSpec(GROUP, "video_question_topics", keys=("video_id", "phrase"),
              description="(6) Content questions for video lessons: mentor-question topics per video and section."),
    ModelSpec(GROUP, "content_change_rules", keys=("category", "pattern"),
              description="The classification of requested content changes: category and text pattern (the one list)."),
    ModelSpec(GROUP, "content_change_requests", keys=("item_type", "item_id", "category"),
              description="(3) Technical and content changes requested, per project, section and video."),
    ModelSpec(GROUP, "viewing_after_negative_feedback", keys=("cohort",),
              description="(4) Whether students who give negative feedback bounce: stop watching and do not enrol again."),
    ModelSpec(GROUP, "user_monthly_activity", keys=("user_id", "month"), references=(ref("user_id", "dim_users"),),
              description="(8) One row per user and month with activity, for churn models and A/B sample groups.",
              checks=(c.between("negative_share", 0, 1),)),
]
