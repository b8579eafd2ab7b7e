"""Deterministic synthetic STEDI Human Balance Analytics landing data.

Files written under ``root`` (NDJSON, ASCII, LF):

* ``stedi/customer/landing/customer-<ms>.json``: one file, ``round(1000 * scale)`` customers (>= 5).
* ``stedi/accelerometer/landing/accelerometer-<ms>.json``: ~85 rows per customer, files of at
  most 10,000 rows.
* ``stedi/step_trainer/landing/step_trainer-<ms>.json``: 30 rows per customer, files of at most
  10,000 rows.

File names use fixed, increasing epoch-ms stamps (independent of seed and scale). Scale 1 gives
1,000 customers, ~85,000 accelerometer rows and 30,000 step-trainer rows.

``variant="current"`` (default) reproduces the current upstream files:
customer rows use ``json.dumps`` default separators (``", "``/``": "``), the other files compact
ones. Customer keys in order ``customerName, email, phone, birthDay, serialNumber, registrationDate,
lastUpdateDate`` then, only when consent was given, ``shareWithResearchAsOfDate``,
``shareWithPublicAsOfDate``, ``shareWithFriendsAsOfDate`` (each ABSENT in ~half of the rows,
independently). ``phone`` is the string ``"8015551212"`` for everyone; emails are unique
``First.Last@test.com``; serialNumbers are unique uuid4 strings; ``birthDay`` is ``"Y-01-01"`` with
~5% 3-digit years and ~90% before 1900; ``registrationDate == lastUpdateDate`` on ~95% of rows and
consent dates equal ``lastUpdateDate``; all times fall on 2022-06-18 14:00-15:00 UTC.
Accelerometer rows are ``{"user", "timestamp", "x", "y", "z"}`` with x/y in {-1.0, 0.0, 1.0} and
z in {-1.0, 0.0}; each customer has 30 distinct timestamps (newest first), each repeated 1-3 times
(rarely 4-5) with different x/y/z. Step-trainer rows are ``{"sensorReadingTime", "serialNumber",
"distanceFromObject"}``: one per (customer, accelerometer timestamp), serial = that customer's
serial, distance 200..300. Every accelerometer user is a customer email and every step-trainer
(serialNumber, sensorReadingTime) is an accelerometer (serial of user, timestamp) pair.

Historical drift variants (for bad-input tests); anything not listed is as in ``"current"``:

* ``"2023-10-24"``: customer file with compact separators, all 10 keys on every row; a missing
  consent is an explicit ``null``.
* ``"2023-08-09"``: as ``"2023-10-24"`` but ``phone`` is a JSON int (``8015551212``) and the consent
  dates are floats (``1655564376361.0``) or ``null``.
* ``"2022-10-05"``: (keys still under ``landing/``) customer file compact, absent consent keys, no
  trailing newline, ``registrationDate == lastUpdateDate`` everywhere; only ``max(2, 3% of rows)``
  distinct serialNumbers shared by all customers; only ~61% distinct emails (the other rows repeat
  another row's name/email, with their own birthDay and registration time); accelerometer key ``timeStamp``
  instead of ``timestamp``; every step-trainer line ends with ``},`` except the last line of each
  file, which has no comma and no trailing newline. Accelerometer/step-trainer rows are generated
  once per distinct email.
"""
from __future__ import annotations

import json
import pathlib
import uuid

import numpy as np
import pandas as pd

from . import generator_text as T

VARIANTS = ("current", "2023-10-24", "2023-08-09", "2022-10-05")
CUSTOMER_KEYS = ("customerName", "email", "phone", "birthDay", "serialNumber", "registrationDate", "lastUpdateDate")
SHARE_KEYS = ("shareWithResearchAsOfDate", "shareWithPublicAsOfDate", "shareWithFriendsAsOfDate")
ACCELEROMETER_KEYS = ("user", "timestamp", "x", "y", "z")
STEP_TRAINER_KEYS = ("sensorReadingTime", "serialNumber", "distanceFromObject")
CUSTOMERS_AT_SCALE_1 = 1_000
READINGS_PER_CUSTOMER = 30
ROWS_PER_FILE = 10_000
REG_START_MS = 1_655_560_800_000   # 2022-06-18T14:00:00Z
FILE_MS = 1_693_526_400_000        # stamp of the customer file; other files follow it
PHONE = "8015551212"
AXIS = np.array(["-1.0", "0.0", "1.0"], dtype=object)


