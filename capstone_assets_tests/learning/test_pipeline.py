"""The learning group end to end: generated files -> staged partitions -> dimensions -> marts, on a real DuckDB."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from capstone_assets.learning.generator import generate
from capstone_assets_tests.helpers import materialize, query, scalar

FACTS = ("project_feedback", "section_feedback", "mentor_activity", "video_log")
TWO_MONTHS = {"CAPSTONE_LEARNING_END": "2019-03-01"}


def read_rows(lake: Path, pattern: str) -> list[dict[str, str]]:
    rows = []
    for path in sorted(lake.glob(pattern)):
        with path.open(newline="", encoding="utf-8") as handle:
            rows.extend(csv.DictReader(handle))
    return rows


def table_checksum(settings, table: str, key: str) -> tuple:
    return tuple(query(settings, f"SELECT COUNT(*), md5(string_agg(CAST(t AS VARCHAR), '|' ORDER BY {key})) FROM {table} AS t")[0])


@pytest.fixture(scope="module")
def instance():
    import dagster as dg

    return dg.DagsterInstance.ephemeral()


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, instance):
    """One full materialization of the group, shared by the read-only tests below."""
    from capstone_assets.settings import load_settings

    root = tmp_path_factory.mktemp("learning")
    generate(root / "lake", scale=0.02, seed=7)
    settings = load_settings({"CAPSTONE_LAKE_DIR": str(root / "lake"), "CAPSTONE_DUCKDB_PATH": str(root / "w.duckdb")})
    report = materialize(settings, "group:learning", instance=instance)
    return settings, root / "lake", report


def test_every_partition_and_every_check(loaded):
    settings, lake, report = loaded
    assert report.success, report.runs
    assert len(report.runs) == 1  # dimensions, every degree x month and the marts, in one ranged run
    for fact in FACTS:
        assert report.assets[f"learning/stg_{fact}"].partitions == 36
        assert scalar(settings, f"SELECT COUNT(DISTINCT (degree, month)) FROM learning.stg_{fact}") == 36
    failed = {name: o.checks_failed for name, o in report.assets.items() if o.checks_failed}
    assert failed == {}
    assert all(o.checks_passed > 0 for o in report.assets.values())


def test_staged_rows_equal_the_files(loaded):
    settings, lake, _ = loaded
    for fact in FACTS:
        files = sorted(lake.glob(f"learning/*/2019/*/{fact}.csv"))
        per_partition = {}
        for path in files:
            with path.open(newline="", encoding="utf-8") as handle:
                per_partition[(path.parts[-4], int(path.parts[-2]))] = sum(1 for _ in csv.DictReader(handle))
        in_table = dict(((d, m.month), n) for d, m, n in query(
            settings, f"SELECT degree, month, COUNT(*) FROM learning.stg_{fact} GROUP BY degree, month"))
        assert in_table == per_partition


def test_each_partition_reports_its_own_rows_and_files(loaded, instance):
    """A ranged run materializes 36 partitions at once; each partition's event carries that partition's count and
    files, not the run's total."""
    import dagster as dg

    settings, _, report = loaded
    for fact in FACTS:
        key = dg.AssetKey(["learning", f"stg_{fact}"])
        events = instance.fetch_materializations(key, limit=100).records
        by_partition = {e.partition_key: e.asset_materialization.metadata for e in events}
        in_table = {f"{d}|{m:%Y-%m-%d}": n for d, m, n in query(
            settings, f"SELECT degree, month, COUNT(*) FROM learning.stg_{fact} GROUP BY degree, month")}
        assert {k: m["dagster/row_count"].value for k, m in by_partition.items()} == in_table
        for partition, metadata in by_partition.items():
            degree, month = partition.split("|")
            assert metadata["source_files"].value == f"- `learning/{degree}/{month[:4]}/{int(month[5:7])}/{fact}.csv`"
            assert metadata["rows_rejected"].value == 0
        assert report.assets[key.to_user_string()].rows == sum(in_table.values())


def test_dimensions_are_deduplicated_and_typed(loaded):
    settings, lake, _ = loaded
    users = read_rows(lake, "learning/dimensional_tables/users_dim.csv")
    assert scalar(settings, "SELECT COUNT(*) FROM learning.dim_users") == len({u["user_id"] for u in users})
    types = dict(query(settings, "SELECT column_name, data_type FROM information_schema.columns "
                                 "WHERE table_schema = 'learning' AND table_name = 'dim_users'"))
    assert types["user_id"] == "BIGINT" and types["signup_date"] == "DATE"


