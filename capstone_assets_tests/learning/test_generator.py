import csv
import datetime as dt
import pathlib
import re

import pandas as pd
import pytest

from capstone_assets.learning import generator_text as txt
from capstone_assets.learning.generator import DIM_COLUMNS, FACT_COLUMNS, generate

DEGREES = ("data_science", "data_engineering", "machine_learning")
MONTHS = range(1, 13)
SCALE = 0.02
TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
FACT_KEYS = {"project_feedback": "feedback_id", "section_feedback": "feedback_id",
             "mentor_activity": "question_id", "video_log": "view_id"}
TS_COLUMNS = {"project_feedback": "submitted_at", "section_feedback": "submitted_at",
              "mentor_activity": "asked_at", "video_log": "viewed_at"}


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    root = tmp_path_factory.mktemp("lake")
    return root, generate(root, scale=SCALE, seed=42)


def _files(root: pathlib.Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.csv"))}


def _dim(root: pathlib.Path, name: str) -> pd.DataFrame:
    return pd.read_csv(root / "learning" / "dimensional_tables" / f"{name}.csv", keep_default_na=False)


def _fact(root: pathlib.Path, name: str) -> pd.DataFrame:
    frames = []
    for path in sorted((root / "learning").glob(f"*/*/*/{name}.csv")):
        frame = pd.read_csv(path, keep_default_na=False)
        frame["file_degree"] = path.parts[-4]
        frame["file_year"], frame["file_month"] = int(path.parts[-3]), int(path.parts[-2])
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def test_layout_headers_and_line_endings(lake):
    root, result = lake
    expected = {f"learning/dimensional_tables/{name}.csv" for name in DIM_COLUMNS}
    expected |= {f"learning/{d}/2019/{m}/{name}.csv"
                 for d in DEGREES for m in MONTHS for name in FACT_COLUMNS}
    files = _files(root)
    assert set(files) == expected
    assert result["files"] == len(expected)
    for rel, content in files.items():
        name = pathlib.Path(rel).stem
        header = content.split(b"\n", 1)[0].decode()
        assert header == ",".join({**DIM_COLUMNS, **FACT_COLUMNS}[name])
        assert content.endswith(b"\n") and b"\r" not in content
        rows = list(csv.reader(content.decode("utf-8").splitlines()))
        assert len(rows) >= 2, f"{rel} has no data rows"
        assert all(len(row) == len(rows[0]) for row in rows)


def test_result_counts_match_files(lake):
    root, result = lake
    for name in DIM_COLUMNS:
        assert result["rows"][f"{name}.csv"] == len(_dim(root, name))
    for name in FACT_COLUMNS:
        assert result["rows"][f"{name}.csv"] == len(_fact(root, name))
    assert result["fact_rows"] == sum(result["rows"][f"{name}.csv"] for name in FACT_COLUMNS)
    assert result["rows"]["users_dim.csv"] == round(50_000 * SCALE)
    assert result["rows"]["video_log.csv"] > 0.6 * result["fact_rows"]


def test_deterministic_and_seed_sensitive(lake, tmp_path):
    root, _ = lake
    generate(tmp_path / "same", scale=SCALE, seed=42)
    generate(tmp_path / "other", scale=SCALE, seed=7)
    assert _files(tmp_path / "same") == _files(root)
    assert _files(tmp_path / "other") != _files(root)


def test_keys_positive_and_unique(lake):
    root, _ = lake
    users, projects, videos = _dim(root, "users_dim"), _dim(root, "projects_dim"), _dim(root, "videos_dim")
    for frame, key in ((users, "user_id"), (projects, "project_id"), (videos, "video_id")):
        assert frame[key].dtype.kind == "i" and (frame[key] > 0).all() and frame[key].is_unique
    sections = videos.drop_duplicates(["section_id", "section_name", "degree"])
    assert sections["section_id"].is_unique and (sections["section_id"] > 0).all()
    for name, key in FACT_KEYS.items():
        fact = _fact(root, name)
        assert fact[key].dtype.kind == "i" and (fact[key] > 0).all() and fact[key].is_unique, name


def test_foreign_keys_resolve_within_degree(lake):
    root, _ = lake
    user_degree = _dim(root, "users_dim").set_index("user_id")["degree"]
    project_degree = _dim(root, "projects_dim").set_index("project_id")["degree"]
    videos = _dim(root, "videos_dim")
    video_degree = videos.set_index("video_id")["degree"]
    section_degree = videos.drop_duplicates("section_id").set_index("section_id")["degree"]
    lookups = {"user_id": user_degree, "project_id": project_degree, "video_id": video_degree,
               "section_id": section_degree}
    for name in FACT_COLUMNS:
        fact = _fact(root, name)
        for column, lookup in lookups.items():
            if column in fact:
                assert fact[column].isin(lookup.index).all(), (name, column)
                assert (fact[column].map(lookup) == fact["file_degree"]).all(), (name, column)
    assert set(user_degree) == set(DEGREES)
    assert _fact(root, "mentor_activity")["mentor_id"].gt(0).all()


def test_timestamps_inside_month_and_after_signup(lake):
    root, _ = lake
    signup = pd.to_datetime(_dim(root, "users_dim").set_index("user_id")["signup_date"], format="%Y-%m-%d")
    for name, column in TS_COLUMNS.items():
        fact = _fact(root, name)
        assert fact[column].str.match(TS_RE).all(), name
        ts = pd.to_datetime(fact[column], format="%Y-%m-%d %H:%M:%S")
        month_start = pd.to_datetime(dict(year=fact["file_year"], month=fact["file_month"], day=1))
        assert ((ts > month_start) & (ts < month_start + pd.offsets.MonthBegin(1))).all(), name
        assert (ts.dt.normalize() > fact["user_id"].map(signup)).all(), name


def test_value_ranges(lake):
    root, _ = lake
    users, projects, videos = _dim(root, "users_dim"), _dim(root, "projects_dim"), _dim(root, "videos_dim")
    assert users["signup_date"].str.match(r"^\d{4}-\d{2}-\d{2}$").all()
    assert users["email"].str.match(r"^[a-z.]+\d+@[a-z.]+$").all()
    assert users["user_name"].map(lambda s: not s.isascii()).any()
    assert projects["difficulty"].between(1, 5).all()
    assert videos["duration_seconds"].between(120, 1800).all()
    per_degree = projects.groupby("degree").size()
    assert per_degree.between(10, 14).all()
    assert videos.groupby("degree")["video_id"].nunique().between(40, 90).all()
    assert videos.groupby("degree")["section_id"].nunique().between(8, 12).all()

    for name in ("project_feedback", "section_feedback"):
        rating = _fact(root, name)["rating"]
        assert rating.dtype.kind == "i" and rating.between(1, 5).all()
    mentor = _fact(root, "mentor_activity")
    assert mentor["response_minutes"].between(1, 2880).all()
    views = _fact(root, "video_log").merge(videos[["video_id", "duration_seconds"]], on="video_id")
    assert (views["watched_seconds"] >= 1).all()
    assert (views["watched_seconds"] <= views["duration_seconds"]).all()
    assert views["watched_seconds"].nunique() > 100


def test_feedback_and_question_texts(lake):
    root, _ = lake
    feedback = pd.concat([_fact(root, "project_feedback"), _fact(root, "section_feedback")])
    negative = feedback[feedback["rating"] <= 2]
    positive = feedback[feedback["rating"] >= 4]
    assert 0.12 <= len(negative) / len(feedback) <= 0.28
    assert negative.groupby("file_degree").size().div(feedback.groupby("file_degree").size()).nunique() > 1

    themes = negative["feedback_text"].str.extract(f"({'|'.join(txt.NEGATIVE_THEMES)})")[0]
    assert themes.notna().all()
    counts = themes.value_counts()
    assert len(counts) == len(txt.NEGATIVE_THEMES) and counts.iloc[0] > 2 * counts.iloc[-1]
    assert positive["feedback_text"].str.contains("|".join(txt.POSITIVE_THEMES)).all()
    assert not positive["feedback_text"].str.contains("|".join(txt.NEGATIVE_THEMES)).any()

    questions = _fact(root, "mentor_activity")
    all_topics = (*txt.COMMON_TOPICS, *(t for topics in txt.DEGREE_TOPICS.values() for t in topics))
    topics = questions["question_text"].str.extract(f"({'|'.join(all_topics)})")[0]
    assert topics.notna().all()
    counts = topics.value_counts()
    assert counts.iloc[0] > 3 * counts.iloc[-1]
    assert questions["question_text"].nunique() > 30


def test_videos_are_replayed_with_skewed_popularity(lake):
    root, _ = lake
    views = _fact(root, "video_log")
    assert (views.groupby(["user_id", "video_id"]).size() > 1).mean() > 0.1
    popularity = views.groupby("video_id").size().sort_values(ascending=False)
    assert popularity.iloc[0] > 5 * popularity.median()


def test_negative_feedback_stops_watching(lake):
    root, _ = lake
    feedback = pd.concat([_fact(root, "project_feedback"), _fact(root, "section_feedback")])
    feedback["ts"] = pd.to_datetime(feedback["submitted_at"])
    last_view = pd.to_datetime(_fact(root, "video_log").groupby("user_id")["viewed_at"].max())

    first_negative = feedback[feedback["rating"] <= 2].groupby("user_id")["ts"].min()
    first_any = feedback.groupby("user_id")["ts"].min()
    never_negative = first_any.drop(first_negative.index)

    def share_without_later_views(since: pd.Series) -> float:
        last = last_view.reindex(since.index)
        return float((last.isna() | (last <= since)).mean())

    negative_share = share_without_later_views(first_negative)
    non_negative_share = share_without_later_views(never_negative)
    assert len(first_negative) > 100 and len(never_negative) > 100
    assert 0.3 <= negative_share <= 0.5
    assert non_negative_share < 0.2
    assert negative_share - non_negative_share > 0.2


def test_volume_proportional_to_scale(tmp_path):
    small = generate(tmp_path / "small", scale=0.01, seed=1)
    large = generate(tmp_path / "large", scale=0.02, seed=1)
    assert small["rows"]["users_dim.csv"] == 500 and large["rows"]["users_dim.csv"] == 1000
    for name in FACT_COLUMNS:
        ratio = large["rows"][f"{name}.csv"] / small["rows"][f"{name}.csv"]
        assert 1.8 <= ratio <= 2.2, name
    assert 1.9 <= large["fact_rows"] / small["fact_rows"] <= 2.1


def test_tiny_scale_still_fills_every_partition(tmp_path):
    result = generate(tmp_path, scale=0.002)
    assert result["rows"]["users_dim.csv"] >= 36
    assert result["files"] == len(DIM_COLUMNS) + len(DEGREES) * 12 * len(FACT_COLUMNS)
    for path in (tmp_path / "learning").glob("*/*/*/*.csv"):
        assert len(path.read_text(encoding="utf-8").splitlines()) >= 2, path


def test_custom_degrees_and_months(tmp_path):
    degrees = (*DEGREES, "cybersecurity")
    result = generate(tmp_path, scale=SCALE, degrees=degrees, months=[1, 2, 3])
    assert result["files"] == len(DIM_COLUMNS) + len(degrees) * 3 * len(FACT_COLUMNS)
    for name in FACT_COLUMNS:
        for month in (1, 2, 3):
            assert (tmp_path / "learning" / "cybersecurity" / "2019" / str(month) / f"{name}.csv").is_file()
        assert not (tmp_path / "learning" / "cybersecurity" / "2019" / "4").exists()
    users = _dim(tmp_path, "users_dim")
    assert users.groupby("degree").size().to_dict() == {d: 250 for d in degrees}
    questions = _fact(tmp_path, "mentor_activity")
    cyber = questions[questions["file_degree"] == "cybersecurity"]["question_text"]
    assert len(cyber) > 0 and cyber.str.contains("|".join(txt.COMMON_TOPICS)).all()
    views = _fact(tmp_path, "video_log")
    assert set(views["file_month"]) == {1, 2, 3}


def test_months_across_a_year_end(tmp_path):
    months = [dt.date(2019, 11, 1), dt.date(2019, 12, 1), dt.date(2020, 1, 1)]
    generate(tmp_path / "range", scale=0.005, degrees=DEGREES[:1], months=months)
    views = _fact(tmp_path / "range", "video_log")
    assert sorted(set(zip(views["file_year"], views["file_month"]))) == [(2019, 11), (2019, 12), (2020, 1)]
    viewed = pd.to_datetime(views["viewed_at"])
    assert (viewed.dt.year == views["file_year"]).all() and (viewed.dt.month == views["file_month"]).all()
    # first days of months of one year write what month numbers of that year write, byte for byte
    generate(tmp_path / "dates", scale=0.005, degrees=DEGREES[:1], months=[dt.date(2019, m, 1) for m in (1, 2)])
    generate(tmp_path / "numbers", scale=0.005, degrees=DEGREES[:1], months=[1, 2])
    assert _files(tmp_path / "dates") == _files(tmp_path / "numbers")


def test_appended_degree_leaves_other_fact_files_unchanged(tmp_path):
    generate(tmp_path / "two", scale=0.02, degrees=DEGREES[:2])
    generate(tmp_path / "three", scale=0.03, degrees=(*DEGREES[:2], "cybersecurity"))
    for degree in DEGREES[:2]:
        two, three = (_files(tmp_path / run / "learning" / degree) for run in ("two", "three"))
        assert two == three


def test_enrollments_history(lake):
    """Everyone enrols in their own degree on the signup day; some enrol in another degree later; users who stopped
    watching after negative feedback never enrol after it, while others who gave negative feedback do."""
    root, _ = lake
    users = _dim(root, "users_dim").set_index("user_id")
    enrollments = _dim(root, "enrollments")
    enrollments["ts"] = pd.to_datetime(enrollments["enrolled_at"], format="%Y-%m-%d %H:%M:%S")
    assert enrollments["enrollment_id"].is_unique and enrollments["user_id"].isin(users.index).all()
    first = enrollments.sort_values("ts").groupby("user_id").first()
    assert len(first) == len(users) and (first["degree"] == users["degree"].reindex(first.index)).all()
    assert (first["ts"].dt.strftime("%Y-%m-%d") == users["signup_date"].reindex(first.index)).all()
    further = enrollments[enrollments["degree"] != enrollments["user_id"].map(users["degree"])]
    assert 0.2 < len(further) / len(users) < 0.4
    assert further["ts"].dt.year.eq(2019).all()

    feedback = pd.concat([_fact(root, "project_feedback"), _fact(root, "section_feedback")])
    first_negative = pd.to_datetime(feedback[feedback["rating"] <= 2].groupby("user_id")["submitted_at"].min())
    last_view = pd.to_datetime(_fact(root, "video_log").groupby("user_id")["viewed_at"].max())
    stopped = first_negative.index[~(last_view.reindex(first_negative.index) > first_negative)]
    enrolled_after = further[further["ts"] > further["user_id"].map(first_negative)]["user_id"]
    assert not enrolled_after.isin(stopped).any()
    assert enrolled_after.nunique() > 10


def test_texts_name_the_videos_they_concern(lake):
    """Titles repeat across degrees (sections share names), so a text names a video of its own degree."""
    root, _ = lake
    videos = _dim(root, "videos_dim")
    by_title = videos.set_index(["degree", "video_title"])["section_id"]
    questions = _fact(root, "mentor_activity")
    about = questions["question_text"].str.extract(r"^About (.+? - Lesson \d+): ")[0]
    assert 0.2 < about.notna().mean() < 0.4
    named = pd.MultiIndex.from_arrays([questions.loc[about.notna(), "file_degree"], about.dropna()])
    assert named.isin(by_title.index).all()

    sections = _fact(root, "section_feedback")
    requested = sections["feedback_text"].str.extract(rf"((?:{'|'.join(txt.SECTION_NAMES)}) - Lesson \d+)")[0]
    assert 0.08 < requested.notna().mean() < 0.16
    named = pd.MultiIndex.from_arrays([sections.loc[requested.notna(), "file_degree"], requested.dropna()])
    assert (by_title.reindex(named).to_numpy() == sections.loc[requested.notna(), "section_id"].to_numpy()).all()
