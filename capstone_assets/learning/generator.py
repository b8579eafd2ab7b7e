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
"""

from __future__ import annotations

import datetime as dt
import pathlib
import zlib
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from capstone_assets.learning import generator_text as txt

USERS_AT_SCALE_1 = 50_000
MIN_USERS_PER_DEGREE = 30
ROWS_PER_USER = {"project_feedback": 2.0, "section_feedback": 2.4, "mentor_activity": 1.6, "video_log": 22.0}
NEGATIVE_CHURN_SHARE = 0.40
CHANGE_REQUEST_SHARE = {"feedback": 0.12, "mentor_activity": 0.05}
VIDEO_QUESTION_SHARE = 0.30
FURTHER_ENROLMENT_SHARE = 0.30
# The N_ANCHORS earliest users of each degree sign up before `year`; they carry one reserved
# row per fact table and month (so no partition is ever empty) and are never churned.
N_ANCHORS = 3
DAY = 86_400
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


@dataclass(frozen=True)
class _Calendar:
    """Configured months laid end to end on one axis of usable seconds."""

    months: np.ndarray
    start: np.ndarray
    length: np.ndarray
    offset: np.ndarray
    total: int

    @classmethod
    def build(cls, year: int, months: Sequence[int | dt.date]) -> _Calendar:
        """`months`: month numbers of `year`, or the first days of months in any years (a configured range)."""
        first = np.array(sorted({f"{m.year}-{m.month:02d}" if isinstance(m, dt.date) else f"{year}-{m:02d}"
                                 for m in months}), dtype="datetime64[M]")
        bounds = np.stack([first, first + 1]).astype("datetime64[s]").astype(np.int64)
        start, length = bounds[0] + 1, bounds[1] - bounds[0] - 1
        offset = np.concatenate([[0], np.cumsum(length)[:-1]])
        return cls(first, start, length, offset, int(length.sum()))

    @property
    def first_year(self) -> int:
        return self.months[0].astype(object).year

    def position(self, epoch: np.ndarray) -> np.ndarray:
        return np.clip(epoch[:, None] - self.start, 0, self.length).sum(axis=1)

    def locate(self, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        month_idx = np.searchsorted(self.offset, pos, side="right") - 1
        return month_idx, self.start[month_idx] + pos - self.offset[month_idx]


class _Ids:
    def __init__(self) -> None:
        self._next: dict[str, int] = {}

    def take(self, key: str, n: int) -> np.ndarray:
        first = self._next.get(key, 1)
        self._next[key] = first + n
        return np.arange(first, first + n, dtype=np.int64)


@dataclass
class _Users:
    ids: np.ndarray
    first_pos: np.ndarray
    weight: np.ndarray


def _zipf(n: int, exponent: float, shuffle_with: np.random.Generator | None = None) -> np.ndarray:
    w = 1.0 / np.arange(1, n + 1) ** exponent
    return (w if shuffle_with is None else w[shuffle_with.permutation(n)]) / w.sum()


def _users(rng, degree: str, n: int, cal: _Calendar, year: int, ids: _Ids) -> tuple[_Users, pd.DataFrame]:
    lo = np.datetime64(f"{year - 1}-01-01", "D").astype(np.int64)
    year_start = np.datetime64(f"{year}-01-01", "D").astype(np.int64)
    hi = (cal.start[-1] + cal.length[-1]) // DAY - 15
    signup = rng.integers(lo, hi, n)
    signup[rng.choice(n, N_ANCHORS, replace=False)] = rng.integers(lo, year_start, N_ANCHORS)
    signup.sort()
    first_pos = cal.position((signup + 1) * DAY)
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
    return _Users(user_ids, first_pos, weight / weight.sum()), frame


def _projects(rng, degree: str, ids: _Ids) -> pd.DataFrame:
    n = int(rng.integers(11, 14))
    difficulty = np.clip(np.rint(np.linspace(1, 5, n) + rng.normal(0, 0.7, n)), 1, 5).astype(np.int64)
    return pd.DataFrame({
        "project_id": ids.take("project", n),
        "project_name": rng.choice(np.array(txt.PROJECT_NAMES), n, replace=False),
        "degree": degree,
        "difficulty": difficulty,
    })


def _videos(rng, degree: str, ids: _Ids) -> pd.DataFrame:
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


def _events(rng, n: int, users: _Users, cal: _Calendar) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Time-sorted (user index, month index, epoch seconds), including one anchor row per month."""
    user = rng.choice(len(users.weight), max(n - len(cal.months), 0), p=users.weight)
    pos = rng.integers(users.first_pos[user], cal.total)
    reserved_user = np.arange(len(cal.months)) % N_ANCHORS
    reserved_pos = cal.offset + rng.integers(0, cal.length)
    user, pos = np.concatenate([user, reserved_user]), np.concatenate([pos, reserved_pos])
    order = np.argsort(pos, kind="stable")
    return user[order], *cal.locate(pos[order])


