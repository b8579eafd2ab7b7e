"""Translations stored beside the warehouse: read back by the next process, ignored when stale or unreadable."""

from __future__ import annotations

import json

import pytest

from capstone_assets.lib import sql
from capstone_assets.lib.sql import TranslationCache, to_dialect
from capstone_assets.resources.duckdb_warehouse import DuckDBWarehouse, translations_path


@pytest.fixture
def fresh_process(monkeypatch):
    """This process's translations start empty, as in a new Dagster run process."""
    monkeypatch.setattr(sql, "_translations", {})


def test_a_new_process_reads_what_an_earlier_one_translated(tmp_path, fresh_process):
    warehouse = DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))
    assert warehouse.query("SELECT LEN('abc') AS n") == [(3,)]
    stored = json.loads(translations_path(warehouse.path).read_text())
    assert stored["stamp"] == sql._translation_stamp()
    assert ["SELECT LEN('abc') AS n", "duckdb", "SELECT LENGTH('abc') AS n"] in stored["translations"]

    sql._translations.clear()  # a later process: the stored text is used, not translated again
    stored["translations"] = [["SELECT 'redshift text'", "duckdb", "SELECT 'the stored translation'"]]
    translations_path(warehouse.path).write_text(json.dumps(stored))
    later = DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))
    assert later.query("SELECT 'redshift text'") == [("the stored translation",)]


@pytest.mark.parametrize("content", ['{"stamp": "sqlglot 0.0 other code", "translations": [["SELECT 1", "duckdb", "SELECT 2"]]}',
                                     "{not json", '{"stamp": null}', ""])
def test_a_stale_or_unreadable_file_is_ignored_and_replaced(tmp_path, fresh_process, content):
    path = tmp_path / "translations.json"
    path.write_text(content)
    cache = TranslationCache(path)
    cache.load()
    assert to_dialect("SELECT 1", "duckdb") == "SELECT 1"
    cache.save()
    assert json.loads(path.read_text())["translations"] == [["SELECT 1", "duckdb", "SELECT 1"]]


def test_a_place_it_cannot_write_to_costs_nothing_but_the_translation(tmp_path, fresh_process):
    not_a_folder = tmp_path / "a_file"
    not_a_folder.write_text("")
    cache = TranslationCache(not_a_folder / "translations.json")
    cache.load()
    assert to_dialect("SELECT LEN('abc')", "duckdb") == "SELECT LENGTH('abc')"
    cache.save()  # no error: the next process translates again
    assert not_a_folder.read_text() == ""
