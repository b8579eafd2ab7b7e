import hashlib
import json
import pathlib
import re
from collections import Counter

import pytest

from capstone_assets.stedi.generator import (
    ACCELEROMETER_KEYS, CUSTOMER_KEYS, SHARE_KEYS, STEP_TRAINER_KEYS, generate,
)

DATASETS = pathlib.Path(__file__).resolve().parents[3] / "shared" / "datasets"
REAL = DATASETS  # _rows/_files take a lake root; the real one has the same stedi/<table>/landing layout
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def _files(root: pathlib.Path, table: str) -> list[pathlib.Path]:
    return sorted((root / "stedi" / table / "landing").glob(f"{table}-*.json"))


def _rows(root: pathlib.Path, table: str, strip_comma: bool = False) -> list[dict]:
    out = []
    for p in _files(root, table):
        for line in p.read_text().splitlines():
            out.append(json.loads(line.rstrip(",") if strip_comma else line))
    return out


def _digest(root: pathlib.Path) -> dict:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*.json"))}


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    root = tmp_path_factory.mktemp("lake")
    result = generate(root, scale=0.15, seed=3)
    return root, result, _rows(root, "customer"), _rows(root, "accelerometer"), _rows(root, "step_trainer")


def test_files_and_counts(lake):
    root, result, cust, acc, steps = lake
    assert result["rows"] == {"customer": 150, "accelerometer": len(acc), "step_trainer": 150 * 30}
    assert len(_files(root, "customer")) == 1
    for table, rows in (("accelerometer", acc), ("step_trainer", steps)):
        sizes = [len(p.read_text().splitlines()) for p in _files(root, table)]
        assert sum(sizes) == len(rows) and max(sizes) <= 10_000 and sizes[:-1] == [10_000] * (len(sizes) - 1)
    assert result["files"] == 1 + len(_files(root, "accelerometer")) + len(_files(root, "step_trainer"))
    for p in root.rglob("*.json"):
        raw = p.read_bytes()
        assert raw.endswith(b"}\n") and raw.isascii() and b"\r" not in raw
        assert re.fullmatch(r"(customer|accelerometer|step_trainer)-\d{13}\.json", p.name)
    assert _files(root, "customer")[0].read_text().startswith('{"customerName": "')


def test_customers(lake):
    _, _, cust, _, _ = lake
    key_sets = Counter(tuple(c) for c in cust)
    assert len(key_sets) >= 4
    for c in cust:
        keys = tuple(c)
        assert keys[:7] == CUSTOMER_KEYS and set(keys[7:]) <= set(SHARE_KEYS)
        assert list(keys[7:]) == [k for k in SHARE_KEYS if k in c]
        assert c["phone"] == "8015551212" and c["email"].endswith("@test.com")
        assert c["email"] == c["customerName"].replace(" ", ".") + "@test.com"
        assert UUID.match(c["serialNumber"]) and re.fullmatch(r"\d{3,4}-01-01", c["birthDay"])
        assert all(isinstance(c[k], int) for k in ("registrationDate", "lastUpdateDate") + tuple(k for k in SHARE_KEYS if k in c))
        assert all(v is not None for v in c.values())
    n = len(cust)
    assert len({c["email"] for c in cust}) == n and len({c["serialNumber"] for c in cust}) == n
    missing_research = sum("shareWithResearchAsOfDate" not in c for c in cust)
    assert 0.3 < missing_research / n < 0.7
    assert any(len(c["birthDay"]) == 9 for c in cust) and any(c["birthDay"] < "1900" for c in cust)


def test_readings_tie_to_customers(lake):
    _, _, cust, acc, steps = lake
    assert all(tuple(a) == ACCELEROMETER_KEYS for a in acc) and all(tuple(s) == STEP_TRAINER_KEYS for s in steps)
    serial_of = {c["email"]: c["serialNumber"] for c in cust}
    assert {a["user"] for a in acc} == set(serial_of)
    assert {s["serialNumber"] for s in steps} == set(serial_of.values())
    assert {(a["x"], a["y"]) for a in acc} <= {(u, v) for u in (-1.0, 0.0, 1.0) for v in (-1.0, 0.0, 1.0)}
    assert {a["z"] for a in acc} <= {-1.0, 0.0} and all(isinstance(a["x"], float) for a in acc)
    pairs = Counter((a["user"], a["timestamp"]) for a in acc)
    assert sum(v for v in pairs.values() if v > 1) / len(acc) > 0.5
    dup = next(k for k, v in pairs.items() if v > 1)
    assert len({(a["x"], a["y"], a["z"]) for a in acc if (a["user"], a["timestamp"]) == dup}) >= 1
    acc_keys = {(serial_of[a["user"]], a["timestamp"]) for a in acc}
    assert all((s["serialNumber"], s["sensorReadingTime"]) in acc_keys for s in steps)
    assert all(200 <= s["distanceFromObject"] <= 300 and isinstance(s["distanceFromObject"], int) for s in steps)
    assert len({(s["serialNumber"], s["sensorReadingTime"]) for s in steps}) == len(steps)


