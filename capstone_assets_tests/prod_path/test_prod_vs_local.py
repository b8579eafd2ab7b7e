"""Issue 13 §2, the proof: all four groups in production mode (S3 + the real `redshift_connector` against the
PostgreSQL stand-in, Redshift-only statements emulated) give the same tables, the same check results and the
same Parquet exports as the same files through DuckDB.

One run of each engine over one lake is shared by the tests below (module scope): real sample files of
sparkify, flights and stedi (generated ones when ../shared/datasets is absent) and generated learning data
(3 degrees x 12 months). With CAPSTONE_REDSHIFT_* set and CAPSTONE_PROD_PATH_LIVE=1 the production side runs
against that live cluster and bucket instead (docs/production.md).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from capstone_assets.resources import build_lake, build_warehouse
from capstone_assets.settings import load_settings, redshift_variables_present
from capstone_assets_tests.conftest import SHARED_DATASETS
from capstone_assets_tests.helpers import materialize
from capstone_assets_tests.prod_path import fidelity, scenario
from capstone_assets_tests.prod_path.conftest import emulated_cluster, resolved

pytestmark = pytest.mark.prod_path
EVERYTHING = "*"


def live_requested() -> bool:
    return os.environ.get("CAPSTONE_PROD_PATH_LIVE") == "1" and redshift_variables_present()


class Runs:
    """What both engines produced from the same lake."""

    def __init__(self, local, local_report, prod, prod_report, emulator):
        self.local, self.local_report, self.prod, self.prod_report, self.emulator = (
            local, local_report, prod, prod_report, emulator)
        self.local_warehouse = build_warehouse(local)
        self.prod_warehouse = resolved(build_warehouse(prod))
        self.local_lake, self.prod_lake = build_lake(local), build_lake(prod)


@pytest.fixture(scope="module")
def runs(tmp_path_factory, request):
    root = tmp_path_factory.mktemp("prod_vs_local")
    lake_dir = scenario.build_lake(root / "lake", SHARED_DATASETS if SHARED_DATASETS.is_dir() else None)
    local = load_settings({"CAPSTONE_LAKE_DIR": str(lake_dir), "CAPSTONE_DUCKDB_PATH": str(root / "local.duckdb")})
    with ThreadPoolExecutor(max_workers=1) as pool:  # DuckDB's run beside the production run: half waits on a server
        local_run = pool.submit(materialize, local, EVERYTHING)
        yield from production_runs(request, root, lake_dir, local, local_run)


def production_runs(request, root, lake_dir, local, local_run):
    unused = {"CAPSTONE_LAKE_DIR": str(root / "unused"), "CAPSTONE_DUCKDB_PATH": str(root / "unused.duckdb")}
    if live_requested():
        prod = load_settings({**os.environ, **unused, "CAPSTONE_ENV": "prod"})
        build_lake(prod).upload_tree(lake_dir)
        prod_report = materialize(prod, EVERYTHING)
        yield Runs(local, local_run.result(), prod, prod_report, None)
        return
    server, s3_endpoint = request.getfixturevalue("postgres_server"), request.getfixturevalue("s3_endpoint")
    with pytest.MonkeyPatch.context() as patcher, emulated_cluster(server, s3_endpoint, patcher) as (env, emulator):
        emulator.raise_violations = False  # recorded; test_no_statement_breaks_a_redshift_rule asserts
        prod = load_settings({**env, **unused})
        build_lake(prod).upload_tree(lake_dir)
        prod_report = materialize(prod, EVERYTHING)
        yield Runs(local, local_run.result(), prod, prod_report, emulator)


BY_GROUP = list(scenario.GROUPS)


def failures(report, group: str) -> list[str]:
    return [f"{run.label}: {error}" for run, ok, _, error in report.runs
            if not ok and any(key.path[0] == group for key in run.asset_keys)]


def of_group(found: dict, group: str) -> dict:
    return {name: value for name, value in found.items() if name.split(".")[0].split("/")[0] == group}


@pytest.mark.parametrize("group", BY_GROUP)
def test_both_engines_run_every_group_to_success(runs, group):
    assert failures(runs.local_report, group) == []
    assert failures(runs.prod_report, group) == []
    assert of_group(runs.prod_report.assets, group)


@pytest.fixture(scope="module")
def checksums(runs):
    return scenario.table_checksums(runs.local_warehouse), scenario.table_checksums(runs.prod_warehouse)


@pytest.mark.parametrize("group", BY_GROUP)
def test_every_table_is_equal_row_for_row(checksums, group):
    local, prod = (of_group(sums, group) for sums in checksums)
    assert local and sorted(prod) == sorted(local)
    assert {table: {"duckdb": local[table], "redshift": prod[table]} for table in local if local[table] != prod[table]} == {}


def test_the_real_samples_were_loaded(checksums):
    if SHARED_DATASETS.is_dir():  # 20,027 flights, 81,273 accelerometer readings, ...
        assert sum(rows for rows, _ in checksums[1].values()) > 100_000


@pytest.mark.parametrize("group", BY_GROUP)
def test_every_check_result_is_equal(runs, group):
    local = of_group(scenario.check_results(runs.local_report), group)
    assert local and of_group(scenario.check_results(runs.prod_report), group) == local


def test_the_parquet_exports_are_equal(runs):
    from capstone_assets.sparkify.lake_export import LAKE_TABLES as SPARKIFY_EXPORTS
    from capstone_assets.stedi.specs import LAKE_TABLES as STEDI_EXPORTS

    folders = [spec.folder for spec in (*SPARKIFY_EXPORTS, *STEDI_EXPORTS) if spec.format == "parquet"]
    assert folders
    for folder in folders:
        local, prod = scenario.parquet_exports(runs.local_lake, folder), scenario.parquet_exports(runs.prod_lake, folder)
        assert local, f"no local export under {folder}"
        assert prod == local, folder


def test_no_statement_breaks_a_redshift_rule(runs):
    if runs.emulator is None:
        pytest.skip("live cluster: Redshift itself enforced the rules")
    assert runs.emulator.violations == []
    assert runs.emulator.refused == []


@pytest.mark.parametrize("group", [*BY_GROUP, "capstone"])
def test_what_is_sent_for_each_sql_file_is_what_the_file_says(runs, group):
    """Every SQL file the run used reaches the server as written (comments and line breaks aside), or through a
    reviewed rewrite (fidelity.REVIEWED_REWRITES), never re-rendered by a SQL library on the way."""
    if runs.emulator is None:
        pytest.skip("live cluster: statements are not captured")
    sent = fidelity.normalised_statements(runs.emulator.statements)
    files = [f for f in fidelity.sql_files() if f.path.parent.name == group]
    assert files and fidelity.mismatches(files, sent) == {}


def test_one_catalog_query_reads_the_columns_of_many_tables_as_one_query_per_table_does(runs):
    """A model's run reads its own and its upstream tables' columns in one catalog query (`table_schemas`): on both
    engines, every table's columns in order, same-named tables of two schemas apart, a missing table with none."""
    per_table = ("SELECT column_name, data_type FROM information_schema.columns "
                 "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position")
    for warehouse in (runs.local_warehouse, runs.prod_warehouse):
        tables = [tuple(row) for row in warehouse.query(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema IN (%s, %s, %s, %s)",
            tuple(BY_GROUP))] + [("learning", "no_such_table"), ("sparkify", "dim_users")]
        assert len(tables) > 40 and ("learning", "dim_users") in tables
        assert warehouse.table_schemas(tables) == {table: warehouse.query(per_table, table) for table in tables}
