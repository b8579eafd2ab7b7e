"""Month boundaries with a non-UTC process time zone: every timestamp lands in its UTC month partition."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb

from capstone_assets.lib.checks import in_partition_month
from capstone_assets.resources import build_resources
from capstone_assets.settings import load_settings
from capstone_assets_tests.reliability.lakes import FEBRUARY, JANUARY, load, write_video_log

REPO = Path(__file__).resolve().parents[2]
ZONE = "America/Los_Angeles"
UTC = dt.timezone.utc
INSTANTS = [dt.datetime(2018, 12, 31, 23, 59, 59, 999000, UTC), dt.datetime(2019, 1, 1, tzinfo=UTC),
            dt.datetime(2019, 1, 31, 23, 59, 59, 999000, UTC), dt.datetime(2019, 2, 1, tzinfo=UTC)]
# Redshift-dialect epoch-millisecond conversions, run by the warehouse through sqlglot
EPOCH_FORMS = {
    "interval": "TIMESTAMP 'epoch' + x / 1000 * INTERVAL '1 second'",
    "dateadd": "DATEADD(ms, x, '1970-01-01')",
    "timestamptz": "TO_TIMESTAMP(x / 1000.0)",
}


def epoch_months_sql(form: str) -> str:
    values = " UNION ALL ".join(f"SELECT {int(i.timestamp() * 1000)} AS x" for i in INSTANTS)
    return f"SELECT x, CAST(DATE_TRUNC('month', {form}) AS DATE) AS month FROM ({values}) AS t ORDER BY x"


def in_the_zone(lake: str, database: str) -> dict:
    """Runs in a process whose TZ is ZONE: loads boundary rows and converts boundary epochs."""
    settings = load_settings({"CAPSTONE_LAKE_DIR": lake, "CAPSTONE_DUCKDB_PATH": database})
    load(settings, month=JANUARY)
    load(settings, month=FEBRUARY)
    warehouse = build_resources(settings)["warehouse"]
    check = in_partition_month("viewed_at").evaluate(warehouse, '"learning"."stg_video_log"')
    with duckdb.connect() as plain:
        plain_zone = plain.execute("SELECT current_setting('TimeZone')").fetchone()[0]
        plain_months = [str(m) for _, m in plain.execute(
            epoch_months_sql(EPOCH_FORMS["timestamptz"]).replace("TO_TIMESTAMP", "to_timestamp")).fetchall()]
    return {
        "plain_zone": plain_zone,
        "plain_timestamptz_months": plain_months,
        "check_passed": check.passed,
        "rows": [[str(v), str(m)] for v, m in warehouse.query(
            "SELECT viewed_at, month FROM learning.stg_video_log ORDER BY viewed_at")],
        "epoch_months": {name: [str(m) for _, m in warehouse.query(epoch_months_sql(form))]
                         for name, form in EPOCH_FORMS.items()},
    }


def test_epoch_millis_at_month_boundaries_with_a_non_utc_time_zone(settings, lake_dir):
    write_video_log(lake_dir, [(1, 1, 1, "2019-01-01 00:00:00", 5), (2, 1, 1, "2019-01-31 23:59:59", 5)])
    write_video_log(lake_dir, [(3, 1, 1, "2019-02-01 00:00:00", 5)], FEBRUARY)
    code = ("import json, sys; from capstone_assets_tests.reliability.test_time_zones import in_the_zone; "
            "print(json.dumps(in_the_zone(sys.argv[1], sys.argv[2])))")
    done = subprocess.run([sys.executable, "-c", code, str(lake_dir), str(settings.duckdb_path)], cwd=REPO,
                          env={**os.environ, "TZ": ZONE}, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    expected = [str(i.date().replace(day=1)) for i in INSTANTS]
    assert seen["plain_zone"] == ZONE and seen["plain_timestamptz_months"] != expected  # the zone would bite
    assert seen["epoch_months"] == {name: expected for name in EPOCH_FORMS}
    assert seen["check_passed"]
    assert seen["rows"] == [["2019-01-01 00:00:00", "2019-01-01"], ["2019-01-31 23:59:59", "2019-01-01"],
                            ["2019-02-01 00:00:00", "2019-02-01"]]
