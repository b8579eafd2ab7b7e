"""Each historical upstream version loads through an explicit, named mapping; anything else fails naming
file, line and field, and leaves the table as it was."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from capstone_assets_tests.helpers import materialize, query, scalar
from capstone_assets_tests.stedi.expected import expected_counts, read_records

HISTORY = "stedi/_history"
# (history file, entity, table, what mapping makes it load)
HISTORY_FILES = [
    ("2023-10-24_ca6d4826/customer/landing/customer-1691348231425.json", "customer", "customer_landing", "explicit nulls"),
    ("2023-08-09_37deb117/customer/landing/customer-1691348231425.json", "customer", "customer_landing",
     "phone as a JSON integer, consent dates as integral floats"),
    ("2022-10-05_5a3f7e61/customer/customer-keep-1655293787679.json", "customer", "customer_landing",
     "absent consent keys, no trailing newline"),
    ("2022-10-05_5a3f7e61/accelerometer/accelerometer-1655471583651.json", "accelerometer", "accelerometer_landing",
     "timeStamp alias"),
    ("2022-10-05_5a3f7e61/step_trainer/step_trainer-1655296678763.json", "step_trainer", "step_trainer_landing",
     "lines ending in '},'"),
]


def _place(lake_dir: Path, entity: str, source: Path, name: str | None = None) -> str:
    target = lake_dir / "stedi" / entity / "landing" / (name or source.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target.relative_to(lake_dir).as_posix()


def _load(settings, table: str):
    return materialize(settings, f'key:"stedi/{table}"')


def _error(report) -> str:
    return " ".join(error or "" for _, _, _, error in report.runs)


@pytest.mark.parametrize("path, entity, table, mapping", HISTORY_FILES, ids=[f[0].split("/")[0] + ":" + f[1] for f in HISTORY_FILES])
def test_history_file_loads_through_its_mapping(shared_datasets, lake_dir, settings, path, entity, table, mapping):
    source = shared_datasets / HISTORY / path
    key = _place(lake_dir, entity, source)
    records = read_records(source.parent)

    report = _load(settings, table)

    assert report.success, (mapping, _error(report))
    assert scalar(settings, f"SELECT COUNT(*) FROM stedi.{table}") == len(records)
    assert {r[0] for r in query(settings, f"SELECT DISTINCT _source_file FROM stedi.{table}")} == {key}
    assert not (lake_dir / "_normalised").exists() or not any((lake_dir / "_normalised").rglob("*.json"))
    if entity == "customer":
        consenting = sum(1 for r in records if r.get("shareWithResearchAsOfDate") is not None)
        assert scalar(settings, "SELECT COUNT(sharewithresearchasofdate) FROM stedi.customer_landing") == consenting
        assert query(settings, "SELECT DISTINCT phone FROM stedi.customer_landing") == [("8015551212",)]
        total = sum(int(r["shareWithResearchAsOfDate"]) for r in records if r.get("shareWithResearchAsOfDate") is not None)
        assert scalar(settings, "SELECT SUM(sharewithresearchasofdate) FROM stedi.customer_landing") == total
    if entity == "accelerometer":
        total = sum(r["timeStamp"] for r in records)
        assert scalar(settings, 'SELECT SUM("timestamp") FROM stedi.accelerometer_landing') == total
    if entity == "step_trainer":
        assert scalar(settings, "SELECT SUM(distancefromobject) FROM stedi.step_trainer_landing") == \
            sum(r["distanceFromObject"] for r in records)


def test_2022_version_reports_shared_serial_numbers_instead_of_joining_them(shared_datasets, lake_dir, settings):
    for path, entity, _, _ in HISTORY_FILES[2:]:
        _place(lake_dir, entity, shared_datasets / HISTORY / path)
    expected = expected_counts(lake_dir)
    assert expected["shared_serials"] > 0

    report = materialize(settings, "group:stedi")

    outcome = report.assets["stedi/step_trainer_trusted"]
    assert "serial_number_shared_by_customers" in outcome.checks_warned  # WARN: reported, with serials and counts
    for table in ("customer_trusted", "accelerometer_trusted", "customers_curated"):
        assert scalar(settings, f"SELECT COUNT(*) FROM stedi.{table}") == expected[table], table
        assert report.assets[f"stedi/{table}"].checks_failed == [], table
    assert scalar(settings, "SELECT COUNT(*) FROM stedi.step_trainer_trusted") == expected["step_trainer_trusted"]
    attributed = query(settings, "SELECT t.serialnumber FROM stedi.step_trainer_trusted AS t JOIN stedi.customer_landing AS l "
                                 "ON l.serialnumber = t.serialnumber GROUP BY t.serialnumber HAVING COUNT(DISTINCT l.email) > 1")
    assert attributed == []


BAD_INPUT = [
    ("customer", "customer_landing", {"phone": 8015551212.5}, ["line 2", "field 'phone'", "8015551212.5"]),
    ("customer", "customer_landing", {"shareWithResearchAsOfDate": 1655564376361.5},
     ["line 2", "field 'shareWithResearchAsOfDate'", "1655564376361.5"]),
    ("customer", "customer_landing", {"registrationDate": "2022-06-18"}, ["line 2", "field 'registrationDate'", "2022-06-18"]),
    ("customer", "customer_landing", {"customerName": None}, ["line 2", "customerName", "missing or null"]),
    ("accelerometer", "accelerometer_landing", {"TimeStamp": 1}, ["line 2", "unexpected field 'TimeStamp'"]),
    ("accelerometer", "accelerometer_landing", {"x": "1.0"}, ["line 2", "field 'x'", '"1.0"']),
]

GOOD = {
    "customer": {"customerName": "Ann Lee", "email": "Ann.Lee@test.com", "phone": "8015551212", "birthDay": "1950-01-01",
                 "serialNumber": "s-1", "registrationDate": 1655564376361, "lastUpdateDate": 1655564376361},
    "accelerometer": {"user": "Ann.Lee@test.com", "timestamp": 1655564376361, "x": 1.0, "y": 0.0, "z": -1.0},
}


@pytest.mark.parametrize("entity, table, change, message", BAD_INPUT,
                         ids=[f"{t}:{next(iter(c))}" for _, t, c, _ in BAD_INPUT])
def test_unmapped_variant_fails_naming_file_line_field_and_keeps_previous_rows(lake_dir, settings, entity, table, change, message):
    folder = lake_dir / "stedi" / entity / "landing"
    folder.mkdir(parents=True)
    (folder / f"{entity}-1.json").write_text(json.dumps(GOOD[entity]) + "\n")
    assert _load(settings, table).success

    bad = {**GOOD[entity], **change}
    (folder / f"{entity}-1.json").write_text(json.dumps(GOOD[entity]) + "\n" + json.dumps(bad) + "\n")
    report = _load(settings, table)

    assert not report.success
    error = _error(report)
    for part in [f"stedi/{entity}/landing/{entity}-1.json", *message]:
        assert part in error, (part, error)
    assert scalar(settings, f"SELECT COUNT(*) FROM stedi.{table}") == 1


def test_trailing_commas_are_accepted_only_where_declared(lake_dir, settings):
    folder = lake_dir / "stedi" / "accelerometer" / "landing"
    folder.mkdir(parents=True)
    (folder / "accelerometer-1.json").write_text(json.dumps(GOOD["accelerometer"]) + ",\n")
    report = _load(settings, "accelerometer_landing")
    assert not report.success
    assert "accelerometer-1.json, line 1" in _error(report) and "'},'" in _error(report)
