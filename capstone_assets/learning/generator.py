"""Deterministic synthetic data for the online-learning platform ("learning" lake).

Layout under ``root``::

    learning/dimensional_tables/{users,projects,videos}_dim.csv, enrollments.csv
    learning/{degree}/{year}/{month}/{project_feedback,section_feedback,mentor_activity,video_log}.csv

Each degree draws from its own RNG stream seeded with ``(seed, crc32(degree))``: its rows
depend only on the seed, its name, its user count and the id offsets left by the degrees
listed before it.  Users are split evenly across degrees, so appending a degree at a fixed
scale changes the other degrees' user counts and therefore their files; appending one while
raising scale so the per-degree user count stays the same leaves their fact files unchanged.

Timestamps are UTC, strictly inside their partition's month and on a day after the user's
``signup_date``.  About 40% of the users who give negative feedback (rating 1-2) have no
``video_log`` rows after their first negative feedback; everyone else keeps watching at a
constant per-user rate.

Texts name the video they concern by its title: about 30% of mentor questions start with "About <title>:",
and some feedback (12%) and questions (5%) end with a content-change request ("Please update <title>...",
"There is a broken link in <title>."); a section's feedback names a video of that section.
``enrollments.csv`` is the enrolment history: each user's first degree on the signup day, and for about 30%
a further degree (another configured one) later on; users who watched nothing after their first negative
feedback never enrol after it.  These draws come from a second stream per degree, ``(seed, crc32(degree), 1)``, so
they leave the other files as they were.

This module draws the dimension tables and writes the files; the calendar, the fact rows, the texts that name
videos and the enrolment history are drawn in generator_events.py.
"""

from __future__ import annotations

import datetime as dt
import pathlib
import zlib
from typing import Sequence

import numpy as np
import pandas as pd

from capstone_assets.learning import generator_events as events
from capstone_assets.learning import generator_text as txt

USERS_AT_SCALE_1 = 50_000
MIN_USERS_PER_DEGREE = 30
ROWS_PER_USER = {"project_feedback": 2.0, "section_feedback": 2.4, "mentor_activity": 1.6, "video_log": 22.0}
CHANGE_REQUEST_SHARE = {"feedback": 0.12, "mentor_activity": 0.05}
VIDEO_QUESTION_SHARE = 0.30
TS_FORMAT = "%Y-%m-%d %H:%M:%S"

DIM_COLUMNS = {
    "users_dim": ["user_id", "user_name", "email", "country", "signup_date", "degree"],
    "projects_dim": ["project_id", "project_name", "degree", "difficulty"],
    "videos_dim": ["video_id", "video_title", "degree", "section_id", "section_name", "duration_seconds"],
    "enrollments": ["enrollment_id", "user_id", "degree", "enrolled_at"],
}
FACT_COLUMNS = {
    "project_feedback": ["feedback_id", "user_id", "project_id", "submitted_at", "rating", "feedback_text"],
    "section_feedback": ["feedback_id", "user_id", "section_id", "submitted_at", "rating", "feedback_text"],
    "mentor_activity": ["question_id", "user_id", "mentor_id", "project_id", "asked_at", "question_text",
                        "response_minutes"],
    "video_log": ["view_id", "user_id", "video_id", "viewed_at", "watched_seconds"],
}