def _feedback(rng, kind: str, n: int, users: _Users, cal: _Calendar, p_negative: np.ndarray,
              items: np.ndarray, item_weight: np.ndarray, item_shift: np.ndarray, ids: _Ids):
    user, month, ts = _events(rng, n, users, cal)
    n = len(user)
    item = rng.choice(len(items), n, p=item_weight)
    negative = rng.random(n) < p_negative[month] + item_shift[item]
    neutral = ~negative & (rng.random(n) < 0.18)
    rating = np.where(negative, rng.choice([1, 2], n, p=[0.4, 0.6]),
                      np.where(neutral, 3, rng.choice([4, 5], n, p=[0.45, 0.55])))

    theme_w = _zipf(len(txt.NEGATIVE_THEMES), 0.8) * rng.lognormal(0, 0.25, len(txt.NEGATIVE_THEMES))
    theme_w *= np.array(txt.THEME_AFFINITY[kind])
    neg = txt.phrase_grid(txt.NEGATIVE_TEMPLATES, txt.NEGATIVE_THEMES, "theme", item=kind)
    pos = txt.phrase_grid(txt.POSITIVE_TEMPLATES, txt.POSITIVE_THEMES, "theme", item=kind)
    neu = np.array([t.format(item=kind) for t in txt.NEUTRAL_TEXTS], dtype=object)
    text = np.where(
        rating <= 2,
        neg[rng.choice(neg.shape[0], n, p=theme_w / theme_w.sum()), rng.integers(0, neg.shape[1], n)],
        np.where(rating == 3, neu[rng.integers(0, len(neu), n)],
                 pos[rng.choice(pos.shape[0], n, p=_zipf(pos.shape[0], 0.8)),
                     rng.integers(0, pos.shape[1], n)]))
    frame = pd.DataFrame({
        "feedback_id": ids.take(f"{kind}_feedback", n),
        "user_id": users.ids[user],
        f"{kind}_id": items[item],
        "submitted_at": ts.astype("datetime64[s]"),
        "rating": rating,
        "feedback_text": text,
    })
    return frame, month, user, ts


