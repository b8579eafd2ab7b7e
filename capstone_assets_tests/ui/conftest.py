"""One real `dagster dev` for the whole session, on a generated lake, and the learning backfill users launch first."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from capstone_assets.learning.generator import generate
from capstone_assets.settings import DEFAULT_DEGREES, Settings, load_settings
from capstone_assets_tests.helpers import query
from capstone_assets_tests.ui import graphql as gql
from capstone_assets_tests.ui.server import DagsterDev

GROUP = "learning"
FACT_ASSET = "learning/stg_video_log"
MONTHS = range(1, 13)  # 2019-01 .. 2019-12: the default CAPSTONE_LEARNING_START/END
SCALE = 0.01


@dataclass
class UIEnvironment:
    ui: DagsterDev
    settings: Settings


@dataclass
class Backfill:
    backfill_id: str
    asset_keys: list[str]
    partition_names: list[str]
    result: dict
    tables: dict[str, tuple[int, int]]  # warehouse_snapshot right after it
    lake: tuple  # lake_fingerprint right after it


def warehouse_snapshot(settings: Settings) -> dict[str, tuple[int, int]]:
    """Row count and an order-independent checksum of every row, per learning table."""
    tables = [r[0] for r in query(settings, "SELECT table_name FROM information_schema.tables WHERE table_schema = ?", [GROUP])]
    return {table: tuple(query(settings, f'SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0) FROM {GROUP}."{table}" t')[0])
            for table in tables}


def lake_fingerprint(lake_dir: Path) -> tuple:
    """Every learning file's path, size and modification time: equal only while no file was added or changed."""
    return tuple(sorted((str(p.relative_to(lake_dir)), p.stat().st_size, p.stat().st_mtime_ns)
                        for p in (lake_dir / GROUP).rglob("*") if p.is_file()))


def expected_partitions(settings: Settings) -> set[str]:
    return {f"{degree}|2019-{month:02d}-01" for degree in settings.degrees for month in MONTHS}


@pytest.fixture(scope="session")
def ui_env(tmp_path_factory) -> UIEnvironment:
    root = tmp_path_factory.mktemp("dagster_ui")
    env = {
        "CAPSTONE_ENV": "local",
        "CAPSTONE_LAKE_DIR": str(root / "lake"),
        "CAPSTONE_DUCKDB_PATH": str(root / "warehouse.duckdb"),
        "CAPSTONE_DEGREES": ",".join(DEFAULT_DEGREES),
        "CAPSTONE_LEARNING_START": f"2019-{MONTHS[0]:02d}-01",
        "CAPSTONE_LEARNING_END": "2020-01-01",
    }
    generate(root / "lake", scale=SCALE, degrees=DEFAULT_DEGREES, months=MONTHS)
    server = DagsterDev(root / "dagster_home", env, root / "dagster_dev.log")
    try:
        server.start(timeout=180)
        server.query(gql.SET_NUX_SEEN)  # what "Skip" on the first-visit community dialog does
        yield UIEnvironment(server, load_settings(env))
    finally:
        server.stop()


@pytest.fixture(scope="session")
def ui(ui_env) -> DagsterDev:
    return ui_env.ui


@pytest.fixture(scope="session")
def learning_backfill(ui_env) -> Backfill:
    """A user's "Materialize all" on the learning group, every degree x month partition selected."""
    asset_keys = sorted(gql.asset_groups(ui_env.ui)[GROUP])
    partition_names = gql.asset_node(ui_env.ui, FACT_ASSET)["partitionKeys"]
    return launch(ui_env, asset_keys, partition_names, "learning: every degree x month")


def launch(ui_env: UIEnvironment, asset_keys: list[str], partition_names: list[str], title: str) -> Backfill:
    """A backfill launched through the webserver, waited for, with the warehouse and the lake as it left them."""
    backfill_id = gql.launch_backfill(ui_env.ui, asset_keys, partition_names, title)
    result = gql.wait_for_backfill(ui_env.ui, backfill_id)
    return Backfill(backfill_id, asset_keys, partition_names, result, warehouse_snapshot(ui_env.settings),
                    lake_fingerprint(ui_env.settings.lake_dir))