def test_marts_answer_the_questions(loaded):
    settings, lake, _ = loaded
    feedback = read_rows(lake, "learning/*/2019/*/project_feedback.csv") + read_rows(lake, "learning/*/2019/*/section_feedback.csv")
    negative = sum(1 for r in feedback if int(r["rating"]) <= 2)
    assert scalar(settings, "SELECT SUM(negative_count) FROM learning.negative_feedback_share") == negative
    assert scalar(settings, "SELECT SUM(feedback_count) FROM learning.negative_feedback_share") == len(feedback)

    views = Counter(r["video_id"] for r in read_rows(lake, "learning/*/2019/*/video_log.csv"))
    top_video, top_views = query(settings, "SELECT video_id, views FROM learning.top_videos_by_views_per_user "
                                           "ORDER BY views DESC, video_id LIMIT 1")[0]
    assert top_views == max(views.values()) and views[str(top_video)] == top_views

    themes = [row[0] for row in query(settings, "SELECT phrase FROM learning.negative_feedback_themes "
                                                "WHERE degree = 'all degrees' ORDER BY theme_rank LIMIT 3")]
    assert "outdated content" in themes  # the generator's most frequent negative theme
    negative_texts = [r["feedback_text"] for r in feedback if int(r["rating"]) <= 2]
    words = [text.lower().translate(str.maketrans("", "", '.,;:!?()"')).split(" ") for text in negative_texts]
    mentions = sum(pair == ("outdated", "content") for w in words for pair in zip(w, w[1:]))
    assert scalar(settings, "SELECT SUM(occurrences) FROM learning.text_phrases "
                            "WHERE source = 'negative_feedback' AND phrase = 'outdated content'") == mentions
    assert scalar(settings, "SELECT mentions FROM learning.negative_feedback_themes "
                            "WHERE degree = 'all degrees' AND phrase = 'outdated content'") == mentions
    topics = scalar(settings, "SELECT COUNT(*) FROM learning.mentor_question_topics WHERE questions > 1")
    assert topics > 5

    cohorts = dict(query(settings, "SELECT cohort, share_stopped_watching FROM learning.viewing_after_negative_feedback"))
    assert cohorts["gave negative feedback"] > cohorts["never gave negative feedback"] + 0.1


def test_marts_report_lineage_schema_and_a_chart(loaded):
    import dagster as dg

    from capstone_assets.definitions import build_definitions

    settings, _, _ = loaded
    defs = build_definitions(settings)
    instance = dg.DagsterInstance.ephemeral()
    keys = [dg.AssetKey(["learning", "negative_feedback_themes"]), dg.AssetKey(["learning", "text_body_terms"])]
    result = dg.materialize(list(defs.assets), resources=defs.resources, selection=keys, instance=instance)
    materialization = {m.asset_key: m for m in result.asset_materializations_for_node("learning__negative_feedback_themes")}
    metadata = materialization[keys[0]].metadata
    assert metadata["dagster/row_count"].value > 0
    assert [c.name for c in metadata["dagster/column_schema"].schema.columns] == [
        "degree", "phrase", "words", "mentions", "feedback_with_phrase", "feedback_documents", "idf", "tfidf", "theme_rank"]
    lineage = metadata["dagster/column_lineage"].lineage.deps_by_column
    assert {d.asset_key for d in lineage["phrase"]} == {keys[1]}
    assert "data:image/svg+xml;base64," in metadata["top_themes_chart"].value


def test_rerun_gives_identical_rows(loaded):
    settings, _, _ = loaded
    tables = {"learning.stg_video_log": "view_id", "learning.dim_users": "user_id",
              "learning.negative_feedback_share": "degree, month", "learning.text_phrases": "source, degree, phrase"}
    before = {t: table_checksum(settings, t, k) for t, k in tables.items()}
    report = materialize(settings, "group:learning", degrees=["data_science"])
    assert report.success
    assert {t: table_checksum(settings, t, k) for t, k in tables.items()} == before


def test_a_model_become_a_view_replaces_its_old_table(loaded):
    """text_terms was a table until it became a view of text_body_terms: in a warehouse an earlier release built,
    the old table goes and the view takes its name, with the same rows."""
    settings, _, _ = loaded
    expected = scalar(settings, "SELECT COUNT(*) FROM learning.text_terms")
    with duckdb.connect(settings.duckdb_path) as connection:
        connection.execute("DROP VIEW learning.text_terms")
        connection.execute("CREATE TABLE learning.text_terms AS SELECT 'left by an earlier release' AS stale")
    assert materialize(settings, 'key:"learning/text_terms"').success
    assert query(settings, "SELECT table_type FROM information_schema.tables "
                           "WHERE table_schema = 'learning' AND table_name = 'text_terms'") == [("VIEW",)]
    assert scalar(settings, "SELECT COUNT(*) FROM learning.text_terms") == expected > 0
