import hashlib
import json
import pathlib
from collections import Counter

import pandas as pd
import pytest

from capstone_assets.sparkify.generator import LOG_KEYS, SONG_KEYS, generate

REAL = pathlib.Path(__file__).resolve().parents[3] / "shared" / "datasets" / "sparkify"
SCALE = 0.02


def _fix(s: str) -> str:
    for _ in range(2):
        s = s.encode("latin-1").decode("utf-8")
    return s


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    root = tmp_path_factory.mktemp("lake")
    result = generate(root, scale=SCALE, seed=7)
    return root, result


@pytest.fixture(scope="module")
def songs(lake):
    root, _ = lake
    return {p: json.loads(p.read_text()) for p in sorted((root / "sparkify" / "song_data").rglob("*.json"))}


@pytest.fixture(scope="module")
def events(lake):
    root, _ = lake
    rows = []
    for p in sorted((root / "sparkify" / "log_data").rglob("*-events.json")):
        for line in p.read_text().split("\n"):
            rows.append(dict(json.loads(line), _file=p.name, _raw=line))
    return rows


def _hash_tree(root: pathlib.Path) -> dict:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def test_counts_and_layout(lake, songs, events):
    root, result = lake
    assert result["rows"]["song_data"] == len(songs) == 14
    assert result["rows"]["log_data"] == len(events)
    assert result["files"] == len(songs) + 30 + 1
    days = sorted({e["_file"] for e in events})
    assert days == [f"2018-11-{d:02d}-events.json" for d in range(1, 31)]
    for p in songs:
        track = p.stem
        assert p.parent.relative_to(root / "sparkify" / "song_data").parts == (track[2], track[3], track[4])
        assert track.startswith("TR") and len(track) == 18


def test_song_files(songs):
    for p, obj in songs.items():
        raw = p.read_bytes()
        assert not raw.endswith(b"\n") and raw.isascii()
        assert tuple(obj) == SONG_KEYS
        assert obj["num_songs"] == 1 and isinstance(obj["year"], int) and isinstance(obj["duration"], float)
        assert obj["artist_latitude"] is None or isinstance(obj["artist_latitude"], float)
    vals = list(songs.values())
    assert any(v["year"] == 0 for v in vals) and any(v["year"] > 0 for v in vals)
    assert any(v["artist_latitude"] is None for v in vals) and any(v["artist_latitude"] is not None for v in vals)
    assert any(v["artist_location"] == "" for v in vals)
    per_artist = Counter(v["artist_id"] for v in vals)
    assert 2 in per_artist.values()
    for aid in [a for a, c in per_artist.items() if c == 2]:
        same = {(v["artist_name"], v["artist_location"]) for v in vals if v["artist_id"] == aid}
        assert len(same) == 1


def test_log_format(lake, events):
    root, _ = lake
    for p in (root / "sparkify" / "log_data").rglob("*.json"):
        raw = p.read_bytes()
        assert not raw.endswith(b"\n") and raw.isascii() and b"\r" not in raw
        assert b"/" not in raw.replace(b"\\/", b"")
    for e in events:
        assert tuple(k for k in e if not k.startswith("_")) == LOG_KEYS
        assert isinstance(e["userId"], str) and isinstance(e["ts"], int) and isinstance(e["sessionId"], int)
        day = pd.Timestamp(e["ts"], unit="ms", tz="UTC").strftime("%Y-%m-%d")
        assert e["_file"] == f"{day}-events.json"
        assert (e["artist"] is None) == (e["page"] != "NextSong") == (e["length"] is None) == (e["song"] is None)
        if e["auth"] == "Logged Out":
            assert e["userId"] == "" and e["level"] in ("free", "paid")
            assert all(e[k] is None for k in ("firstName", "lastName", "gender", "location", "registration", "userAgent"))
        else:
            assert e["userId"] != "" and isinstance(e["registration"], float)
            assert '"registration":' + repr(e["registration"]) in e["_raw"] and repr(e["registration"]).endswith(".0")
            assert e["userAgent"].startswith('"') and e["userAgent"].endswith('"') and ", " in e["location"]
        assert e["status"] == (404 if e["page"] == "Error" else 307 if e["method"] == "PUT" and e["page"] != "NextSong" else 200)


def test_log_quirks(events, songs):
    pages = Counter(e["page"] for e in events)
    assert pages["NextSong"] / len(events) > 0.75 and {"Home", "Login", "Logout"} <= set(pages)
    assert any(e["auth"] == "Logged Out" for e in events)
    levels = {}
    for e in events:
        if e["userId"]:
            levels.setdefault(e["userId"], set()).add(e["level"])
    assert any(len(v) == 2 for v in levels.values())
    plays = [e for e in events if e["page"] == "NextSong"]
    broken = [e for e in plays if not (e["artist"].isascii() and e["song"].isascii())]
    assert 0.005 < len(broken) / len(plays) < 0.15
    for e in broken:
        for k in ("artist", "song"):
            if not e[k].isascii():
                assert "\\u00c3\\u0083" in e["_raw"] or "\\u00c3\\u0082" in e["_raw"]
                _fix(e[k])  # must not raise
    catalog = {(v["title"], v["artist_name"], v["duration"]) for v in songs.values()}
    fixed = sum((_fix(e["song"]) if not e["song"].isascii() else e["song"],
                 _fix(e["artist"]) if not e["artist"].isascii() else e["artist"], e["length"]) in catalog for e in plays)
    raw = sum((e["song"], e["artist"], e["length"]) in catalog for e in plays)
    assert 0.2 < fixed / len(plays) < 0.4 and raw > 0


def test_log_json_path(lake):
    root, _ = lake
    doc = json.loads((root / "sparkify" / "log_json_path.json").read_text())
    assert doc == {"jsonpaths": [f"$['{k}']" for k in LOG_KEYS]}


def test_months_and_determinism(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(a, scale=0.002, seed=3)
    generate(b, scale=0.002, seed=3)
    assert _hash_tree(a) == _hash_tree(b)
    generate(c, scale=0.002, seed=4)
    assert _hash_tree(a) != _hash_tree(c)
    d = tmp_path / "d"
    res = generate(d, scale=0.002, seed=3, months=("2018-11", "2018-12"))
    assert len(list((d / "sparkify" / "log_data" / "2018" / "12").glob("*.json"))) == 31
    assert _hash_tree(d / "sparkify" / "log_data" / "2018" / "11") == _hash_tree(a / "sparkify" / "log_data" / "2018" / "11")
    assert res["rows"]["log_data"] > 0


def test_same_shape_as_real(songs, events):
    if not REAL.is_dir():
        pytest.skip("real sample datasets not available")
    real_song = json.loads(next((REAL / "song_data").rglob("*.json")).read_text())
    ours = next(iter(songs.values()))
    assert list(ours) == list(real_song)
    real_rows = [json.loads(line) for p in sorted((REAL / "log_data").rglob("*.json")) for line in p.read_text().splitlines()]
    real_types = {(k, type(v).__name__) for r in real_rows for k, v in r.items()}
    our_types = {(k, type(v).__name__) for e in events for k, v in e.items() if not k.startswith("_")}
    assert our_types == real_types
    assert {tuple(r) for r in real_rows} == {tuple(k for k in e if not k.startswith("_")) for e in events}
    real_paths = json.loads((REAL / "log_json_path.json").read_text())
    assert real_paths["jsonpaths"] == [f"$['{k}']" for k in LOG_KEYS]