def _mentor_activity(rng, degree: str, n: int, users: _Users, cal: _Calendar, projects: pd.DataFrame,
                     project_w: np.ndarray, ids: _Ids):
    user, month, ts = _events(rng, n, users, cal)
    n = len(user)
    n_mentors = max(3, len(users.ids) // 500)
    mentors = ids.take("mentor", n_mentors)
    topics = (*txt.DEGREE_TOPICS.get(degree, ()), *txt.COMMON_TOPICS)
    questions = txt.phrase_grid(txt.QUESTION_TEMPLATES, topics, "topic")
    frame = pd.DataFrame({
        "question_id": ids.take("question", n),
        "user_id": users.ids[user],
        "mentor_id": mentors[rng.choice(n_mentors, n, p=_zipf(n_mentors, 0.6, rng))],
        "project_id": projects["project_id"].to_numpy()[rng.choice(len(projects), n, p=project_w)],
        "asked_at": ts.astype("datetime64[s]"),
        "question_text": questions[rng.choice(len(topics), n, p=_zipf(len(topics), 1.0, rng)),
                                   rng.integers(0, questions.shape[1], n)],
        "response_minutes": np.clip(np.rint(rng.lognormal(np.log(90), 1.1, n)), 1, 2880).astype(np.int64),
    })
    return frame, month


def _video_log(rng, n: int, users: _Users, cal: _Calendar, videos: pd.DataFrame, video_w: np.ndarray,
               first_negative: np.ndarray, ids: _Ids):
    user, month, ts = _events(rng, n, users, cal)
    video = rng.choice(len(videos), len(user), p=video_w)
    duration = videos["duration_seconds"].to_numpy()[video]
    watched = np.clip(np.ceil(rng.beta(2.5, 1.0, len(user)) * duration), 1, duration).astype(np.int64)

    after = ts > first_negative[user]
    negative = first_negative < np.iinfo(np.int64).max
    has_after = np.bincount(user[after], minlength=len(negative)) > 0
    candidates = np.flatnonzero(negative & has_after)
    candidates = candidates[candidates >= N_ANCHORS]
    target = round(NEGATIVE_CHURN_SHARE * negative.sum()) - int((negative & ~has_after).sum())
    churned = np.zeros(len(negative), dtype=bool)
    churned[rng.choice(candidates, int(np.clip(target, 0, len(candidates))), replace=False)] = True
    keep = ~(churned[user] & after)

    frame = pd.DataFrame({
        "view_id": ids.take("view", int(keep.sum())),
        "user_id": users.ids[user[keep]],
        "video_id": videos["video_id"].to_numpy()[video[keep]],
        "viewed_at": ts[keep].astype("datetime64[s]"),
        "watched_seconds": watched[keep],
    })
    return frame, month[keep]


def _video_titles(extra, n: int, videos: pd.DataFrame, video_w: np.ndarray, sections: np.ndarray | None = None) -> np.ndarray:
    """A video title per row, by popularity; with `sections`, a video of each row's section."""
    titles = videos["video_title"].to_numpy()
    chosen = titles[extra.choice(len(videos), n, p=video_w)]
    if sections is not None:
        for section in np.unique(sections):
            in_section = np.flatnonzero(videos["section_id"].to_numpy() == section)
            rows = np.flatnonzero(sections == section)
            w = video_w[in_section] / video_w[in_section].sum()
            chosen[rows] = titles[in_section[extra.choice(len(in_section), len(rows), p=w)]]
    return chosen


def _name_videos(extra, text: pd.Series, titles: np.ndarray, change_share: float, prefix_share: float = 0.0) -> pd.Series:
    """Prefix some texts with the video they are about and append a content-change request to others."""
    n = len(text)
    out = text.to_numpy(dtype=object).copy()
    prefixed = extra.random(n) < prefix_share
    out[prefixed] = [txt.VIDEO_QUESTION_PREFIX.format(video=v) + t for v, t in zip(titles[prefixed], out[prefixed])]
    requested = extra.random(n) < change_share
    templates = np.array(txt.CHANGE_REQUEST_TEMPLATES, dtype=object)[extra.integers(0, len(txt.CHANGE_REQUEST_TEMPLATES), n)]
    out[requested] = [f"{t} {tpl.format(video=v)}" for t, tpl, v in zip(out[requested], templates[requested], titles[requested])]
    return pd.Series(out, index=text.index)


def _enrollments(extra, degree: str, degrees: Sequence[str], users: _Users, users_dim: pd.DataFrame, cal: _Calendar,
                 first_negative: np.ndarray, last_view: np.ndarray, ids: _Ids) -> pd.DataFrame:
    n = len(users.ids)
    signup_day = users_dim["signup_date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    first_ts = signup_day * DAY + extra.integers(0, DAY, n)
    further = extra.random(n) < FURTHER_ENROLMENT_SHARE
    _, further_ts = cal.locate(extra.integers(users.first_pos, cal.total))
    others = [d for d in degrees if d != degree]
    target = np.array(others or [degree], dtype=object)[extra.integers(0, max(len(others), 1), n)]
    stopped_watching = last_view <= first_negative  # gave negative feedback and watched nothing after it
    keep = further & ~(stopped_watching & (further_ts > first_negative)) & bool(others)
    frame = pd.DataFrame({
        "user_id": np.concatenate([users.ids, users.ids[keep]]),
        "degree": np.concatenate([np.full(n, degree, dtype=object), target[keep]]),
        "enrolled_at": np.concatenate([first_ts, further_ts[keep]]).astype("datetime64[s]"),
    }).sort_values(["enrolled_at", "user_id"], kind="stable", ignore_index=True)
    frame.insert(0, "enrollment_id", ids.take("enrollment", len(frame)))
    return frame


def _degree_tables(rng, extra, degree: str, degrees: Sequence[str], n_users: int, cal: _Calendar, year: int,
                   ids: _Ids) -> dict:
    users, users_dim = _users(rng, degree, n_users, cal, year, ids)
    projects, videos = _projects(rng, degree, ids), _videos(rng, degree, ids)
    rows = {name: round(rate * n_users) for name, rate in ROWS_PER_USER.items()}
    p_negative = np.clip(rng.uniform(0.15, 0.22) + rng.normal(0, 0.025, len(cal.months)), 0.08, 0.32)

    project_w = 0.88 ** np.arange(len(projects))
    project_w /= project_w.sum()
    project_shift = 0.02 * (projects["difficulty"].to_numpy() - 3)
    video_w = _zipf(len(videos), 1.1, rng)
    section_ids, section_idx = np.unique(videos["section_id"].to_numpy(), return_inverse=True)
    section_w = np.bincount(section_idx, weights=video_w)
    section_shift = rng.normal(0, 0.02, len(section_ids))

    pf, pf_month, pf_user, pf_ts = _feedback(rng, "project", rows["project_feedback"], users, cal, p_negative,
                                             projects["project_id"].to_numpy(), project_w, project_shift, ids)
    sf, sf_month, sf_user, sf_ts = _feedback(rng, "section", rows["section_feedback"], users, cal, p_negative,
                                             section_ids, section_w, section_shift, ids)
    first_negative = np.full(n_users, np.iinfo(np.int64).max)
    for frame, user, ts in ((pf, pf_user, pf_ts), (sf, sf_user, sf_ts)):
        neg = frame["rating"].to_numpy() <= 2
        np.minimum.at(first_negative, user[neg], ts[neg])

    mentor, mentor_month = _mentor_activity(rng, degree, rows["mentor_activity"], users, cal, projects, project_w, ids)
    video_log, video_month = _video_log(rng, rows["video_log"], users, cal, videos, video_w, first_negative, ids)

    share = CHANGE_REQUEST_SHARE
    pf["feedback_text"] = _name_videos(extra, pf["feedback_text"], _video_titles(extra, len(pf), videos, video_w),
                                       share["feedback"])
    sf["feedback_text"] = _name_videos(extra, sf["feedback_text"],
                                       _video_titles(extra, len(sf), videos, video_w, sf["section_id"].to_numpy()),
                                       share["feedback"])
    mentor["question_text"] = _name_videos(extra, mentor["question_text"],
                                           _video_titles(extra, len(mentor), videos, video_w),
                                           share["mentor_activity"], VIDEO_QUESTION_SHARE)
    last_view = np.full(n_users, np.iinfo(np.int64).min)
    viewed_at = video_log["viewed_at"].to_numpy().astype("datetime64[s]").astype(np.int64)
    np.maximum.at(last_view, np.searchsorted(users.ids, video_log["user_id"].to_numpy()), viewed_at)
    enrollments = _enrollments(extra, degree, degrees, users, users_dim, cal, first_negative, last_view, ids)
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
    cal = _Calendar.build(year, months)
    n_users = max(round(USERS_AT_SCALE_1 * scale), MIN_USERS_PER_DEGREE * len(degrees))
    split = n_users // len(degrees) + (np.arange(len(degrees)) < n_users % len(degrees))
    ids = _Ids()
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
