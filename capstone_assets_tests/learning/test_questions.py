"""Each question of the learning platform, answered independently in plain Python from the generated files and
compared with the mart that answers it (README: "Questions and where they are answered").

The declared lists (stop words and filler, content-change rules) are read from their tables, as the marts read
them; everything else (cleaning, splitting, TF-IDF, classification, cohorts) is recomputed here and in
plain_answers.py."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict

import pytest

from capstone_assets.learning.generator import generate
from capstone_assets.learning.specs import ALL_DEGREES
from capstone_assets_tests.helpers import materialize, query
from capstone_assets_tests.learning.plain_answers import (Files, classify, content_rules, mentor_weights, ranked,
                                                          stop_words, terms, tf)

MONTHS = 3
FEEDBACK = ("project_feedback", "section_feedback")
TS = "%Y-%m-%d %H:%M:%S"


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    """A small generated lake (scale 0.01, three months) and one materialization of the whole group over it."""
    from capstone_assets.settings import load_settings

    root = tmp_path_factory.mktemp("learning_questions")
    generate(root / "lake", scale=0.01, seed=11, months=range(1, MONTHS + 1))
    settings = load_settings({"CAPSTONE_LAKE_DIR": str(root / "lake"), "CAPSTONE_DUCKDB_PATH": str(root / "w.duckdb"),
                              "CAPSTONE_LEARNING_END": f"2019-{MONTHS + 1:02d}-01"})
    report = materialize(settings, "group:learning")
    assert report.success, report.runs
    assert not {name: o.checks_failed for name, o in report.assets.items() if o.checks_failed}
    return Files(root / "lake"), settings


def assert_scores_equal(expected: dict, rows: dict, what: str):
    assert set(rows) == set(expected), what
    for key, value in expected.items():
        assert rows[key] == pytest.approx(value, abs=2e-6), (what, key)


def test_the_stop_word_list_is_one_clean_list(lake):
    _, settings = lake
    rows = query(settings, "SELECT word, kind FROM learning.text_stop_words")
    words = [w for w, _ in rows]
    assert len(words) == len(set(words)) and "" not in words and all(w == w.strip().lower() for w in words)
    kinds = {w: k for w, k in rows}
    assert kinds["the"] == "stop word" and kinds["because"] == "filler" and kinds["lost"] == "filler"
    assert not {"outdated", "content", "broken", "examples", "missing"} & set(words)  # theme words stay


def test_1_negative_feedback_trends_by_tfidf(lake):
    files, settings = lake
    stop = stop_words(settings)
    feedback = [d for d in files.documents() if d["source"] in FEEDBACK]
    expected, mentions = {}, {}
    for scope in (*settings.degrees, ALL_DEGREES):
        docs = [d for d in feedback if scope in (ALL_DEGREES, d["degree"])]
        counted = [(d, terms(d["body"], stop)) for d in docs]
        df = Counter(t for _, c in counted for t in c)
        negative_tf: dict[str, float] = defaultdict(float)
        for d, c in counted:
            if d["rating"] <= 2:
                for term, value in tf(c).items():
                    negative_tf[term] += value
                    mentions[(scope, term)] = mentions.get((scope, term), 0) + 1
        for term, total in negative_tf.items():
            expected[(scope, term)] = total * math.log(len(docs) / df[term])
    rows = query(settings, "SELECT degree, phrase, tfidf, mentions, theme_rank FROM learning.negative_feedback_themes")
    assert_scores_equal(expected, {(d, p): s for d, p, s, _, _ in rows}, "tfidf")
    assert {(d, p): m for d, p, _, m, _ in rows} == mentions
    for scope in (*settings.degrees, ALL_DEGREES):
        in_scope = {p: s for (d, p), s in expected.items() if d == scope}
        by_rank = [p for d, p, _, _, r in sorted(rows, key=lambda r: r[4]) if d == scope]
        assert by_rank[:10] == ranked(in_scope)[:10], scope

    overall = [p for d, p, _, _, r in sorted(rows, key=lambda r: r[4]) if d == ALL_DEGREES]
    assert overall[0] == "outdated content"  # the generator's most frequent negative theme
    assert not {"lost hours", "hours because", "lost", "hours"} & set(overall)  # the template's filler is gone


def test_2_technical_question_prompts_per_project(lake):
    files, settings = lake
    weighted, idf = mentor_weights(files, stop_words(settings))
    expected: dict[tuple, float] = defaultdict(float)
    questions: Counter = Counter()
    for d, weights in weighted:
        for term, value in weights.items():
            expected[(d["project_id"], term)] += value * idf[term]
            questions[(d["project_id"], term)] += 1
    rows = query(settings, "SELECT project_id, phrase, tfidf, questions, topic_rank FROM learning.mentor_question_topics")
    assert_scores_equal(expected, {(p, t): s for p, t, s, _, _ in rows}, "tfidf")
    assert {(p, t): q for p, t, _, q, _ in rows} == dict(questions)
    top = {p: t for p, t, _, _, r in rows if r == 1}
    for project in top:
        in_project = {t: s for (p, t), s in expected.items() if p == project}
        assert top[project] == ranked(in_project)[0]
    all_topics = {"sql join", "pandas merge", "data modeling", "docker compose", "python virtualenv", "git merge conflict",
                  "s3 permissions", "spark dataframe", "airflow dag", "redshift copy", "kafka consumer",
                  "hypothesis testing", "matplotlib subplots", "scikit-learn pipeline", "missing values",
                  "gradient descent", "pytorch tensor shapes", "feature scaling", "overfitting"}
    first_bigrams = {}
    for p, t, _, _, r in sorted(rows, key=lambda r: r[4]):
        if " " in t:
            first_bigrams.setdefault(p, t)
    assert sum(t in all_topics or any(t in topic for topic in all_topics) for t in first_bigrams.values()) >= 0.8 * len(first_bigrams)


def test_6_content_questions_per_video(lake):
    files, settings = lake
    weighted, idf = mentor_weights(files, stop_words(settings))
    titles = {int(v["video_id"]): f" {v['video_title'].lower()} " for v in files.videos()}
    expected: dict[tuple, float] = defaultdict(float)
    questions: Counter = Counter()
    for d, weights in weighted:
        for video in files.video_mentions(d):
            for term, value in weights.items():
                if f" {term} " not in titles[video]:
                    expected[(video, term)] += value * idf[term]
                    questions[(video, term)] += 1
    assert len({v for v, _ in expected}) > 20
    rows = query(settings, "SELECT video_id, phrase, tfidf, questions, section_id FROM learning.video_question_topics")
    assert_scores_equal(expected, {(v, t): s for v, t, s, _, _ in rows}, "tfidf")
    assert {(v, t): q for v, t, _, q, _ in rows} == dict(questions)
    section_of = {int(v["video_id"]): int(v["section_id"]) for v in files.videos()}
    assert all(section == section_of[video] for video, _, _, _, section in rows)


def test_3_the_change_request_rules_classify_as_declared(lake):
    _, settings = lake
    rules = content_rules(settings)
    examples = {
        "please update the pandas lesson": {"update"},
        "the api shown is outdated and deprecated": {"update"},
        "there is a broken link in lesson 2": {"broken link"},
        "could you add an example to this": {"add example"},
        "please add more examples": {"add example"},
        "found a typo in the formula": {"fix error"},
        "the broken starter code does not compile and the rubric is unclear": {"fix code", "clarify"},
        "great lesson thanks": set(),
        "this old notebook": set(),  # 'is old' only where a word starts
    }
    for text, categories in examples.items():
        found = {row[0] for row in query(
            settings, "SELECT DISTINCT category FROM learning.content_change_rules WHERE POSITION(' ' || pattern IN ' ' || ?) > 0",
            [text])}
        assert found == classify(text, rules) == categories, text


def test_3_content_changes_requested_per_project_section_and_video(lake):
    files, settings = lake
    rules = content_rules(settings)
    expected: Counter = Counter()
    for d in files.documents():
        for category in classify(d["body"], rules):
            items = [("project", d["project_id"]), ("section", d["section_id"])]
            items += [("video", v) for v in files.video_mentions(d)]
            for item_type, item_id in items:
                if item_id is not None:
                    expected[(item_type, item_id, category)] += 1
    rows = query(settings, "SELECT item_type, item_id, category, requests FROM learning.content_change_requests")
    assert {(t, i, c): n for t, i, c, n in rows} == dict(expected)
    assert {c for _, _, c in expected} >= {"update", "broken link", "add example", "fix error"}


def test_4_negative_feedback_and_bounce(lake):
    files, settings = lake
    feedback = [r for name in FEEDBACK for r in files.fact(name)]
    by_user: dict[int, list] = defaultdict(list)
    for r in feedback:
        by_user[int(r["user_id"])].append((dt.datetime.strptime(r["submitted_at"], TS), int(r["rating"])))
    views: dict[int, list] = defaultdict(list)
    for r in files.fact("video_log"):
        views[int(r["user_id"])].append(dt.datetime.strptime(r["viewed_at"], TS))
    enrolled: dict[int, list] = defaultdict(list)
    for r in files.dim("enrollments"):
        enrolled[int(r["user_id"])].append(dt.datetime.strptime(r["enrolled_at"], TS))
    cohorts: dict[str, Counter] = defaultdict(Counter)
    for user, given in by_user.items():
        negative = [ts for ts, rating in given if rating <= 2]
        reference = min(negative) if negative else min(ts for ts, _ in given)
        cohort = cohorts["gave negative feedback" if negative else "never gave negative feedback"]
        stopped = not any(ts > reference for ts in views[user])
        enrolled_after = any(ts > reference for ts in enrolled[user])
        cohort.update(users=1, stopped=stopped, enrolled=enrolled_after, bounced=stopped and not enrolled_after)
    rows = query(settings, "SELECT cohort, users, users_who_stopped_watching, users_who_enrolled_after, users_who_bounced, "
                           "share_bounced FROM learning.viewing_after_negative_feedback")
    assert {r[0]: tuple(r[1:5]) for r in rows} == {
        name: (c["users"], c["stopped"], c["enrolled"], c["bounced"]) for name, c in cohorts.items()}
    share = {r[0]: r[5] for r in rows}
    assert share["gave negative feedback"] > share["never gave negative feedback"] + 0.2


def test_5_negative_share_per_degree_and_month(lake):
    files, settings = lake
    counts: dict[tuple, Counter] = defaultdict(Counter)
    for r in (r for name in FEEDBACK for r in files.fact(name)):
        counts[(r["degree"], r["month"])].update(feedback=1, negative=int(r["rating"]) <= 2)
    rows = query(settings, "SELECT degree, month, feedback_count, negative_count FROM learning.negative_feedback_share")
    assert {(d, m): (f, n) for d, m, f, n in rows} == {k: (c["feedback"], c["negative"]) for k, c in counts.items()}


def test_5_negative_share_per_project_section_and_video(lake):
    files, settings = lake
    counts: dict[tuple, Counter] = defaultdict(Counter)
    for d in files.documents():
        if d["source"] in FEEDBACK:
            items = [("project", d["project_id"]), ("section", d["section_id"])]
            for item in [*items, *(("video", v) for v in files.video_mentions(d))]:
                if item[1] is not None:
                    counts[item].update(feedback=1, negative=d["rating"] <= 2)
    rows = query(settings, "SELECT item_type, item_id, feedback_count, negative_count, negative_share "
                           "FROM learning.negative_feedback_by_content")
    assert {(t, i): (f, n) for t, i, f, n, _ in rows} == {k: (c["feedback"], c["negative"]) for k, c in counts.items()}
    assert all(share == pytest.approx(n / f, abs=5e-5) for _, _, f, n, share in rows)
    assert {t for t, *_ in rows} == {"project", "section", "video"}


def test_7_top_videos_by_views_per_user(lake):
    files, settings = lake
    views, viewers = Counter(), defaultdict(set)
    for r in files.fact("video_log"):
        views[int(r["video_id"])] += 1
        viewers[int(r["video_id"])].add(r["user_id"])
    expected = {v: views[v] / len(viewers[v]) for v in views}
    rows = query(settings, "SELECT video_id, views_per_user, views_per_user_rank FROM learning.top_videos_by_views_per_user")
    assert {v: s for v, s, _ in rows} == {v: pytest.approx(e, abs=5.1e-4) for v, e in expected.items()}
    assert [v for v, _, _ in sorted(rows, key=lambda r: r[2])][:5] == sorted(expected, key=lambda v: (-expected[v], v))[:5]


def test_8_one_row_per_user_and_month(lake):
    files, settings = lake
    activity: dict[tuple, Counter] = defaultdict(Counter)
    for r in files.fact("video_log"):
        activity[(int(r["user_id"]), r["month"])].update(views=1, watch_seconds=int(r["watched_seconds"]))
    for name in FEEDBACK:
        for r in files.fact(name):
            activity[(int(r["user_id"]), r["month"])].update(feedback=1, negative=int(r["rating"]) <= 2)
    for r in files.fact("mentor_activity"):
        activity[(int(r["user_id"]), r["month"])].update(questions=1)
    for r in files.dim("enrollments"):
        activity[(int(r["user_id"]), dt.date.fromisoformat(r["enrolled_at"][:7] + "-01"))].update(enrollments=1)
    rows = query(settings, "SELECT user_id, month, views, watch_seconds, feedback_given, negative_feedback, negative_share, "
                           "questions_asked, enrollments, active_next_month FROM learning.user_monthly_activity")
    assert len(rows) == len(activity)
    for user, month, views, watched, given, negative, share, asked, enrolments, next_month in rows:
        c = activity[(user, month)]
        assert (views, watched, given, negative, asked, enrolments) == (
            c["views"], c["watch_seconds"], c["feedback"], c["negative"], c["questions"], c["enrollments"])
        assert share == (None if not given else pytest.approx(negative / given, abs=5e-5))
        following = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
        assert next_month == int((user, following) in activity)


def test_the_tokeniser_gives_the_same_terms_on_postgresql(lake, postgres_database):
    """The Redshift-dialect SQL of word_positions, text_stop_words, text_body_terms and text_terms, run as written
    on PostgreSQL (Redshift's ancestor), splits a sample of the documents into exactly the terms DuckDB found."""
    import psycopg2

    from capstone_assets.lib.sql import read_sql

    _, settings = lake
    columns = "source, document_id, degree, project_id, section_id, rating, body"
    sample = query(settings, f"SELECT {columns} FROM learning.text_documents ORDER BY source, document_id LIMIT 400")
    expected = Counter(query(settings, "SELECT t.source, t.document_id, t.term, t.words FROM learning.text_terms AS t "
                                       "JOIN (SELECT source, document_id FROM learning.text_documents "
                                       "      ORDER BY source, document_id LIMIT 400) AS s USING (source, document_id)"))
    connection = psycopg2.connect(host=postgres_database["host"], port=postgres_database["port"],
                                  dbname=postgres_database["database"], user=postgres_database["user"],
                                  password=postgres_database["password"])
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute("CREATE SCHEMA learning")
            cursor.execute("CREATE TABLE learning.text_documents (source VARCHAR(32), document_id BIGINT, degree VARCHAR(64), "
                           "project_id BIGINT, section_id BIGINT, rating SMALLINT, body VARCHAR(4096))")
            cursor.executemany("INSERT INTO learning.text_documents VALUES (%s, %s, %s, %s, %s, %s, %s)", sample)
            for name in ("word_positions", "text_stop_words", "text_body_terms"):
                cursor.execute(f"CREATE TABLE learning.{name} AS {read_sql('learning', name)}")
            cursor.execute(f"SELECT source, document_id, term, words FROM ({read_sql('learning', 'text_terms')}) AS t")
            found = Counter(tuple(row) for row in cursor.fetchall())
    finally:
        connection.close()
    assert sum(expected.values()) > 1000
    assert found == expected