def _customers(rng: np.random.Generator, n: int, variant: str) -> pd.DataFrame:
    n_people = max(2, round(n * 0.61)) if variant == "2022-10-05" else n
    combos = len(T.FIRST_NAMES) * len(T.LAST_NAMES)
    pick = np.concatenate([rng.permutation(combos) for _ in range(n_people // combos + 1)])[:n_people]
    copy = np.arange(n_people) // combos                  # beyond all name pairs: numbered copies
    first = np.asarray(T.FIRST_NAMES, dtype=object)[pick // len(T.LAST_NAMES)]
    last = np.asarray(T.LAST_NAMES, dtype=object)[pick % len(T.LAST_NAMES)] + np.where(copy > 0, (copy + 1).astype(str), "").astype(object)
    person = np.concatenate([np.arange(n_people), rng.integers(0, n_people, n - n_people)])
    person = person[rng.permutation(n)] if n > n_people else person
    df = pd.DataFrame({"customerName": (first + " " + last)[person], "email": (first + "." + last + "@test.com")[person]})
    df["phone"] = PHONE
    u = rng.random(n)
    year = np.where(u < 0.055, rng.integers(900, 1000, n), np.where(u < 0.945, rng.integers(1000, 1900, n), rng.integers(1900, 1966, n)))
    df["birthDay"] = pd.Series(year).astype(str) + "-01-01"
    raw = rng.integers(0, 256, (n, 16), dtype=np.uint8)
    serials = np.array([str(uuid.UUID(bytes=b.tobytes(), version=4)) for b in raw], dtype=object)
    if variant == "2022-10-05":
        serials = serials[rng.integers(0, max(2, round(n * 0.03)), n)]
    df["serialNumber"] = serials
    df["registrationDate"] = REG_START_MS + rng.integers(0, 45 * 60_000, n)
    updated = (rng.random(n) < 0.05) & (variant != "2022-10-05")
    df["lastUpdateDate"] = df["registrationDate"] + np.where(updated, rng.integers(1_000, 30 * 60_000, n), 0)
    for key, p in zip(SHARE_KEYS, (0.50, 0.51, 0.53)):
        df[key] = df["lastUpdateDate"].where(rng.random(n) < p)   # NaN = no consent
    return df


def _customer_line(row: dict, variant: str) -> str:
    obj = {k: row[k] for k in CUSTOMER_KEYS}
    if variant == "2023-08-09":
        obj["phone"] = int(obj["phone"])
    for k in SHARE_KEYS:
        v = row[k]
        if v == v:                                        # consent given
            obj[k] = float(v) if variant == "2023-08-09" else int(v)
        elif variant in ("2023-10-24", "2023-08-09"):
            obj[k] = None
    return json.dumps(obj) if variant == "current" else json.dumps(obj, separators=(",", ":"))


def _readings(rng: np.random.Generator, people: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """30 distinct timestamps per person (newest first); accelerometer rows repeat each 1-5 times."""
    m = len(people)
    step = rng.integers(2_000, 4_001, m)
    t0 = people["registrationDate"].to_numpy() - rng.integers(10_000, 60_000, m)
    k = np.tile(np.arange(READINGS_PER_CUSTOMER - 1, -1, -1), m)
    who = np.repeat(np.arange(m), READINGS_PER_CUSTOMER)
    ts = t0[who] + k * step[who] + rng.integers(0, 40, len(who))
    steps = pd.DataFrame({"sensorReadingTime": ts, "serialNumber": people["serialNumber"].to_numpy()[who],
                          "distanceFromObject": rng.integers(200, 301, len(who))})
    reps = rng.choice(5, len(ts), p=[0.003, 0.16, 0.836, 0.0005, 0.0005]) + 1
    n = int(reps.sum())
    acc = pd.DataFrame({"user": people["email"].to_numpy()[np.repeat(who, reps)], "timestamp": np.repeat(ts, reps),
                        "x": rng.integers(0, 3, n), "y": rng.integers(0, 3, n), "z": rng.integers(0, 2, n)})
    return acc, steps


def _write_chunks(folder: pathlib.Path, prefix: str, lines: pd.Series, stamp: int, sep: str, end: str) -> tuple[int, int]:
    folder.mkdir(parents=True, exist_ok=True)
    files = 0
    for i, start in enumerate(range(0, len(lines), ROWS_PER_FILE)):
        chunk = lines.iloc[start:start + ROWS_PER_FILE]
        (folder / f"{prefix}-{stamp}.json").write_bytes((sep.join(chunk) + end).encode("ascii"))
        stamp += 47 + (i * 13) % 40
        files += 1
    return files, stamp


def generate(root: pathlib.Path, *, scale: float = 1.0, seed: int = 42, variant: str = "current") -> dict:
    """Write the STEDI landing zone under root; return {"files": int, "rows": {...}}."""
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
    root = pathlib.Path(root) / "stedi"
    rng = np.random.default_rng(seed)
    cust = _customers(rng, max(5, round(CUSTOMERS_AT_SCALE_1 * scale)), variant)
    folder = root / "customer" / "landing"
    folder.mkdir(parents=True, exist_ok=True)
    text = "\n".join(_customer_line(r, variant) for r in cust.to_dict("records"))
    (folder / f"customer-{FILE_MS}.json").write_bytes((text + ("" if variant == "2022-10-05" else "\n")).encode("ascii"))

    acc, steps = _readings(rng, cust.drop_duplicates("email"))
    ts_key = "timeStamp" if variant == "2022-10-05" else "timestamp"
    acc_lines = ('{"user":"' + acc["user"] + f'","{ts_key}":' + acc["timestamp"].astype(str) + ',"x":' + AXIS[acc["x"]]
                 + ',"y":' + AXIS[acc["y"]] + ',"z":' + AXIS[acc["z"]] + "}")
    step_lines = ('{"sensorReadingTime":' + steps["sensorReadingTime"].astype(str) + ',"serialNumber":"'
                  + steps["serialNumber"] + '","distanceFromObject":' + steps["distanceFromObject"].astype(str) + "}")
    n_acc, stamp = _write_chunks(root / "accelerometer" / "landing", "accelerometer", acc_lines, FILE_MS + 20, "\n", "\n")
    sep, end = (",\n", "") if variant == "2022-10-05" else ("\n", "\n")
    n_step, _ = _write_chunks(root / "step_trainer" / "landing", "step_trainer", step_lines, stamp, sep, end)
    return {"files": 1 + n_acc + n_step,
            "rows": {"customer": len(cust), "accelerometer": len(acc), "step_trainer": len(steps)}}
