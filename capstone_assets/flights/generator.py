"""Deterministic synthetic US-DOT 2015 flights lake (Kaggle ``usdot/flight-delays`` layout).

Files written under ``root``:

* ``flights/airlines.csv`` (14 rows) and ``flights/airports.csv`` (``len(AIRPORTS)`` rows): constant,
  independent of scale and seed, so every upload resolves against them.
* ``flights/uploads/<upload_name>`` (default ``flights_20150101.csv``): ``round(5_800_000 * scale)``
  flights (at least 1) spread over 2015-01-01..2015-12-31, sorted by date then scheduled departure,
  with the real 31-column header.

Format: UTF-8, LF, trailing newline, no BOM; flights and airlines are never quoted; airports uses
minimal CSV quoting (one invented airport name contains a comma and is quoted).

Quirks: zero-padded ``hhmm`` strings, with midnight written as ``2400`` (no ``0000``); cancelled
flights (~1.5%) have empty actual times/delays and a CANCELLATION_REASON A/B/C/D (D very rare);
diverted flights (~0.26%) keep DEPARTURE_TIME..WHEELS_OFF, have empty ELAPSED_TIME, AIR_TIME,
ARRIVAL_DELAY, and about a quarter of them also lack WHEELS_ON/TAXI_IN/ARRIVAL_TIME; the five
delay-cause columns are filled (summing to ARRIVAL_DELAY) exactly on rows with ARRIVAL_DELAY >= 15
(~20%); ~7% of cancelled rows have an empty TAIL_NUMBER; scheduled arrival includes the time-zone
difference; in October ORIGIN_AIRPORT/DESTINATION_AIRPORT hold 5-digit numeric airport ids
(see ``dot_airport_ids()``) instead of IATA codes; 3 airports have empty LATITUDE/LONGITUDE; one
airport name contains U+00A0 and several contain accented letters (á é í ñ ü).
"""
from __future__ import annotations

import csv
import pathlib

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from . import generator_text as T

FLIGHT_COLUMNS = (
    "YEAR", "MONTH", "DAY", "DAY_OF_WEEK", "AIRLINE", "FLIGHT_NUMBER", "TAIL_NUMBER", "ORIGIN_AIRPORT",
    "DESTINATION_AIRPORT", "SCHEDULED_DEPARTURE", "DEPARTURE_TIME", "DEPARTURE_DELAY", "TAXI_OUT",
    "WHEELS_OFF", "SCHEDULED_TIME", "ELAPSED_TIME", "AIR_TIME", "DISTANCE", "WHEELS_ON", "TAXI_IN",
    "SCHEDULED_ARRIVAL", "ARRIVAL_TIME", "ARRIVAL_DELAY", "DIVERTED", "CANCELLED", "CANCELLATION_REASON",
    "AIR_SYSTEM_DELAY", "SECURITY_DELAY", "AIRLINE_DELAY", "LATE_AIRCRAFT_DELAY", "WEATHER_DELAY",
)
AIRLINE_COLUMNS = ("IATA_CODE", "AIRLINE")
AIRPORT_COLUMNS = ("IATA_CODE", "AIRPORT", "CITY", "STATE", "COUNTRY", "LATITUDE", "LONGITUDE")
CAUSES = ("AIR_SYSTEM_DELAY", "SECURITY_DELAY", "AIRLINE_DELAY", "LATE_AIRCRAFT_DELAY", "WEATHER_DELAY")
FLIGHTS_AT_SCALE_1 = 5_800_000
TAILS_PER_AIRLINE = 700
# share of scheduled departures per local hour 00..23
HOUR_PROFILE = np.array([3, 1, 0.3, 0.2, 0.3, 12, 40, 55, 52, 48, 47, 47, 48, 46, 45, 46, 47, 48, 46, 43, 36, 25, 14, 7], float)


def dot_airport_ids() -> dict[str, str]:
    """IATA code -> 5-digit numeric airport id used in October rows (stable, invented)."""
    return {code: str(10135 + 37 * i) for i, code in enumerate(sorted(a[0] for a in T.AIRPORTS))}


def _airport_frame() -> pd.DataFrame:
    df = pd.DataFrame(T.AIRPORTS, columns=["code", "name", "city", "state", "lat", "lon", "weight"])
    for code, (lat, lon) in T.HIDDEN_COORDS.items():
        df.loc[df.code == code, ["lat", "lon"]] = lat, lon
    df["tz"] = df.state.map(T.TZ_BY_STATE).astype(int) * 60
    df["dot_id"] = df.code.map(dot_airport_ids())
    return df


