"""What the sparkify tables must hold, computed straight from the lake files with `json` (no warehouse)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path


def undo_double_encoding(text: str) -> str:
    """The test's own repair rule: two latin-1 -> utf-8 round trips, only where both succeed."""
    if text.isascii():
        return text
    try:
        return text.encode("latin-1").decode("utf-8").encode("latin-1").decode("utf-8")
    except UnicodeError:
        return text


@dataclass
class Expected:
    events: int
    songplays: int
    users: dict[int, str]  # user id -> level of the latest event
    songs: int
    artists: int
    matched_songplays: int
    start_times: int
    repaired_values: int  # distinct double-encoded artist/song texts per month
    repaired_occurrences: int
    months: set[tuple[int, int]]


def month_of(event: dict) -> tuple[int, int]:
    day = dt.datetime.fromtimestamp(event["ts"] / 1000, dt.timezone.utc)
    return day.year, day.month


def read_lake(lake: Path) -> tuple[list[dict], list[dict]]:
    songs = [json.loads(p.read_bytes()) for p in sorted((lake / "sparkify" / "song_data").rglob("*.json"))]
    events = []
    for path in sorted((lake / "sparkify" / "log_data").rglob("*.json")):
        events += [json.loads(line) for line in path.read_bytes().splitlines() if line.strip()]
    return songs, events


def expected_from(lake: Path) -> Expected:
    songs, events = read_lake(lake)
    plays = [e for e in events if e["page"] == "NextSong"]
    latest: dict[int, tuple] = {}
    for e in events:
        if e["userId"]:
            order = (e["ts"], e["sessionId"], e["itemInSession"])
            if int(e["userId"]) not in latest or order > latest[int(e["userId"])][0]:
                latest[int(e["userId"])] = (order, e["level"])
    catalog = {(s["title"], s["artist_name"], s["duration"]) for s in songs}
    texts = [(month_of(e), e[k]) for e in plays for k in ("artist", "song")]
    repaired = [(month, t) for month, t in texts if undo_double_encoding(t) != t]
    return Expected(
        events=len(events),
        songplays=len(plays),
        users={user: level for user, (_, level) in latest.items()},
        songs=len({s["song_id"] for s in songs}),
        artists=len({s["artist_id"] for s in songs}),
        matched_songplays=sum((undo_double_encoding(e["song"]), undo_double_encoding(e["artist"]), e["length"]) in catalog
                              for e in plays),
        start_times=len({e["ts"] for e in plays}),
        repaired_values=len(set(repaired)),
        repaired_occurrences=len(repaired),
        months={month_of(e) for e in plays},
    )
