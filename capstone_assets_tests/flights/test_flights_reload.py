"""The event-driven reload: the sensor on the vendor's uploads, and the atomic replacement of flights.flights."""

from __future__ import annotations

import csv
import os
import re
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from capstone_assets.definitions import build_definitions
from capstone_assets.flights import automation
from capstone_assets.flights.assets import UPLOAD_TAG
from capstone_assets.flights.generator import FLIGHT_COLUMNS, generate, write_upload
from capstone_assets.resources import DuckDBWarehouse, LocalLake
from capstone_assets_tests.helpers import query, scalar

SENSOR = "flights_uploads_sensor"
FIRST = "flights/uploads/flights_20150101.csv"
SECOND = "flights/uploads/flights_20150102.csv"
NUMERIC_ID = re.compile(r"^\d{5}$")
JOBS = {job.name: job for job in (automation.reload_job, automation.references_job)}


def data_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def touch(path: Path, seconds: int) -> None:
    """Give an upload a distinct modification time (the lake's version and 'newest' order come from it)."""
    os.utime(path, (1_700_000_000 + seconds, 1_700_000_000 + seconds))


class FlightsLake:
    """The test's lake folder, the flights sensor evaluated against it, and its run requests executed."""

    def __init__(self, settings):
        self.settings, self.root = settings, Path(settings.lake_dir)
        self.defs = build_definitions(settings)
        self.instance = dg.DagsterInstance.ephemeral()
        self.cursor: str | None = None

    def tick(self) -> list[dg.RunRequest]:
        context = dg.build_sensor_context(cursor=self.cursor, resources={"lake": LocalLake(root=str(self.root))},
                                          instance=self.instance)
        result = self.defs.resolve_sensor_def(SENSOR)(context)
        self.cursor = result.cursor
        return list(result.run_requests)

    def run(self, request: dg.RunRequest, warehouse=None) -> dg.ExecuteInProcessResult:
        resources = {**self.defs.resources, **({"warehouse": warehouse} if warehouse is not None else {})}
        defs = dg.Definitions(assets=list(self.defs.assets), jobs=[JOBS[request.job_name]], resources=resources)
        job = defs.resolve_job_def(request.job_name)
        return job.execute_in_process(instance=self.instance, tags=request.tags, raise_on_error=False)

    def run_all(self, requests) -> None:
        for request in sorted(requests, key=lambda r: r.job_name != "flights_references_job"):
            assert self.run(request).success, request

    def loaded(self) -> tuple[int, set[str]]:
        rows = query(self.settings, "SELECT COUNT(*), LIST(DISTINCT _source_file) FROM flights.flights")[0]
        return rows[0], set(rows[1] or [])


@pytest.fixture
def lake(settings) -> FlightsLake:
    generate(Path(settings.lake_dir), scale=0.0005, seed=3, upload_name=Path(FIRST).name)  # 2,900 flights
    touch(Path(settings.lake_dir) / FIRST, 1)
    return FlightsLake(settings)