def _users(rng, degree: str, n: int, cal: events.Calendar, year: int,
           ids: events.Ids) -> tuple[events.Users, pd.DataFrame]:
    lo = np.datetime64(f"{year - 1}-01-01", "D").astype(np.int64)
    year_start = np.datetime64(f"{year}-01-01", "D").astype(np.int64)
    hi = (cal.start[-1] + cal.length[-1]) // events.DAY - 15
    signup = rng.integers(lo, hi, n)
    signup[rng.choice(n, events.N_ANCHORS, replace=False)] = rng.integers(lo, year_start, events.N_ANCHORS)
    signup.sort()
    first_pos = cal.position((signup + 1) * events.DAY)
    weight = rng.lognormal(0.0, 0.8, n) * (cal.total - first_pos)
    user_ids = ids.take("user", n)

    first = np.array(txt.FIRST_NAMES, dtype=object)[rng.integers(0, len(txt.FIRST_NAMES), n)]
    last = np.array(txt.LAST_NAMES, dtype=object)[rng.integers(0, len(txt.LAST_NAMES), n)]
    ascii_of = {name: txt.ascii_slug(name) for name in (*txt.FIRST_NAMES, *txt.LAST_NAMES)}
    domain = np.array(txt.EMAIL_DOMAINS, dtype=object)[rng.integers(0, len(txt.EMAIL_DOMAINS), n)]
    countries, country_w = zip(*txt.COUNTRIES)
    frame = pd.DataFrame({
        "user_id": user_ids,
        "user_name": pd.Series(first) + " " + pd.Series(last),
        "email": (pd.Series(first).map(ascii_of) + "." + pd.Series(last).map(ascii_of)
                  + pd.Series(user_ids).astype(str) + "@" + pd.Series(domain)),
        "country": np.array(countries)[rng.choice(len(countries), n, p=np.array(country_w) / sum(country_w))],
        "signup_date": np.datetime_as_string(signup.astype("datetime64[D]")),
        "degree": degree,
    })
    return events.Users(user_ids, first_pos, weight / weight.sum()), frame


def _projects(rng, degree: str, ids: events.Ids) -> pd.DataFrame:
    n = int(rng.integers(11, 14))
    difficulty = np.clip(np.rint(np.linspace(1, 5, n) + rng.normal(0, 0.7, n)), 1, 5).astype(np.int64)
    return pd.DataFrame({
        "project_id": ids.take("project", n),
        "project_name": rng.choice(np.array(txt.PROJECT_NAMES), n, replace=False),
        "degree": degree,
        "difficulty": difficulty,
    })


def _videos(rng, degree: str, ids: events.Ids) -> pd.DataFrame:
    n_sections = int(rng.integers(9, 12))
    per_section = rng.integers(4, 9, n_sections)
    n = int(per_section.sum())
    lesson = np.arange(n) - np.repeat(np.cumsum(per_section) - per_section, per_section) + 1
    section_name = pd.Series(np.repeat(rng.choice(np.array(txt.SECTION_NAMES), n_sections, replace=False),
                                       per_section))
    return pd.DataFrame({
        "video_id": ids.take("video", n),
        "video_title": section_name + " - Lesson " + pd.Series(lesson).astype(str),
        "degree": degree,
        "section_id": np.repeat(ids.take("section", n_sections), per_section),
        "section_name": section_name,
        "duration_seconds": rng.integers(120, 1801, n),
    })


def _degree_tables(rng, extra, degree: str, degrees: Sequence[str], n_users: int, cal: events.Calendar, year: int,
                   ids: events.Ids) -> dict:
    users, users_dim = _users(rng, degree, n_users, cal, year, ids)
    projects, videos = _projects(rng, degree, ids), _videos(rng, degree, ids)
    rows = {name: round(rate * n_users) for name, rate in ROWS_PER_USER.items()}
    p_negative = np.clip(rng.uniform(0.15, 0.22) + rng.normal(0, 0.025, len(cal.months)), 0.08, 0.32)

    project_w = 0.88 ** np.arange(len(projects))
    project_w /= project_w.sum()
    project_shift = 0.02 * (projects["difficulty"].to_numpy() - 3)
    video_w = events.zipf(len(videos), 1.1, rng)
    section_ids, section_idx = np.unique(videos["section_id"].to_numpy(), return_inverse=True)
    section_w = np.bincount(section_idx, weights=video_w)
    section_shift = rng.normal(0, 0.02, len(section_ids))

    pf, pf_month, pf_user, pf_ts = events.feedback(rng, "project", rows["project_feedback"], users, cal, p_negative,
                                                   projects["project_id"].to_numpy(), project_w, project_shift, ids)
    sf, sf_month, sf_user, sf_ts = events.feedback(rng, "section", rows["section_feedback"], users, cal, p_negative,
                                                   section_ids, section_w, section_shift, ids)
    first_negative = np.full(n_users, np.iinfo(np.int64).max)
    for frame, user, ts in ((pf, pf_user, pf_ts), (sf, sf_user, sf_ts)):
        neg = frame["rating"].to_numpy() <= 2
        np.minimum.at(first_negative, user[neg], ts[neg])

    mentor, mentor_month = events.mentor_activity(rng, degree, rows["mentor_activity"], users, cal, projects,
                                                  project_w, ids)
    video_log, video_month = events.video_log(rng, rows["video_log"], users, cal, videos, video_w, first_negative, ids)

    share = CHANGE_REQUEST_SHARE
    pf["feedback_text"] = events.name_videos(extra, pf["feedback_text"],
                                             events.video_titles(extra, len(pf), videos, video_w),
                                             share["feedback"])
    sf["feedback_text"] = events.name_videos(extra, sf["feedback_text"],
                                             events.video_titles(extra, len(sf), videos, video_w,
                                                                 sf["section_id"].to_numpy()),
                                             share["feedback"])
    mentor["question_text"] = events.name_videos(extra, mentor["question_text"],
                                                 events.video_titles(extra, len(mentor), videos, video_w),
                                                 share["mentor_activity"], VIDEO_QUESTION_SHARE)
    last_view = np.full(n_users, np.iinfo(np.int64).min)
    viewed_at = video_log["viewed_at"].to_numpy().astype("datetime64[s]").astype(np.int64)
    np.maximum.at(last_view, np.searchsorted(users.ids, video_log["user_id"].to_numpy()), viewed_at)
    enrollments = events.enrollments(extra, degree, degrees, users, users_dim, cal, first_negative, last_view, ids)
    return {
        "dims": {"users_dim": users_dim, "projects_dim": projects, "videos_dim": videos, "enrollments": enrollments},
        "facts": {
            "project_feedback": (pf, pf_month),
            "section_feedback": (sf, sf_month),
            "mentor_activity": (mentor, mentor_month),
            "video_log": (video_log, video_month),
        },
    }


