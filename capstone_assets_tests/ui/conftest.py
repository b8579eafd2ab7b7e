"""One real `dagster dev` for the whole session, on a generated lake, and the learning backfill users launch first."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from capstone_assets.learning.generator import generate
from capstone_assets.settings import DEFAULT_DEGREES, Settings, load_settings
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
def learning_backfill(ui) -> Backfill:
    """A user's "Materialize all" on the learning group, every degree x month partition selected."""
    asset_keys = sorted(gql.asset_groups(ui)[GROUP])
    partition_names = gql.asset_node(ui, FACT_ASSET)["partitionKeys"]
    backfill_id = gql.launch_backfill(ui, asset_keys, partition_names, "learning: every degree x month")
    return Backfill(backfill_id, asset_keys, partition_names, gql.wait_for_backfill(ui, backfill_id))
