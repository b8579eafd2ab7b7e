"""Deterministic synthetic Sparkify lake (song metadata + event-simulator logs).

Layout written under ``root`` (keys relative to the lake root):

* ``sparkify/song_data/A/<c4>/<c5>/TR*.json``: one JSON object per file, no trailing newline,
  ``json.dumps`` default separators, non-ASCII escaped as ``\\uXXXX``. The folders are the 3rd,
  4th and 5th characters of the track id (3rd is always ``A``, 4th/5th in ``A``-``C``).
* ``sparkify/log_data/YYYY/MM/YYYY-MM-DD-events.json``: compact NDJSON, 18 keys in the real order,
  ``/`` escaped as ``\\/``, non-ASCII as ``\\uXXXX``, no newline at end of file. One file per day of
  every requested month (every day gets at least one session).
* ``sparkify/log_json_path.json``: the Redshift JSONPaths file (18 paths, column order).

Volume at ``scale=1``: 700 songs, 1,000 users and about 80,000 events *per requested month*
(roughly ten times the real sample); every count is multiplied by ``scale`` (with small floors:
10 songs, 10 users, one session per day).

Quirks reproduced: ``userId`` is a string and ``""`` on ``Logged Out`` rows (which also carry null
firstName/lastName/gender/location/registration/userAgent); artist/song/length null on every
non-NextSong page; a page mix close to the real one; non-ASCII artist/song names double-encoded
(mojibake) in the logs; userAgent wrapped in literal ``"``; locations with commas; registration a
float epoch-ms; ts epoch-ms on the file's UTC date; ~15% of free users switch to paid mid-period;
about 30% of NextSong rows match a song_data row exactly on (title, artist, duration) (a little
less when compared raw, because non-ASCII names are double-encoded in the logs); song year 0 on
~60%, null lat/long on ~55%, empty ``artist_location`` on ~35%; ~3% of artists have two songs.

Randomness: users and songs come from ``seed``; each month's events from ``(seed, year, month)``,
so a month's file content depends on ``(scale, seed)`` and on the earliest requested month only
(registrations fall 0.5-40 days before ``min(2018-11-01, first requested month)``; free->paid
switches happen 6-24 days into the first requested month).
"""
from __future__ import annotations

import json
import pathlib

import numpy as np
import pandas as pd

from . import generator_text as T

LOG_KEYS = (
    "artist", "auth", "firstName", "gender", "itemInSession", "lastName", "length", "level",
    "location", "method", "page", "registration", "sessionId", "song", "status", "ts",
    "userAgent", "userId",
)
SONG_KEYS = (
    "num_songs", "artist_id", "artist_latitude", "artist_longitude", "artist_location",
    "artist_name", "song_id", "title", "duration", "year",
)
SONGS_AT_SCALE_1 = 700
USERS_AT_SCALE_1 = 1_000
EVENTS_PER_MONTH_AT_SCALE_1 = 80_000
CATALOG_AT_SCALE_1 = 20_000   # songs that are played but are not in song_data
MATCH_SHARE = 0.30            # NextSong rows that pick a song_data song
DAY_MS = 86_400_000
# Logged-in pages (Logout is placed structurally at the end of some sessions): (page, weight).
CORE_PAGES = (
    ("NextSong", 6820), ("Home", 635), ("Downgrade", 60), ("Settings", 56), ("Help", 38),
    ("About", 22), ("Upgrade", 21), ("Save Settings", 10), ("Error", 9), ("Submit Upgrade", 8),
    ("Submit Downgrade", 1),
)
OUT_PAGES = (("Home", 171), ("About", 14), ("Help", 9))
PUT_PAGES = {"Login", "Logout", "NextSong", "Save Settings", "Submit Downgrade", "Submit Upgrade"}
B36 = np.array(list("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"))