def test_determinism(tmp_path):
    generate(tmp_path / "a", scale=0.01, seed=1)
    generate(tmp_path / "b", scale=0.01, seed=1)
    generate(tmp_path / "c", scale=0.01, seed=2)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b") != _digest(tmp_path / "c")
    with pytest.raises(ValueError):
        generate(tmp_path / "d", scale=0.01, variant="1999-01-01")


def test_variant_2023_10_24(tmp_path):
    generate(tmp_path, scale=0.05, seed=4, variant="2023-10-24")
    cust = _rows(tmp_path, "customer")
    assert not _files(tmp_path, "customer")[0].read_text().startswith('{"customerName": ')
    assert all(tuple(c) == CUSTOMER_KEYS + SHARE_KEYS for c in cust)
    assert all(isinstance(c["phone"], str) for c in cust)
    vals = [c[k] for c in cust for k in SHARE_KEYS]
    assert None in vals and all(v is None or isinstance(v, int) for v in vals)
    assert "timestamp" in _rows(tmp_path, "accelerometer")[0]


def test_variant_2023_08_09(tmp_path):
    generate(tmp_path, scale=0.05, seed=4, variant="2023-08-09")
    cust = _rows(tmp_path, "customer")
    assert all(tuple(c) == CUSTOMER_KEYS + SHARE_KEYS and c["phone"] == 8015551212 for c in cust)
    vals = [c[k] for c in cust for k in SHARE_KEYS]
    assert None in vals and all(v is None or isinstance(v, float) for v in vals)
    assert re.search(r'"shareWith\w+":\d{13}\.0[,}]', _files(tmp_path, "customer")[0].read_text())


def test_variant_2022_10_05(tmp_path):
    result = generate(tmp_path, scale=0.1, seed=4, variant="2022-10-05")
    cust_file = _files(tmp_path, "customer")[0]
    assert not cust_file.read_bytes().endswith(b"\n")
    cust = _rows(tmp_path, "customer")
    assert len(cust) == 100 and all(tuple(c)[:7] == CUSTOMER_KEYS for c in cust)
    assert len({c["serialNumber"] for c in cust}) <= 3 and len({c["email"] for c in cust}) < len(cust)
    acc = _rows(tmp_path, "accelerometer")
    assert all(tuple(a) == ("user", "timeStamp", "x", "y", "z") for a in acc)
    for p in _files(tmp_path, "step_trainer"):
        lines = p.read_text().split("\n")
        assert all(line.endswith("},") for line in lines[:-1]) and lines[-1].endswith("}")
        with pytest.raises(json.JSONDecodeError):
            json.loads(lines[0])
    steps = _rows(tmp_path, "step_trainer", strip_comma=True)
    assert len(steps) == result["rows"]["step_trainer"]
    serials = {c["serialNumber"] for c in cust}
    assert {s["serialNumber"] for s in steps} <= serials


def test_same_shape_as_real(lake):
    if not (REAL / "stedi").is_dir():
        pytest.skip("real sample datasets not available")
    root, _, cust, acc, steps = lake
    types = lambda rows: {(k, type(v).__name__) for r in rows for k, v in r.items()}  # noqa: E731
    for table, ours in (("customer", cust), ("accelerometer", acc), ("step_trainer", steps)):
        real = _rows(REAL, table)
        assert types(ours) == types(real), table
        assert {tuple(r) for r in ours} == {tuple(r) for r in real}, table  # same key sets, same order
    # same JSON layout: spaced separators for customers, compact for the device files
    for table in ("customer", "accelerometer", "step_trainer"):
        real_line = _files(REAL, table)[0].read_text().split("\n", 1)[0]
        our_line = _files(root, table)[0].read_text().split("\n", 1)[0]
        assert (", " in real_line) == (", " in our_line), table


@pytest.mark.parametrize("variant", ["2023-08-09", "2023-10-24", "2022-10-05"])
def test_variants_match_real_history(tmp_path, variant):
    hist = sorted((REAL / "stedi" / "_history").glob(f"{variant}_*")) if (REAL / "stedi").is_dir() else []
    if not hist:
        pytest.skip("real history datasets not available")
    generate(tmp_path, scale=0.05, seed=9, variant=variant)
    types = lambda rows: {(k, type(v).__name__) for r in rows for k, v in r.items()}  # noqa: E731
    for table in ("customer", "accelerometer", "step_trainer"):
        real_files = sorted(hist[0].rglob(f"{table}/**/*.json"))
        if not real_files:
            continue
        real = [json.loads(line.rstrip(",")) for p in real_files for line in p.read_text().splitlines()]
        ours = _rows(tmp_path, table, strip_comma=True)
        assert types(ours) == types(real), table
        assert {tuple(r) for r in ours} <= {tuple(r) for r in real}, table
        real_raw, our_raw = real_files[0].read_bytes(), _files(tmp_path, table)[0].read_bytes()
        assert real_raw.endswith(b"\n") == our_raw.endswith(b"\n"), table
        assert (b"},\n" in real_raw) == (b"},\n" in our_raw), table
