"""The sparkify marts' answers computed straight from the lake's JSON files (no warehouse), to compare with the SQL."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from pathlib import Path

from capstone_assets_tests.sparkify.expected import read_lake, undo_double_encoding

WEEKDAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


def utc(ts: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts / 1000, dt.timezone.utc)


def songplay_id(event: dict) -> str:
    return hashlib.md5(f"{event['sessionId']}|{event['itemInSession']}|{event['ts']}".encode()).hexdigest()


def ranked(plays_by_key: dict[str, int]) -> dict[str, int]:
    """RANK() by plays, highest first: 1 + how many keys have more plays."""
    return {key: 1 + sum(other > plays for other in plays_by_key.values()) for key, plays in plays_by_key.items()}


def marts_from(lake: Path) -> dict[str, set[tuple]]:
    songs, events = read_lake(lake)
    plays = [e for e in events if e["page"] == "NextSong"]
    signed_in = [e for e in plays if e["userId"]]
    answers: dict[str, set[tuple]] = {}

    def by(key) -> dict:
        groups = defaultdict(list)
        for e in plays:
            groups[key(e)].append(e)
        return groups

    def listeners(group) -> int:
        return len({e["userId"] for e in group if e["userId"]})

    answers["plays_by_hour"] = {(hour, len(g), listeners(g)) for hour, g in by(lambda e: utc(e["ts"]).hour).items()}
    weekday = lambda e: (utc(e["ts"]).weekday() + 1) % 7  # noqa: E731  (0 = Sunday)
    answers["plays_by_weekday"] = {(day, WEEKDAYS[day], len(g), listeners(g)) for day, g in by(weekday).items()}

    # a play matches the song of the same (title, artist name, duration), its repaired text first; the lowest song_id wins
    song_of = {}
    for s in sorted(songs, key=lambda s: s["song_id"]):
        song_of.setdefault((s["title"], s["artist_name"], s["duration"]), s)
    matched = [(e, song_of[key]) for e in plays
               if (key := (undo_double_encoding(e["song"]), undo_double_encoding(e["artist"]), e["length"])) in song_of]
    by_song, by_artist = defaultdict(list), defaultdict(list)
    for e, song in matched:
        by_song[song["song_id"]].append((e, song))
        by_artist[song["artist_id"]].append((e, song))
    song_rank = ranked({song_id: len(g) for song_id, g in by_song.items()})
    answers["top_songs"] = {(song_rank[song_id], song_id, g[0][1]["title"], g[0][1]["artist_id"], len(g),
                             listeners([e for e, _ in g])) for song_id, g in by_song.items()}
    artist_rank = ranked({artist_id: len(g) for artist_id, g in by_artist.items()})
    answers["top_artists"] = {(artist_rank[artist_id], artist_id, len(g), len({s["song_id"] for _, s in g}),
                               listeners([e for e, _ in g])) for artist_id, g in by_artist.items()}

    by_level = defaultdict(list)
    for e in signed_in:
        by_level[e["level"]].append(e)
    answers["plays_by_level"] = {(level, len(g), listeners(g), round(len(g) / listeners(g), 2),
                                  round(100 * len(g) / len(signed_in), 2)) for level, g in by_level.items()}

    changes, sessions = set(), defaultdict(list)
    per_user = defaultdict(list)
    for e in signed_in:
        per_user[int(e["userId"])].append(e)
        sessions[(int(e["userId"]), e["sessionId"])].append(e["ts"])
    for user, user_plays in per_user.items():
        ordered = sorted(user_plays, key=lambda e: (e["ts"], e["sessionId"], songplay_id(e)))
        changes |= {(user, now["ts"], before["level"], now["level"])
                    for before, now in zip(ordered, ordered[1:]) if before["level"] != now["level"]}
    answers["level_changes"] = changes
    # length: second boundaries crossed from the first to the last play's start, as DATEDIFF(second, ...) counts
    answers["sessions"] = {(user, session, min(ts), max(ts), max(ts) // 1000 - min(ts) // 1000, len(ts))
                           for (user, session), ts in sessions.items()}
    lengths = [max(ts) // 1000 - min(ts) // 1000 for ts in sessions.values()]
    songs_per_session = [len(ts) for ts in sessions.values()]
    answers["session_summary"] = {(len(sessions), len(per_user), round(sum(lengths) / len(lengths) / 60, 2),
                                   round(sum(songs_per_session) / len(sessions), 2), max(songs_per_session))}
    return answers

