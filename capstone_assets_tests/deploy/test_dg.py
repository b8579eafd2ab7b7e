"""The `dg` command line on this project as laid out ([tool.dg] in pyproject.toml): `dg check defs` loads the
definitions, and `dg list defs` lists the same assets as capstone_assets.definitions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from capstone_assets.definitions import build_definitions
from capstone_assets.settings import load_settings

REPO = Path(__file__).resolve().parents[2]
DG = Path(sys.executable).with_name("dg")
CONFIGURED = "dg" in tomllib.loads((REPO / "pyproject.toml").read_text()).get("tool", {})

pytestmark = pytest.mark.deploy


def test_pyproject_configures_dg():
    assert CONFIGURED, "pyproject.toml needs its [tool.dg] block for `dg check defs` / `dg dev`"


@pytest.fixture
def dg_env(tmp_path) -> dict[str, str]:
    (tmp_path / "dagster_home").mkdir()
    (tmp_path / "dagster_home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    settings_env = {"CAPSTONE_ENV": "local", "CAPSTONE_LAKE_DIR": str(tmp_path / "lake"),
                    "CAPSTONE_DUCKDB_PATH": str(tmp_path / "warehouse.duckdb")}
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DAGSTER_", "CAPSTONE_"))}
    return {**base, **settings_env, "DAGSTER_HOME": str(tmp_path / "dagster_home")}


def dg(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(DG), *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


def test_dg_check_defs_loads_the_definitions(dg_env):
    result = dg(dg_env, "check", "defs")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "All definitions loaded successfully" in result.stdout + result.stderr


def test_dg_list_defs_lists_the_projects_assets(dg_env):
    result = dg(dg_env, "list", "defs", "--json")
    assert result.returncode == 0, result.stderr[-3000:]
    listed = {asset["asset_key"] for asset in json.loads(result.stdout)["assets"]}
    defs = build_definitions(load_settings(dg_env))
    expected = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    assert listed == expected
