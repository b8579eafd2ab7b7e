"""sqlglot's results stored beside the warehouse (translations, column lineage): read back by the next process,
ignored when stale or unreadable."""

from __future__ import annotations

import json

import pytest

from capstone_assets.learning.specs import MODEL_SPECS
from capstone_assets.lib import lineage, models, sql
from capstone_assets.lib.sql import to_dialect, translation_store
from capstone_assets.resources.duckdb_warehouse import DuckDBWarehouse, lineage_path, translations_path


@pytest.fixture
def fresh_process(monkeypatch):
    """This process's translations and lineage start empty, as in a new Dagster run process."""
    monkeypatch.setattr(sql, "_translations", {})
    monkeypatch.setattr(lineage, "_traced", {})


def test_a_new_process_reads_what_an_earlier_one_translated(tmp_path, fresh_process):
    warehouse = DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))
    assert warehouse.query("SELECT LEN('abc') AS n") == [(3,)]
    stored = json.loads(translations_path(warehouse.path).read_text())
    assert stored["stamp"] == translation_store(tmp_path / "any.json").stamp
    assert ["SELECT LEN('abc') AS n", "duckdb", "SELECT LENGTH('abc') AS n"] in stored["entries"]

    sql._translations.clear()  # a later process: the stored text is used, not translated again
    stored["entries"] = [["SELECT 'redshift text'", "duckdb", "SELECT 'the stored translation'"]]
    translations_path(warehouse.path).write_text(json.dumps(stored))
    later = DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))
    assert later.query("SELECT 'redshift text'") == [("the stored translation",)]


def test_a_new_process_reads_the_lineage_an_earlier_one_traced(tmp_path, fresh_process, monkeypatch):
    spec = next(spec for spec in MODEL_SPECS if spec.name == "dim_users")
    warehouse = DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))
    warehouse.ensure_table("learning", "stg_users")
    with warehouse.session():
        models.ensure_model_table(warehouse, spec)
        traced = models.column_lineage(spec, warehouse.table_schemas(models.lineage_tables(spec)))
    assert traced.deps_by_column["email"][0].column_name == "email"
    (entry,) = json.loads(lineage_path(warehouse.path).read_text())["entries"]
    assert entry[0] == sql.read_sql("learning", "dim_users") and entry[-1]["email"] == [["learning", "stg_users", "email"]]

    lineage._traced.clear()  # a later process: the stored lineage is used, not traced again
    monkeypatch.setattr(lineage, "trace", lambda *args: pytest.fail("traced again"))
    later = DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))
    with later.session():
        assert models.column_lineage(spec, later.table_schemas(models.lineage_tables(spec))) == traced


@pytest.mark.parametrize("content", ['{"stamp": "sqlglot 0.0 other code", "entries": [["SELECT 1", "duckdb", "SELECT 2"]]}',
                                     "{not json", '{"stamp": null}', ""])
def test_a_stale_or_unreadable_file_is_ignored_and_replaced(tmp_path, fresh_process, content):
    path = tmp_path / "translations.json"
    path.write_text(content)
    store = translation_store(path)
    store.load()
    assert to_dialect("SELECT 1", "duckdb") == "SELECT 1"
    store.save()
    assert json.loads(path.read_text())["entries"] == [["SELECT 1", "duckdb", "SELECT 1"]]


def test_a_place_it_cannot_write_to_costs_nothing_but_the_translation(tmp_path, fresh_process):
    not_a_folder = tmp_path / "a_file"
    not_a_folder.write_text("")
    store = translation_store(not_a_folder / "translations.json")
    store.load()
    assert to_dialect("SELECT LEN('abc')", "duckdb") == "SELECT LENGTH('abc')"
    store.save()  # no error: the next process translates again
    assert not_a_folder.read_text() == ""
