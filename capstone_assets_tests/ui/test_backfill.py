"""Through the webserver's GraphQL API: the groups, the fact partitions, a full backfill, and the same backfill twice."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from capstone_assets.learning.specs import FACT_FILE_NAMES
from capstone_assets_tests.helpers import query
from capstone_assets_tests.ui import graphql as gql
from capstone_assets_tests.ui.conftest import FACT_ASSET, GROUP, MONTHS, expected_partitions

pytestmark = pytest.mark.ui

REPO = Path(__file__).resolve().parents[2]
FACT_TABLES = [f"stg_{name}" for name in FACT_FILE_NAMES]


def rows_in_lake(lake_dir: Path, file_name: str) -> int:
    total = 0
    for path in lake_dir.glob(f"learning/*/*/*/{file_name}.csv"):
        with open(path, newline="", encoding="utf-8") as handle:
            total += sum(1 for _ in csv.reader(handle)) - 1
    return total


def warehouse_snapshot(settings) -> dict[str, tuple[int, int]]:
    """Row count and an order-independent checksum of every row, per learning table."""
    tables = [r[0] for r in query(settings, "SELECT table_name FROM information_schema.tables WHERE table_schema = ?", [GROUP])]
    return {table: tuple(query(settings, f'SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0) FROM {GROUP}."{table}" t')[0])
            for table in tables}


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


def test_the_same_backfill_twice_duplicates_nothing(ui, ui_env):
    """Two backfills of every learning asset x every partition, launched here back to back over the same lake:
    every learning table, staged, dimension and mart, holds exactly the same rows after the second as after the
    first (row count and a content checksum).

    Both snapshots are taken right after a backfill this test launched, so whatever other tests did to the lake
    or the warehouse before (a sensor reload that leaves the marts stale, a corrected file) is in both or neither.
    """
    settings = ui_env.settings
    asset_keys = sorted(gql.asset_groups(ui)[GROUP])
    partition_names = gql.asset_node(ui, FACT_ASSET)["partitionKeys"]
    snapshots = []
    for title in ("learning: every degree x month, first of two", "learning: every degree x month, second of two"):
        result = gql.wait_for_backfill(ui, gql.launch_backfill(ui, asset_keys, partition_names, title))
        assert result["status"] == "COMPLETED_SUCCESS", result
        snapshots.append(warehouse_snapshot(settings))
    first, second = snapshots
    assert set(first) >= {key.removeprefix(f"{GROUP}/") for key in asset_keys}  # every learning asset's table
    assert not [table for table, (rows, _) in first.items() if rows == 0], first  # an empty table proves nothing
    assert second == first  # every row of every table, marts included, byte for byte