def _write(frame: pd.DataFrame, path: pathlib.Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n", date_format=TS_FORMAT, encoding="utf-8")


def generate(root: pathlib.Path, *, scale: float = 1.0, seed: int = 42,
             degrees: Sequence[str] = ("data_science", "data_engineering", "machine_learning"),
             year: int = 2019, months: Sequence[int | dt.date] = range(1, 13)) -> dict:
    """Write the learning lake under root: `months` are month numbers of `year`, or first days of months
    (e.g. a configured range across years; users then sign up from the year before the first month's).

    Returns {"files": int, "rows": {file_name: total_rows}, "fact_rows": int}.
    """
    root = pathlib.Path(root) / "learning"
    degrees = list(dict.fromkeys(degrees))
    cal = events.Calendar.build(year, months)
    n_users = max(round(USERS_AT_SCALE_1 * scale), MIN_USERS_PER_DEGREE * len(degrees))
    split = n_users // len(degrees) + (np.arange(len(degrees)) < n_users % len(degrees))
    ids = events.Ids()
    rows = dict.fromkeys([f"{name}.csv" for name in (*DIM_COLUMNS, *FACT_COLUMNS)], 0)
    dims: dict[str, list[pd.DataFrame]] = {name: [] for name in DIM_COLUMNS}
    files = 0
    for degree, n in zip(degrees, split):
        stream = [seed, zlib.crc32(degree.encode())]
        tables = _degree_tables(np.random.default_rng(stream), np.random.default_rng([*stream, 1]),
                                degree, degrees, int(n), cal, cal.first_year, ids)
        for name, frame in tables["dims"].items():
            dims[name].append(frame)
        for name, (frame, month) in tables["facts"].items():
            bounds = np.searchsorted(month, np.arange(len(cal.months) + 1))
            for i, first_day in enumerate(cal.months.astype(object)):
                _write(frame.iloc[bounds[i]:bounds[i + 1]][FACT_COLUMNS[name]],
                       root / degree / str(first_day.year) / str(first_day.month) / f"{name}.csv")
            rows[f"{name}.csv"] += len(frame)
            files += len(cal.months)
    for name, frames in dims.items():
        frame = pd.concat(frames, ignore_index=True)[DIM_COLUMNS[name]]
        _write(frame, root / "dimensional_tables" / f"{name}.csv")
        rows[f"{name}.csv"] = len(frame)
        files += 1
    return {"files": files, "rows": rows, "fact_rows": sum(rows[f"{name}.csv"] for name in FACT_COLUMNS)}