def _write_reference(root: pathlib.Path) -> tuple[int, int]:
    out = root / "flights"
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "airlines.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(AIRLINE_COLUMNS)
        w.writerows((code, name) for code, name, _ in T.AIRLINES)
    with open(out / "airports.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(AIRPORT_COLUMNS)
        for code, name, city, state, lat, lon, _ in sorted(T.AIRPORTS):
            w.writerow((code, name, city, state, "USA", "" if lat is None else f"{lat:.5f}", "" if lon is None else f"{lon:.5f}"))
    return len(T.AIRLINES), len(T.AIRPORTS)


HHMM = pa.array(["2400"] + [f"{m // 60:02d}{m % 60:02d}" for m in range(1, 1440)])


def _hhmm(minutes: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """Minutes after local midnight -> zero-padded 'hhmm' string; midnight is '2400'."""
    return HHMM.take(pa.array(np.mod(minutes, 1440), mask=null))


def _int(values: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(values, dtype=np.int64), mask=null)


DAYS = pd.date_range("2015-01-01", "2015-12-31", freq="D")


def _flight_batches(n: int, rng: np.random.Generator):
    """Yield one pyarrow table per month (keeps memory and page faults low at 5.8M rows)."""
    ap = _airport_frame()
    lat, lon = np.radians(ap.lat.to_numpy(float))[:, None], np.radians(ap.lon.to_numpy(float))[:, None]
    hav = np.sin((lat.T - lat) / 2) ** 2 + np.cos(lat) * np.cos(lat.T) * np.sin((lon.T - lon) / 2) ** 2
    miles = np.maximum(31, np.round(3958.8 * 2 * np.arcsin(np.sqrt(hav)) * 1.03)).astype(np.int64)
    letters = np.array(list("ABCDEFGHJKLMNPQRSTUVWXYZ"))
    suffix = np.char.add(letters[rng.integers(0, 24, len(T.AIRLINES))], letters[rng.integers(0, 24, len(T.AIRLINES))])
    nums = np.stack([rng.permutation(900)[:TAILS_PER_AIRLINE] + 100 for _ in T.AIRLINES])
    tails = pa.array(np.char.add(np.char.add("N", nums.astype(str)), suffix[:, None]).ravel())
    season = 1 + 0.08 * np.sin((DAYS.day_of_year.to_numpy() - 100) / 365 * 2 * np.pi)
    day_w = season * np.where(DAYS.day_of_week == 5, 0.85, 1.0)
    counts = rng.multinomial(n, day_w / day_w.sum())
    for month in range(1, 13):
        in_month = DAYS.month == month
        day = np.repeat(np.flatnonzero(in_month), counts[in_month])
        if len(day):
            yield _month_table(day, rng, ap, miles, tails)


def _month_table(day: np.ndarray, rng: np.random.Generator, ap: pd.DataFrame, miles: np.ndarray, tails: pa.Array) -> pa.Table:
    n = len(day)
    hour = rng.choice(24, n, p=HOUR_PROFILE / HOUR_PROFILE.sum())
    minute = np.where(rng.random(n) < 0.8, rng.integers(0, 12, n) * 5, rng.integers(0, 60, n))
    # rows are i.i.d. within a day, so sorting the (day, departure) keys gives the file order
    key = np.sort(day * 1440 + np.maximum(hour * 60 + minute, 1))
    day, sched_dep = key // 1440, key % 1440
    w = ap.weight.to_numpy() / ap.weight.sum()
    o = rng.choice(len(ap), n, p=w)

    def destination_and_miles():
        d = rng.choice(len(ap), n, p=w)
        same = o == d
        d[same] = (d[same] + 1 + rng.integers(0, len(ap) - 1, same.sum())) % len(ap)
        return d, miles[o, d]

    (d1, m1), (d2, m2) = destination_and_miles(), destination_and_miles()
    near = (rng.random(n) < 0.75) == (m1 <= m2)  # short hops are more common: prefer the nearer one
    d, dist = np.where(near, d1, d2), np.where(near, m1, m2)

    aw = np.array([a[2] for a in T.AIRLINES])
    airline = rng.choice(len(aw), n, p=aw / aw.sum())

    cruise = dist / 7.6 + 9
    sched_time = np.round(cruise + 24 + rng.normal(4, 4, n)).astype(np.int64)
    taxi_out = np.round(5 + rng.gamma(2.0, 5.0, n)).astype(np.int64)
    taxi_in = np.round(2 + rng.gamma(2.0, 2.5, n)).astype(np.int64)
    air = np.maximum(np.round(cruise + rng.normal(0, 0.04 * cruise + 2, n)), 8).astype(np.int64)
    elapsed = taxi_out + air + taxi_in
    late = rng.random(n) < 0.33
    dep_delay = np.where(late, np.minimum(np.round(rng.exponential(34, n)) + 1, 1500),
                         np.clip(np.round(rng.normal(-4, 3.5, n)), -30, 0)).astype(np.int64)
    arr_delay = dep_delay + elapsed - sched_time
    tz_shift = ap.tz.to_numpy()[d] - ap.tz.to_numpy()[o]
    dep_abs = sched_dep + dep_delay
    month_of = DAYS.month.to_numpy()[day]
    cancelled = rng.random(n) < np.where(np.isin(month_of, (1, 2)), 0.03, 0.012)
    diverted = ~cancelled & (rng.random(n) < 0.0026)
    on_abs = dep_abs + taxi_out + air + tz_shift + diverted * rng.integers(60, 360, n)  # detour
    lost = diverted & (rng.random(n) < 0.25)          # diverted, never reached the destination
    reason = rng.choice(4, n, p=[0.2808, 0.5435, 0.1754, 0.0003])
    no_tail = cancelled & (rng.random(n) < 0.07)
    has_cause = ~cancelled & ~diverted & (arr_delay >= 15)

    # split ARRIVAL_DELAY into the 5 causes (integers that sum to it), only where it is >= 15
    k, late_by = int(has_cause.sum()), arr_delay[has_cause]
    parts = rng.exponential(1.0, (k, 5)) * (rng.random((k, 5)) < np.array([0.55, 0.005, 0.6, 0.47, 0.06]))
    parts[parts.sum(axis=1) == 0, 2] = 1.0
    alloc = np.zeros((n, 5), np.int64)
    share = np.floor(parts / parts.sum(axis=1, keepdims=True) * late_by[:, None]).astype(np.int64)
    share[np.arange(k), parts.argmax(axis=1)] += late_by - share.sum(axis=1)
    alloc[has_cause] = share

    ids = np.concatenate([ap.code.to_numpy(), ap.dot_id.to_numpy()]).astype(str)
    october = (month_of == 10) * len(ap)
    tail_idx = airline * TAILS_PER_AIRLINE + rng.integers(0, TAILS_PER_AIRLINE, n)
    gone = cancelled | diverted
    cols = {
        "YEAR": _int(np.full(n, 2015)), "MONTH": _int(month_of), "DAY": _int(DAYS.day.to_numpy()[day]),
        "DAY_OF_WEEK": _int(DAYS.day_of_week.to_numpy()[day] + 1),
        "AIRLINE": pa.array([a[0] for a in T.AIRLINES]).take(pa.array(airline)),
        "FLIGHT_NUMBER": _int(np.clip(np.round(rng.exponential(2000, n)), 1, 7439)),
        "TAIL_NUMBER": tails.take(pa.array(tail_idx, mask=no_tail)),
        "ORIGIN_AIRPORT": pa.array(ids).take(pa.array(o + october)),
        "DESTINATION_AIRPORT": pa.array(ids).take(pa.array(d + october)),
        "SCHEDULED_DEPARTURE": _hhmm(sched_dep), "DEPARTURE_TIME": _hhmm(dep_abs, cancelled),
        "DEPARTURE_DELAY": _int(dep_delay, cancelled), "TAXI_OUT": _int(taxi_out, cancelled),
        "WHEELS_OFF": _hhmm(dep_abs + taxi_out, cancelled), "SCHEDULED_TIME": _int(sched_time),
        "ELAPSED_TIME": _int(elapsed, gone), "AIR_TIME": _int(air, gone), "DISTANCE": _int(dist),
        "WHEELS_ON": _hhmm(on_abs, cancelled | lost), "TAXI_IN": _int(taxi_in, cancelled | lost),
        "SCHEDULED_ARRIVAL": _hhmm(sched_dep + sched_time + tz_shift),
        "ARRIVAL_TIME": _hhmm(on_abs + taxi_in, cancelled | lost), "ARRIVAL_DELAY": _int(arr_delay, gone),
        "DIVERTED": _int(diverted), "CANCELLED": _int(cancelled),
        "CANCELLATION_REASON": pa.array(["A", "B", "C", "D"]).take(pa.array(reason, mask=~cancelled)),
    }
    for i, name in enumerate(CAUSES):
        cols[name] = _int(alloc[:, i], ~has_cause)
    return pa.table(cols)


def write_upload(root: pathlib.Path, name: str, *, rows: int, seed: int = 42) -> pathlib.Path:
    """Write just ``flights/uploads/<name>`` with ``rows`` flights over 2015; return its path."""
    path = pathlib.Path(root) / "flights" / "uploads" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    options = pacsv.WriteOptions(include_header=False, quoting_style="none", batch_size=65536)
    with pa.OSFile(str(path), "wb") as f:
        f.write((",".join(FLIGHT_COLUMNS) + "\n").encode())
        for table in _flight_batches(int(rows), np.random.default_rng([seed, 2015])):
            pacsv.write_csv(table, f, options)
    return path


def generate(root: pathlib.Path, *, scale: float = 1.0, seed: int = 42, upload_name: str | None = None) -> dict:
    """Write airlines.csv, airports.csv and one upload; return {"files": 3, "rows": {...}}."""
    root = pathlib.Path(root)
    n_airlines, n_airports = _write_reference(root)
    n = max(1, round(FLIGHTS_AT_SCALE_1 * scale))
    write_upload(root, upload_name or "flights_20150101.csv", rows=n, seed=seed)
    return {"files": 3, "rows": {"airlines": n_airlines, "airports": n_airports, "flights": n}}
