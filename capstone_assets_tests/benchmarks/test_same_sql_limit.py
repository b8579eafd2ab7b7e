"""The like-for-like limit: the models built straight from their SELECTs, in dependency order, and their row counts
compared with the pipeline's tables before any ratio is reported."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from benchmarks import baselines, data, run
from capstone_assets.learning.specs import MODEL_SPECS
from capstone_assets.lib.models import source_tables


def test_every_model_comes_after_the_models_it_reads():
    order = [spec.key for spec in baselines.in_dependency_order(MODEL_SPECS)]
    assert sorted(order, key=str) == sorted((spec.key for spec in MODEL_SPECS), key=str)
    for spec in MODEL_SPECS:
        for source in source_tables(spec.group, spec.name):
            if source in order:
                assert order.index(source) < order.index(spec.key), (source, spec.key)


def _warehouse(path: Path, rows: dict[str, int]) -> None:
    with duckdb.connect(str(path)) as connection:
        connection.execute("CREATE SCHEMA learning")
        for name, count in rows.items():
            connection.execute(f"CREATE TABLE learning.{name} AS SELECT range AS n FROM range({count})")


def test_a_model_with_other_rows_than_the_pipeline_stops_the_benchmark(tmp_path: Path, monkeypatch):
    models = [spec for spec in MODEL_SPECS if spec.name in ("dim_users", "word_positions")]
    monkeypatch.setattr(run, "MODEL_SPECS", models)
    workload = data.Workload(tmp_path, 1.0)
    _warehouse(workload.warehouse("limit"), {"dim_users": 3, "word_positions": 5})
    _warehouse(workload.warehouse("pipeline"), {"dim_users": 3, "word_positions": 5})
    run.same_tables(workload)

    workload.warehouse("pipeline").unlink()
    _warehouse(workload.warehouse("pipeline"), {"dim_users": 2, "word_positions": 5})
    with pytest.raises(AssertionError, match=r"\{'dim_users': \(3, 2\)\}"):
        run.same_tables(workload)


def test_the_flights_replay_keeps_an_explicit_transaction_up_to_its_slowest_statement_even_its_commit(tmp_path):
    from benchmarks.clock import Clock
    from capstone_assets.flights.specs import FLIGHTS

    clock, connection = Clock(keep_slowest_transaction=True), object()
    for sql, seconds in [("SELECT 1", 5.0), ("BEGIN TRANSACTION", 0.0), ('DELETE FROM "flights"."flights" WHERE 1 = 1', 1.0),
                         ("COMMIT", 2.0), ("SELECT 2", 9.0)]:  # a read runs outside any transaction: never kept
        clock.statement(connection, sql, [], seconds)
    kept = clock.slowest_transaction
    assert [sql for sql, _, _ in kept] == ["SELECT 1", "BEGIN TRANSACTION", 'DELETE FROM "flights"."flights" WHERE 1 = 1',
                                          "COMMIT"]
    replayed = baselines.same_statements(FLIGHTS, kept, tmp_path / "replay.duckdb")  # no second COMMIT
    assert replayed["statements"] == 4 and replayed["slowest"] == "SELECT 1"