def check_results(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {e.check_name: e for e in result.get_asset_check_evaluations() if e.asset_key == dg.AssetKey(["flights", "flights"])}


def test_first_tick_loads_references_and_the_upload_and_flags_numeric_airport_ids(lake):
    requests = lake.tick()
    assert sorted(r.job_name for r in requests) == ["flights_references_job", "flights_reload_job"]
    reload = next(r for r in requests if r.job_name == "flights_reload_job")
    assert reload.tags[UPLOAD_TAG] == FIRST and reload.run_key.startswith(FIRST + "@")
    lake.run(next(r for r in requests if r.job_name == "flights_references_job"))
    result = lake.run(reload)
    assert result.success

    rows = data_rows(lake.root / FIRST)
    assert lake.loaded() == (len(rows), {FIRST})
    checks = check_results(result)
    numeric = sum(bool(NUMERIC_ID.match(r["ORIGIN_AIRPORT"]) or NUMERIC_ID.match(r["DESTINATION_AIRPORT"])) for r in rows)
    assert numeric > 0  # the generator's October rows
    flagged = checks["numeric_airport_ids_flagged"]
    assert (flagged.passed, flagged.severity, flagged.metadata["bad_rows"].value) == (False, dg.AssetCheckSeverity.WARN, numeric)
    assert {name for name, e in checks.items() if not e.passed} == {"numeric_airport_ids_flagged"}
    assert checks["row_count_matches_source"].passed and checks["origin_airport_in_airports"].passed

    assert lake.tick() == []  # the same objects again: a duplicate notification requests nothing


def test_one_reload_per_new_version_from_the_newest_upload_only(lake):
    lake.run_all(lake.tick())

    write_upload(lake.root, Path(SECOND).name, rows=1_500, seed=7)
    touch(lake.root / SECOND, 2)
    requests = lake.tick()
    assert [(r.job_name, r.tags[UPLOAD_TAG]) for r in requests] == [("flights_reload_job", SECOND)]
    assert lake.tick() == []  # evaluated twice: still one run request
    lake.run_all(requests)
    assert lake.loaded() == (1_500, {SECOND})  # the newest upload only, not both files

    write_upload(lake.root, Path(SECOND).name, rows=1_700, seed=8)  # a corrected re-upload of the same key
    touch(lake.root / SECOND, 3)
    again = lake.tick()
    assert [r.tags[UPLOAD_TAG] for r in again] == [SECOND] and again[0].run_key != requests[0].run_key
    lake.run_all(again)
    assert lake.loaded() == (1_700, {SECOND})

    touch(lake.root / "flights" / "airports.csv", 4)  # a reference file changes: only the references reload
    assert [r.job_name for r in lake.tick()] == ["flights_references_job"]


def test_readers_see_the_old_rows_until_the_new_load_commits(lake):
    lake.run_all(lake.tick())
    old = scalar(lake.settings, "SELECT COUNT(*) FROM flights.flights")
    write_upload(lake.root, Path(SECOND).name, rows=20_000, seed=9)
    touch(lake.root / SECOND, 2)
    seen: list[tuple[str, int]] = []

    class ReaderDuringLoad(DuckDBWarehouse):
        """Counts flights.flights from a second connection after the DELETE and just before COMMIT."""

        def _count(self) -> int:
            with duckdb.connect(self.path) as reader:
                return reader.execute("SELECT COUNT(*) FROM flights.flights").fetchone()[0]

        @contextmanager
        def transaction(self):
            with super().transaction() as tx:
                wrapped = Probe(tx, self)
                yield wrapped
                if wrapped.deleted:
                    seen.append(("before commit", self._count()))

    class Probe:
        def __init__(self, tx, warehouse):
            self.tx, self.warehouse, self.deleted = tx, warehouse, False

        def __getattr__(self, name):
            return getattr(self.tx, name)

        def execute(self, sql, params=()):
            self.tx.execute(sql, params)
            if sql.startswith('DELETE FROM "flights"."flights"'):
                self.deleted = True
                seen.append(("after delete", self.warehouse._count()))

    [request] = lake.tick()
    result = lake.run(request, warehouse=ReaderDuringLoad(path=str(lake.settings.duckdb_path)))
    assert result.success
    assert seen == [("after delete", old), ("before commit", old)]
    assert lake.loaded() == (20_000, {SECOND})


def failure_messages(result: dg.ExecuteInProcessResult):
    for event in result.all_events:
        error = event.event_specific_data.error if event.is_step_failure else None
        while error is not None:
            yield error.message
            error = error.cause


def broken_upload(root: Path, name: str, problem: str) -> Path:
    path = root / "flights" / "uploads" / name
    write_upload(root, name, rows=400, seed=11)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    if problem == "bad number":
        fields = lines[57].split(",")
        fields[FLIGHT_COLUMNS.index("DEPARTURE_DELAY")] = "12x"
        lines[57] = ",".join(fields)
    else:  # the last column is missing from the header and from every row
        lines = [line.rstrip("\n").rsplit(",", 1)[0] + "\n" for line in lines]
    path.write_text("".join(lines), encoding="utf-8")
    return path


@pytest.mark.parametrize("problem, message", [
    ("bad number", r"flights_20150103\.csv.*line 58.*departure_delay|departure_delay.*flights_20150103\.csv.*58"),
    ("missing column", r"flights_20150103\.csv, line 1: schema drift: missing column\(s\) \['weather_delay'\]"),
])
def test_a_malformed_upload_leaves_the_old_rows(lake, problem, message):
    lake.run_all(lake.tick())
    before = lake.loaded()
    broken = broken_upload(lake.root, "flights_20150103.csv", problem)
    touch(broken, 2)
    [request] = lake.tick()
    result = lake.run(request)
    assert not result.success
    error = " ".join(failure_messages(result))
    assert re.search(message, error, re.IGNORECASE | re.DOTALL), error
    assert lake.loaded() == before
