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


# xdist: a test file's tests stay in one worker, so its module-scoped fixtures (a materialized warehouse, a
# deployment stack) are built once; the UI tests share one `dagster dev` across files, so their folder is one group.
SHARED_SERVER_FOLDERS = ("ui",)


def pytest_collection_modifyitems(config, items):
    for item in items:
        parts = Path(str(item.fspath)).relative_to(REPO / "capstone_assets_tests").parts
        group = parts[0] if len(parts) > 1 and parts[0] in SHARED_SERVER_FOLDERS else "/".join(parts)
        item.add_marker(pytest.mark.xdist_group(group))
