"""Shared fixtures: a throwaway lake folder and DuckDB file per test, settings built from them."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from capstone_assets.settings import Settings, load_settings

REPO = Path(__file__).resolve().parents[1]
SHARED_DATASETS = REPO.parent / "shared" / "datasets"

warnings.filterwarnings("ignore", module="dagster")


@pytest.fixture
def lake_dir(tmp_path: Path) -> Path:
    path = tmp_path / "lake"
    path.mkdir()
    return path


@pytest.fixture
def test_env(tmp_path: Path, lake_dir: Path) -> dict[str, str]:
    return {"CAPSTONE_LAKE_DIR": str(lake_dir), "CAPSTONE_DUCKDB_PATH": str(tmp_path / "warehouse.duckdb")}


@pytest.fixture
def make_settings(test_env: dict[str, str]):
    def build(**overrides: str) -> Settings:
        return load_settings({**test_env, **overrides})

    return build


@pytest.fixture
def settings(make_settings) -> Settings:
    return make_settings()


@pytest.fixture
def shared_datasets() -> Path:
    if not SHARED_DATASETS.is_dir():
        pytest.skip(f"real sample datasets not present at {SHARED_DATASETS} (only in the developers' workspace)")
    return SHARED_DATASETS


from capstone_assets_tests.aws_fixtures import aws_env, bucket, s3_endpoint  # noqa: E402,F401  (shared fixtures)
from capstone_assets_tests.postgres_server import postgres_database, postgres_server  # noqa: E402,F401


# xdist (`make test` runs three workers): a test file's tests stay in one worker, so its module-scoped fixtures (a
# materialized warehouse, a deployment stack) are built once; the UI tests share one `dagster dev` across files, so
# their folder is one unit. The slowest folders are handed out first, so that no worker starts one last.
SHARED_SERVER_FOLDERS = ("ui",)
SLOW_FIRST = ("ui", "prod_path", "deploy", "benchmarks")


def work_unit(nodeid: str) -> str:
    """The file of a test, or its folder for the folders that share one server."""
    path = nodeid.split("::", 1)[0]
    parts = path.split("/")
    if len(parts) > 2 and parts[1] in SHARED_SERVER_FOLDERS:
        return "/".join(parts[:2])
    return path


def pytest_collection_modifyitems(config, items):
    def slowness(item) -> int:
        parts = item.nodeid.split("/")
        return SLOW_FIRST.index(parts[1]) if len(parts) > 2 and parts[1] in SLOW_FIRST else len(SLOW_FIRST)

    items.sort(key=slowness)  # stable: a file's tests keep their order


def pytest_xdist_make_scheduler(config, log):
    """pytest-xdist's scheduling by scope, with `work_unit` as the scope, in collection order. (Its `xdist_group`
    marks no longer group anything under pytest 9.2, which keeps a test's id in a new attribute.)"""
    from xdist.scheduler import LoadScopeScheduling

    class ByWorkUnit(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

    config.option.loadscopereorder = False
    return ByWorkUnit(config, log)
