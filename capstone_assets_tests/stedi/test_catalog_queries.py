"""Redshift runs catalog queries (information_schema, pg_*) on the leader node only, so no statement may mix
them with user tables: the stedi group's checks, run for real, are recorded and inspected."""

from __future__ import annotations

from capstone_assets.lib.results import evaluate_checks
from capstone_assets.resources import DuckDBWarehouse
from capstone_assets.resources.duckdb_warehouse import DuckDBTransaction
from capstone_assets.stedi import checks as stedi_checks
from capstone_assets.stedi.generator import generate
from capstone_assets_tests.helpers import materialize
from capstone_assets_tests.sql_rules import mixes_catalog_and_user_tables


def test_rule_detects_a_catalog_query_mixed_with_user_tables():
    assert mixes_catalog_and_user_tables(
        "SELECT (SELECT COUNT(*) FROM stedi.t) AS c0, (SELECT COUNT(*) FROM information_schema.columns) AS c1")
    assert not mixes_catalog_and_user_tables("SELECT column_name FROM information_schema.columns WHERE table_name = 't'")
    assert not mixes_catalog_and_user_tables("SELECT COUNT(*) FROM stedi.t")


def test_stedi_run_sends_no_statement_mixing_catalog_and_user_tables(lake_dir, settings, monkeypatch):
    sent: list[str] = []
    for method in ("execute", "query"):
        original = getattr(DuckDBTransaction, method)

        def recording(self, sql, params=(), _original=original):
            sent.append(sql)
            return _original(self, sql, params)

        monkeypatch.setattr(DuckDBTransaction, method, recording)
    generate(lake_dir, scale=0.02, seed=3)
    report = materialize(settings, "group:stedi")
    assert report.success, report
    assert any("information_schema" in sql for sql in sent)  # the catalog was read, on its own
    assert [sql for sql in sent if mixes_catalog_and_user_tables(sql)] == []


def test_no_personal_columns_fails_naming_the_column(tmp_path):
    warehouse = DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))
    warehouse.execute("CREATE SCHEMA stedi", "CREATE TABLE stedi.machine_learning_curated (x INT, email VARCHAR)")
    (result,) = evaluate_checks(warehouse, "stedi", "machine_learning_curated",
                                [stedi_checks.no_personal_columns()], ("1 = 1", []))
    assert not result.passed and "email" in result.metadata["sample"].value
    warehouse.execute("ALTER TABLE stedi.machine_learning_curated DROP COLUMN email")
    (result,) = evaluate_checks(warehouse, "stedi", "machine_learning_curated",
                                [stedi_checks.no_personal_columns()], ("1 = 1", []))
    assert result.passed
