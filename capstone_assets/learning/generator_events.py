"""When and how the learning platform's users act: the calendar the events are placed on, and the per-month fact
rows drawn on it (feedback, mentor questions, video views with the churn after negative feedback), the texts that
name videos, and the enrolment history. generator.py draws the dimension tables and puts these together; its
docstring describes the data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from capstone_assets.learning import generator_text as txt

NEGATIVE_CHURN_SHARE = 0.40
FURTHER_ENROLMENT_SHARE = 0.30
# The N_ANCHORS earliest users of each degree sign up before `year`; they carry one reserved
# row per fact table and month (so no partition is ever empty) and are never churned.
N_ANCHORS = 3
DAY = 86_400


@dataclass(frozen=True)
class Calendar:
    """Configured months laid end to end on one axis of usable seconds."""

    months: np.ndarray
    start: np.ndarray
    length: np.ndarray
    offset: np.ndarray
    total: int

    @classmethod
    def build(cls, year: int, months: Sequence[int | dt.date]) -> Calendar:
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


class Ids:
    """Consecutive ids per kind (`user`, `video`...), counted across the degrees so that none repeats."""

    def __init__(self) -> None:
        self._next: dict[str, int] = {}

    def take(self, key: str, n: int) -> np.ndarray:
        first = self._next.get(key, 1)
        self._next[key] = first + n
        return np.arange(first, first + n, dtype=np.int64)


@dataclass
class Users:
    """A degree's users: their ids, the calendar position from which each acts, and how active each is (sums to 1)."""

    ids: np.ndarray
    first_pos: np.ndarray
    weight: np.ndarray


def zipf(n: int, exponent: float, shuffle_with: np.random.Generator | None = None) -> np.ndarray:
    """Weights proportional to 1 / rank ** exponent, summing to 1; the ranks shuffled with `shuffle_with`."""
    w = 1.0 / np.arange(1, n + 1) ** exponent
    return (w if shuffle_with is None else w[shuffle_with.permutation(n)]) / w.sum()


def _events(rng, n: int, users: Users, cal: Calendar) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Time-sorted (user index, month index, epoch seconds), including one anchor row per month."""
    user = rng.choice(len(users.weight), max(n - len(cal.months), 0), p=users.weight)
    pos = rng.integers(users.first_pos[user], cal.total)
    reserved_user = np.arange(len(cal.months)) % N_ANCHORS
    reserved_pos = cal.offset + rng.integers(0, cal.length)
    user, pos = np.concatenate([user, reserved_user]), np.concatenate([pos, reserved_pos])
    order = np.argsort(pos, kind="stable")
    return user[order], *cal.locate(pos[order])


def feedback(rng, kind: str, n: int, users: Users, cal: Calendar, p_negative: np.ndarray,
              items: np.ndarray, item_weight: np.ndarray, item_shift: np.ndarray, ids: Ids):
    user, month, ts = _events(rng, n, users, cal)
    n = len(user)
    item = rng.choice(len(items), n, p=item_weight)
    negative = rng.random(n) < p_negative[month] + item_shift[item]
    neutral = ~negative & (rng.random(n) < 0.18)
    rating = np.where(negative, rng.choice([1, 2], n, p=[0.4, 0.6]),
                      np.where(neutral, 3, rng.choice([4, 5], n, p=[0.45, 0.55])))

    theme_w = zipf(len(txt.NEGATIVE_THEMES), 0.8) * rng.lognormal(0, 0.25, len(txt.NEGATIVE_THEMES))
    theme_w *= np.array(txt.THEME_AFFINITY[kind])
    neg = txt.phrase_grid(txt.NEGATIVE_TEMPLATES, txt.NEGATIVE_THEMES, "theme", item=kind)
    pos = txt.phrase_grid(txt.POSITIVE_TEMPLATES, txt.POSITIVE_THEMES, "theme", item=kind)
    neu = np.array([t.format(item=kind) for t in txt.NEUTRAL_TEXTS], dtype=object)
    text = np.where(
        rating <= 2,
        neg[rng.choice(neg.shape[0], n, p=theme_w / theme_w.sum()), rng.integers(0, neg.shape[1], n)],
        np.where(rating == 3, neu[rng.integers(0, len(neu), n)],
                 pos[rng.choice(pos.shape[0], n, p=zipf(pos.shape[0], 0.8)),
                     rng.integers(0, pos.shape[1], n)]))
    frame = pd.DataFrame({
        "feedback_id": ids.take(f"{kind}feedback", n),
        "user_id": users.ids[user],
        f"{kind}_id": items[item],
        "submitted_at": ts.astype("datetime64[s]"),
        "rating": rating,
        "feedback_text": text,
    })
    return frame, month, user, ts


def mentor_activity(rng, degree: str, n: int, users: Users, cal: Calendar, projects: pd.DataFrame,
                     project_w: np.ndarray, ids: Ids):
    user, month, ts = _events(rng, n, users, cal)
    n = len(user)
    n_mentors = max(3, len(users.ids) // 500)
    mentors = ids.take("mentor", n_mentors)
    topics = (*txt.DEGREE_TOPICS.get(degree, ()), *txt.COMMON_TOPICS)
    questions = txt.phrase_grid(txt.QUESTION_TEMPLATES, topics, "topic")
    frame = pd.DataFrame({
        "question_id": ids.take("question", n),
        "user_id": users.ids[user],
        "mentor_id": mentors[rng.choice(n_mentors, n, p=zipf(n_mentors, 0.6, rng))],
        "project_id": projects["project_id"].to_numpy()[rng.choice(len(projects), n, p=project_w)],
        "asked_at": ts.astype("datetime64[s]"),
        "question_text": questions[rng.choice(len(topics), n, p=zipf(len(topics), 1.0, rng)),
                                   rng.integers(0, questions.shape[1], n)],
        "response_minutes": np.clip(np.rint(rng.lognormal(np.log(90), 1.1, n)), 1, 2880).astype(np.int64),
    })
    return frame, month


def video_log(rng, n: int, users: Users, cal: Calendar, videos: pd.DataFrame, video_w: np.ndarray,
               first_negative: np.ndarray, ids: Ids):
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


def video_titles(extra, n: int, videos: pd.DataFrame, video_w: np.ndarray, sections: np.ndarray | None = None) -> np.ndarray:
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


def name_videos(extra, text: pd.Series, titles: np.ndarray, change_share: float, prefix_share: float = 0.0) -> pd.Series:
    """Prefix some texts with the video they are about and append a content-change request to others."""
    n = len(text)
    out = text.to_numpy(dtype=object).copy()
    prefixed = extra.random(n) < prefix_share
    out[prefixed] = [txt.VIDEO_QUESTION_PREFIX.format(video=v) + t for v, t in zip(titles[prefixed], out[prefixed])]
    requested = extra.random(n) < change_share
    templates = np.array(txt.CHANGE_REQUEST_TEMPLATES, dtype=object)[extra.integers(0, len(txt.CHANGE_REQUEST_TEMPLATES), n)]
    out[requested] = [f"{t} {tpl.format(video=v)}" for t, tpl, v in zip(out[requested], templates[requested], titles[requested])]
    return pd.Series(out, index=text.index)


def enrollments(extra, degree: str, degrees: Sequence[str], users: Users, users_dim: pd.DataFrame, cal: Calendar,
                 first_negative: np.ndarray, last_view: np.ndarray, ids: Ids) -> pd.DataFrame:
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
