import csv
import datetime as dt
import hashlib
import pathlib
import re

import pytest

from capstone_assets.flights.generator import (
    AIRLINE_COLUMNS, AIRPORT_COLUMNS, CAUSES, FLIGHT_COLUMNS, dot_airport_ids, generate, write_upload,
)

REAL = pathlib.Path(__file__).resolve().parents[3] / "shared" / "datasets" / "flights"
HHMM = re.compile(r"^(?:[01]\d[0-5]\d|2[0-3][0-5]\d|2400)$")
ACTUAL = ("DEPARTURE_TIME", "DEPARTURE_DELAY", "TAXI_OUT", "WHEELS_OFF", "ELAPSED_TIME", "AIR_TIME",
          "WHEELS_ON", "TAXI_IN", "ARRIVAL_TIME", "ARRIVAL_DELAY")


def _read(path: pathlib.Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def _minutes(hhmm: str) -> int:
    return int(hhmm[:2]) * 60 + int(hhmm[2:])


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    root = tmp_path_factory.mktemp("lake")
    result = generate(root, scale=0.002, seed=11)
    flights = _read(root / "flights" / "uploads" / "flights_20150101.csv")
    rows = [dict(zip(flights[0], r)) for r in flights[1:]]
    return root, result, flights, rows


def test_files_and_counts(lake):
    root, result, flights, rows = lake
    assert result == {"files": 3, "rows": {"airlines": 14, "airports": len(_read(root / "flights" / "airports.csv")) - 1,
                                           "flights": 11_600}}
    assert tuple(flights[0]) == FLIGHT_COLUMNS and len(FLIGHT_COLUMNS) == 31
    assert len(rows) == 11_600 and all(len(r) == 31 for r in flights)
    for name in ("airlines.csv", "airports.csv", "uploads/flights_20150101.csv"):
        raw = (root / "flights" / name).read_bytes()
        assert raw.endswith(b"\n") and b"\r" not in raw and not raw.startswith(b"\xef\xbb\xbf")
        raw.decode("utf-8")
    assert b'"' not in (root / "flights" / "uploads" / "flights_20150101.csv").read_bytes()


def test_reference_files(lake):
    root = lake[0]
    airlines = _read(root / "flights" / "airlines.csv")
    airports = _read(root / "flights" / "airports.csv")
    assert tuple(airlines[0]) == AIRLINE_COLUMNS and tuple(airports[0]) == AIRPORT_COLUMNS
    assert all(len(r[0]) == 2 for r in airlines[1:]) and all(len(r[0]) == 3 and r[4] == "USA" for r in airports[1:])
    assert sum(r[5] == "" and r[6] == "" for r in airports[1:]) == 3
    text = (root / "flights" / "airports.csv").read_text(encoding="utf-8")
    assert "\u00a0" in text and all(ch in text for ch in "áéíñ")
    assert any("," in r[1] for r in airports[1:])  # one quoted name


def test_flight_rows(lake):
    root, _, _, rows = lake
    codes = {r[0] for r in _read(root / "flights" / "airports.csv")[1:]}
    airlines = {r[0] for r in _read(root / "flights" / "airlines.csv")[1:]}
    ids = {v: k for k, v in dot_airport_ids().items()}
    keys = [(int(r["MONTH"]), int(r["DAY"]), r["SCHEDULED_DEPARTURE"]) for r in rows]
    assert keys == sorted(keys) and keys[0][:2] == (1, 1) and {k[0] for k in keys} == set(range(1, 13))
    for r in rows:
        day = dt.date(int(r["YEAR"]), int(r["MONTH"]), int(r["DAY"]))
        assert int(r["DAY_OF_WEEK"]) == day.isoweekday() and r["AIRLINE"] in airlines
        for c in ("ORIGIN_AIRPORT", "DESTINATION_AIRPORT"):
            if day.month == 10:
                assert re.fullmatch(r"\d{5}", r[c]) and r[c] in ids
            else:
                assert r[c] in codes
        for c in ("SCHEDULED_DEPARTURE", "DEPARTURE_TIME", "WHEELS_OFF", "WHEELS_ON", "SCHEDULED_ARRIVAL", "ARRIVAL_TIME"):
            assert r[c] == "" or HHMM.match(r[c]), (c, r[c])
        if r["CANCELLED"] == "1":
            assert r["CANCELLATION_REASON"] in "ABCD" and r["CANCELLATION_REASON"]
            assert all(r[c] == "" for c in ACTUAL + CAUSES)
            continue
        assert r["CANCELLATION_REASON"] == "" and r["TAIL_NUMBER"]
        dep = _minutes(r["DEPARTURE_TIME"])
        assert (dep - _minutes(r["SCHEDULED_DEPARTURE"]) - int(r["DEPARTURE_DELAY"])) % 1440 == 0
        assert (_minutes(r["WHEELS_OFF"]) - dep - int(r["TAXI_OUT"])) % 1440 == 0
        if r["DIVERTED"] == "1":
            assert r["ELAPSED_TIME"] == r["AIR_TIME"] == r["ARRIVAL_DELAY"] == "" and r["WHEELS_OFF"]
            assert all(r[c] == "" for c in CAUSES)
            continue
        assert int(r["ELAPSED_TIME"]) == int(r["TAXI_OUT"]) + int(r["AIR_TIME"]) + int(r["TAXI_IN"])
        assert (_minutes(r["ARRIVAL_TIME"]) - _minutes(r["WHEELS_ON"]) - int(r["TAXI_IN"])) % 1440 == 0
        if int(r["ARRIVAL_DELAY"]) >= 15:
            assert sum(int(r[c]) for c in CAUSES) == int(r["ARRIVAL_DELAY"])
        else:
            assert all(r[c] == "" for c in CAUSES)


def test_quirk_frequencies(lake):
    rows = lake[3]
    n = len(rows)
    cancelled = [r for r in rows if r["CANCELLED"] == "1"]
    assert 0.008 < len(cancelled) / n < 0.03
    assert any(r["DIVERTED"] == "1" and r["WHEELS_ON"] for r in rows)
    assert 0.12 < sum(r["AIR_SYSTEM_DELAY"] != "" for r in rows) / n < 0.3
    assert any(r["TAIL_NUMBER"] == "" for r in rows)
    assert {r["CANCELLATION_REASON"] for r in cancelled} >= {"A", "B", "C"}
    assert any(r[c] == "2400" for r in rows for c in ("DEPARTURE_TIME", "WHEELS_OFF", "WHEELS_ON", "ARRIVAL_TIME"))
    assert any(r["SCHEDULED_DEPARTURE"].startswith("0") for r in rows)
    assert not any(r[c] == "0000" for r in rows for c in ("DEPARTURE_TIME", "WHEELS_OFF", "WHEELS_ON", "ARRIVAL_TIME"))


def test_write_upload_and_determinism(tmp_path):
    p1 = write_upload(tmp_path / "a", "flights_20150301.csv", rows=500, seed=5)
    p2 = write_upload(tmp_path / "b", "flights_20150301.csv", rows=500, seed=5)
    p3 = write_upload(tmp_path / "c", "flights_20150301.csv", rows=500, seed=6)
    assert p1 == tmp_path / "a" / "flights" / "uploads" / "flights_20150301.csv"
    assert p1.read_bytes() == p2.read_bytes() != p3.read_bytes()
    assert len(_read(p1)) == 501
    empty = write_upload(tmp_path / "d", "flights_empty.csv", rows=0, seed=5)
    assert _read(empty) == [list(FLIGHT_COLUMNS)]
    res = generate(tmp_path / "e", scale=0.0005, seed=5, upload_name="flights_20151231.csv")
    generate(tmp_path / "f", scale=0.0005, seed=5, upload_name="flights_20151231.csv")
    digest = lambda root: {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*.csv"))}  # noqa: E731
    assert digest(tmp_path / "e") == digest(tmp_path / "f")
    assert res["rows"]["flights"] == 2900 and (tmp_path / "e" / "flights" / "uploads" / "flights_20151231.csv").exists()


def test_same_headers_as_real(lake):
    if not REAL.is_dir():
        pytest.skip("real sample datasets not available")
    root = lake[0]
    for name, ours in (("airlines.csv", "airlines.csv"), ("airports.csv", "airports.csv"),
                       ("flights.csv", "uploads/flights_20150101.csv")):
        with open(REAL / name, encoding="utf-8", newline="") as f:
            real_header = next(csv.reader(f))
        assert _read(root / "flights" / ours)[0] == real_header