def _ids(prefix: str, n: int, rng: np.random.Generator, rand_len: int, path: np.ndarray | None = None) -> np.ndarray:
    """Unique ids: prefix [+ path letters] + random base36 chars + base36(index) (6 chars)."""
    rand = B36[rng.integers(0, 36, size=(n, rand_len))]
    idx = np.arange(n)
    tail = np.stack([B36[(idx // 36**p) % 36] for p in range(5, -1, -1)], axis=1)
    parts = [rand, tail] if path is None else [path, rand, tail]
    chars = np.ascontiguousarray(np.concatenate(parts, axis=1))
    return np.char.add(prefix, chars.view(f"<U{chars.shape[1]}").ravel())


def _pick(rng: np.random.Generator, words, n: int) -> pd.Series:
    return pd.Series(np.asarray(words, dtype=object)[rng.integers(0, len(words), n)])


def _artist_names(rng: np.random.Generator, n: int) -> pd.Series:
    solo = _pick(rng, T.FIRST_NAMES, n) + " " + _pick(rng, T.LAST_NAMES, n)
    band = "The " + _pick(rng, T.BAND_ADJECTIVES, n) + " " + _pick(rng, T.BAND_NOUNS, n)
    duo = _pick(rng, T.LAST_NAMES, n) + " & " + _pick(rng, T.LAST_NAMES, n)
    many = solo + ";" + _pick(rng, T.FIRST_NAMES, n) + " " + _pick(rng, T.LAST_NAMES, n)
    kind = rng.choice(5, n, p=[0.47, 0.38, 0.11, 0.01, 0.03])
    out = solo.where(kind == 0, band.where(kind == 1, duo.where(kind == 2, many)))
    return out.where(kind != 4, _pick(rng, T.NON_ASCII_ARTISTS, n))


def _titles(rng: np.random.Generator, n: int) -> pd.Series:
    w = lambda: _pick(rng, T.TITLE_WORDS, n)  # noqa: E731
    base = pd.Series(np.where(rng.random(n) < 0.5, _pick(rng, T.TITLE_LEADS, n) + " " + w(), w() + " " + w()))
    suffix = _pick(rng, T.TITLE_SUFFIXES, n).where(rng.random(n) < 0.15, "")
    return (base + suffix).where(rng.random(n) >= 0.02, _pick(rng, T.NON_ASCII_TITLES, n))


def _durations(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.round(np.clip(rng.lognormal(np.log(230), 0.35, n), 30, 900), 5)


def _songs(rng: np.random.Generator, n: int) -> pd.DataFrame:
    n_art = n - max(1, round(n * 0.03))  # ~3% of songs are a second song of an artist
    art = pd.DataFrame({"artist_id": _ids("AR", n_art, rng, 10), "artist_name": _artist_names(rng, n_art)})
    loc = rng.integers(0, len(T.ARTIST_LOCATIONS), n_art)
    kind = rng.choice(3, n_art, p=[0.35, 0.2, 0.45])  # "" / free-form text, no coords / text + coords
    has_xy = kind == 2
    lat = np.array([x[1] for x in T.ARTIST_LOCATIONS])[loc] + rng.normal(0, 0.3, n_art)
    lon = np.array([x[2] for x in T.ARTIST_LOCATIONS])[loc] + rng.normal(0, 0.3, n_art)
    art["artist_latitude"] = np.where(has_xy, np.round(lat, 5), np.nan)
    art["artist_longitude"] = np.where(has_xy, np.round(lon, 5), np.nan)
    art["artist_location"] = np.where(kind == 0, "", np.where(
        has_xy, np.array([x[0] for x in T.ARTIST_LOCATIONS], dtype=object)[loc], _pick(rng, T.FREE_FORM_LOCATIONS, n_art)))
    # first n_art songs: one per artist; the rest: a second song for distinct artists
    who = np.concatenate([np.arange(n_art), rng.choice(n_art, n - n_art, replace=False)])
    songs = art.iloc[who].reset_index(drop=True)
    path = np.stack([np.full(n, "A"), B36[10 + rng.integers(0, 3, n)], B36[10 + rng.integers(0, 3, n)]], axis=1)
    songs["track_id"] = _ids("TR", n, rng, 7, path)
    songs["song_id"] = _ids("SO", n, rng, 10)
    songs["title"] = _titles(rng, n)
    songs["duration"] = _durations(rng, n)
    songs["year"] = np.where(rng.random(n) < 0.6, 0, rng.integers(1955, 2011, n))
    return songs


def _users(rng: np.random.Generator, n: int, reg_before_ms: int, first_month_ms: int) -> pd.DataFrame:
    """Users registered 0.5-40 days before reg_before_ms; switchers go paid 6-24 days into the first month."""
    female = rng.random(n) < 0.65
    first = np.where(female, _pick(rng, T.USER_FIRST_F, n), _pick(rng, T.USER_FIRST_M, n))
    weight = rng.lognormal(0, 1.2, n)
    rank = weight.argsort().argsort() / max(n - 1, 1)
    paid = rng.random(n) < 0.2 + 0.5 * rank
    switch = ~paid & (rng.random(n) < 0.15)
    free = np.flatnonzero(~paid)
    if len(free):  # the most active free user always upgrades, so even tiny lakes show a switch
        switch[free[weight[free].argmax()]] = True
    return pd.DataFrame({
        "userId": (np.arange(n) + 1).astype(str), "firstName": first, "lastName": _pick(rng, T.USER_LAST, n),
        "gender": np.where(female, "F", "M"), "location": _pick(rng, T.USER_LOCATIONS, n),
        "userAgent": '"' + _pick(rng, T.USER_AGENTS, n) + '"',
        "registration": (reg_before_ms - rng.integers(DAY_MS // 2, 40 * DAY_MS, n)).astype(float),
        "weight": weight / weight.sum(), "paid": paid,
        "switch_ts": np.where(switch, first_month_ms + (rng.uniform(0.2, 0.8, n) * 30 * DAY_MS).astype(np.int64), -1),
    })


def _mojibake(s: str) -> str:
    """Encode a correct name twice (UTF-8 bytes read as Latin-1, twice), like the simulator did."""
    if s.isascii():
        return s
    for _ in range(2):
        s = s.encode("utf-8").decode("latin-1")
    return s


def _month_events(rng: np.random.Generator, year: int, month: int, n_target: int,
                  users: pd.DataFrame, songs: pd.DataFrame, catalog: pd.DataFrame) -> pd.DataFrame:
    """One month of sessions: optional logged-out prefix + Login, logged-in pages, optional Logout + logged-out tail."""
    start = pd.Timestamp(year=year, month=month, day=1, tz="UTC")
    n_days = start.days_in_month
    m = n_target // 2 + n_days    # candidate sessions: far more than needed (mean length ~9.5)
    core = np.minimum(np.where(rng.random(m) < 0.45, rng.integers(1, 3, m), 1 + rng.geometric(1 / 15, m)), 120)
    n_s = min(m, max(n_days, int(np.searchsorted(np.cumsum(core), n_target)) + 1))  # >= 1 session per day
    core = core[:n_s]
    starts_out = rng.random(n_s) < 0.10
    ends_out = rng.random(n_s) < 0.10
    pre = np.where(starts_out, rng.choice(3, n_s, p=[0.5, 0.4, 0.1]) + 1, 0)  # incl. the Login row
    post = np.where(ends_out, rng.choice(3, n_s, p=[0.3, 0.5, 0.2]) + 1, 0)   # incl. the Logout row
    total = pre + core + post
    sess = np.repeat(np.arange(n_s), total)
    first = np.cumsum(total) - total
    pos = np.arange(len(sess)) - first[sess]
    role = np.where(pos < pre[sess] - 1, 0, np.where(pos == pre[sess] - 1, 1,
                    np.where(pos < (pre + core)[sess], 2, np.where(pos == (pre + core)[sess], 3, 0))))
    n = len(sess)
    core_p = np.array([w for _, w in CORE_PAGES], float)
    out_p = np.array([w for _, w in OUT_PAGES], float)
    page = np.where(role == 1, "Login", np.where(role == 3, "Logout", np.where(
        role == 2, np.array([p for p, _ in CORE_PAGES])[rng.choice(len(core_p), n, p=core_p / core_p.sum())],
        np.array([p for p, _ in OUT_PAGES])[rng.choice(len(out_p), n, p=out_p / out_p.sum())])))
    song_row = page == "NextSong"
    from_songs = rng.random(n) < MATCH_SHARE
    pool = pd.concat([songs[["artist_name", "title", "duration"]], catalog.drop(columns="popularity")], ignore_index=True)
    popular = rng.choice(len(catalog), n, p=catalog["popularity"].to_numpy())
    pick = np.where(from_songs, rng.integers(0, len(songs), n), len(songs) + popular)
    chosen = pool.iloc[pick].reset_index(drop=True)
    gap = np.where(song_row, np.round(chosen["duration"].to_numpy()), rng.integers(1, 60, n)).astype(np.int64) * 1000
    gap = np.minimum(gap, 600_000) + rng.integers(0, 1000, n)
    offset = np.cumsum(gap) - gap
    offset -= offset[first][sess]
    dur = offset[first + total - 1]
    day = np.concatenate([np.arange(n_days), rng.integers(0, n_days, n_s - n_days)])
    s_start = start.value // 1_000_000 + day * DAY_MS + (rng.random(n_s) * (DAY_MS - dur - 1)).astype(np.int64)
    ts = s_start[sess] + offset
    user = rng.choice(len(users), n_s, p=users["weight"].to_numpy())
    u = users.iloc[user[sess]].reset_index(drop=True)
    out = role <= 1
    sess_id = np.empty(n_s, np.int64)
    month_no = (year * 12 + month - (2018 * 12 + 11)) % 1200  # 0 for 2018-11: ids stay small
    sess_id[np.argsort(s_start, kind="stable")] = np.arange(n_s) + 1 + month_no * 100_000
    paid = u["paid"].to_numpy() | ((u["switch_ts"].to_numpy() >= 0) & (ts >= u["switch_ts"].to_numpy()))
    df = pd.DataFrame({
        "artist": chosen["artist_name"].where(song_row, None), "auth": np.where(out, "Logged Out", "Logged In"),
        "firstName": u["firstName"].where(~out, None), "gender": u["gender"].where(~out, None),
        "itemInSession": pos, "lastName": u["lastName"].where(~out, None),
        "length": chosen["duration"].where(song_row, np.nan), "level": np.where(paid, "paid", "free"),
        "location": u["location"].where(~out, None), "method": np.where(np.isin(page, list(PUT_PAGES)), "PUT", "GET"),
        "page": page, "registration": u["registration"].where(~out, np.nan), "sessionId": sess_id[sess],
        "song": chosen["title"].where(song_row, None),
        "status": np.where(page == "Error", 404, np.where(np.isin(page, list(PUT_PAGES - {"NextSong"})), 307, 200)),
        "ts": ts, "userAgent": u["userAgent"].where(~out, None), "userId": u["userId"].where(~out, ""),
    })
    return df.sort_values(["ts", "sessionId", "itemInSession"], kind="stable").reset_index(drop=True)


def _json_tokens(col: pd.Series, fix=lambda v: v) -> pd.Series:
    """JSON text for each value, computed once per distinct value (null for None/NaN)."""
    if pd.api.types.is_integer_dtype(col):
        return col.astype(str)
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    toks = [json.dumps(fix(v.item() if hasattr(v, "item") else v)) for v in uniques]
    return pd.Series(np.array(toks + ["null"], dtype=object)[codes], index=col.index)


def _log_lines(df: pd.DataFrame) -> pd.Series:
    line = pd.Series("{", index=df.index)
    for i, key in enumerate(LOG_KEYS):
        tok = _json_tokens(df[key], _mojibake if key in ("artist", "song") else (lambda v: v))
        line = line + ("," if i else "") + f'"{key}":' + tok
    return (line + "}").str.replace("/", "\\/", regex=False)


def _write(path: pathlib.Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("ascii"))


def generate(root: pathlib.Path, *, scale: float = 1.0, seed: int = 42, months: tuple[str, ...] = ("2018-11",)) -> dict:
    """Write the Sparkify lake under root; return {"files": int, "rows": {"song_data": n, "log_data": n}}."""
    root = pathlib.Path(root)
    months = tuple(sorted(set(months)))
    rng = np.random.default_rng(seed)
    songs = _songs(rng, max(10, round(SONGS_AT_SCALE_1 * scale)))
    n_cat = max(50, round(CATALOG_AT_SCALE_1 * scale))
    catalog = pd.DataFrame({"artist_name": _artist_names(rng, n_cat), "title": _titles(rng, n_cat),
                            "duration": _durations(rng, n_cat)})
    catalog["popularity"] = (w := rng.lognormal(0, 1.0, n_cat)) / w.sum()
    first = pd.Timestamp(months[0] + "-01", tz="UTC")
    anchor = min(pd.Timestamp("2018-11-01", tz="UTC"), first).value // 1_000_000
    users = _users(rng, max(10, round(USERS_AT_SCALE_1 * scale)), anchor, first.value // 1_000_000)

    files = 0
    for rec in songs.to_dict("records"):
        obj = {k: rec[k] for k in SONG_KEYS if k != "num_songs"}
        obj = {"num_songs": 1, **obj}
        for k in ("artist_latitude", "artist_longitude"):
            obj[k] = None if np.isnan(obj[k]) else float(obj[k])
        obj["year"], obj["duration"] = int(obj["year"]), float(obj["duration"])
        t = rec["track_id"]
        _write(root / "sparkify" / "song_data" / t[2] / t[3] / t[4] / f"{t}.json", json.dumps(obj))
        files += 1

    n_events = 0
    for ym in months:
        year, month = int(ym[:4]), int(ym[5:7])
        mrng = np.random.default_rng([seed, year, month])
        df = _month_events(mrng, year, month, max(1, round(EVENTS_PER_MONTH_AT_SCALE_1 * scale)), users, songs, catalog)
        lines = _log_lines(df)
        day = pd.to_datetime(df["ts"], unit="ms", utc=True).dt.strftime("%Y-%m-%d")
        for d, part in lines.groupby(day, sort=True):
            _write(root / "sparkify" / "log_data" / d[:4] / d[5:7] / f"{d}-events.json", "\n".join(part))
            files += 1
        n_events += len(df)

    paths = ",\n".join(f"\"$['{k}']\"" for k in LOG_KEYS)
    _write(root / "sparkify" / "log_json_path.json", '{\n"jsonpaths": [\n' + paths + "\n]\n}")
    return {"files": files + 1, "rows": {"song_data": len(songs), "log_data": n_events}}
