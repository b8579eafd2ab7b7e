"""Through the webserver's GraphQL API: the groups, the fact partitions, a full backfill, and the same backfill twice."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from capstone_assets.learning.specs import FACT_FILE_NAMES
from capstone_assets_tests.helpers import query
from capstone_assets_tests.ui import graphql as gql
from capstone_assets_tests.ui.conftest import GROUP, MONTHS, expected_partitions, lake_fingerprint, launch

pytestmark = pytest.mark.ui

REPO = Path(__file__).resolve().parents[2]
FACT_TABLES = [f"stg_{name}" for name in FACT_FILE_NAMES]


def rows_in_lake(lake_dir: Path, file_name: str) -> int:
    total = 0
    for path in lake_dir.glob(f"learning/*/*/*/{file_name}.csv"):
        with open(path, newline="", encoding="utf-8") as handle:
            total += sum(1 for _ in csv.reader(handle)) - 1
    return total


def test_lists_the_asset_groups_and_the_fact_partitions(ui, ui_env):
    groups = gql.asset_groups(ui)
    modelled = {f"{GROUP}/{path.stem}" for path in (REPO / "sql" / GROUP).glob("*.sql")}
    assert set(groups[GROUP]) == modelled
    for table in FACT_TABLES:
        node = gql.asset_node(ui, f"{GROUP}/{table}")
        assert node["isPartitioned"]
        assert set(node["partitionKeys"]) == expected_partitions(ui_env.settings)
        dimensions = {d["name"]: d["partitionKeys"] for d in node["partitionKeysByDimension"]}
        assert dimensions["degree"] == list(ui_env.settings.degrees)
        assert len(dimensions["month"]) == len(MONTHS)


def test_backfill_loads_every_partition_and_every_check_passes(ui, ui_env, learning_backfill):
    result = learning_backfill.result
    assert result["status"] == "COMPLETED_SUCCESS", result
    assert result["numPartitions"] == len(expected_partitions(ui_env.settings))
    assert result["runs"] and {run["status"] for run in result["runs"]} == {"SUCCESS"}

    settings = ui_env.settings
    for table in FACT_TABLES:
        loaded = query(settings, f"SELECT DISTINCT degree || '|' || strftime(month, '%Y-%m-%d') FROM {GROUP}.{table}")
        assert {row[0] for row in loaded} == expected_partitions(settings), table
        count = query(settings, f"SELECT count(*) FROM {GROUP}.{table}")[0][0]
        assert count == rows_in_lake(settings.lake_dir, table.removeprefix("stg_")), table

    backfill_runs = {run["runId"] for run in result["runs"]}
    evaluated = 0
    for key in learning_backfill.asset_keys:
        node = gql.asset_node(ui, key)
        for check in node["assetChecksOrError"]["checks"]:
            executions = [e for e in gql.check_executions(ui, key, check["name"]) if e["runId"] in backfill_runs]
            assert executions, f"{key} check {check['name']} was not evaluated by the backfill"
            assert {e["status"] for e in executions} == {"SUCCEEDED"}, (key, check["name"], executions)
            evaluated += len(executions)
    assert evaluated > 0


def test_the_same_backfill_twice_duplicates_nothing(ui, ui_env, learning_backfill):
    """The backfill of every learning asset x every partition launched again over the same lake: every learning
    table, staged, dimension and mart, holds exactly the same rows after the second as after the first (row count
    and a content checksum).

    The first is the session's backfill, whose snapshot was taken right after it. If another test has changed
    the lake since (a corrected file, a new month for a sensor), a first backfill is launched here again, so
    whatever other tests did is in both snapshots or neither.
    """
    first = learning_backfill
    if lake_fingerprint(ui_env.settings.lake_dir) != first.lake:
        first = launch(ui_env, first.asset_keys, first.partition_names, "learning: every degree x month, again")
        assert first.result["status"] == "COMPLETED_SUCCESS", first.result
    second = launch(ui_env, first.asset_keys, first.partition_names, "learning: every degree x month, once more")
    assert second.result["status"] == "COMPLETED_SUCCESS", second.result
    assert set(first.tables) >= {key.removeprefix(f"{GROUP}/") for key in first.asset_keys}  # every learning asset
    assert not [table for table, (rows, _) in first.tables.items() if rows == 0], first.tables  # empty proves nothing
    assert second.tables == first.tables  # every row of every table, marts included, byte for byte
