"""DuckDBWarehouse sessions: one connection per Dagster run, and a failed load leaves it clean."""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from capstone_assets.resources import DuckDBWarehouse, LocalLake
from capstone_assets.resources.warehouse import LoadError, LoadRequest
from capstone_assets_tests.reliability.lakes import FEBRUARY, partition, spec_for, video_rows, write_video_log


def request_for(settings, lake, month):
    spec = spec_for(settings, "stg_video_log")
    key = f"learning/data_science/{month.year}/{month.month}/video_log.csv"
    files = tuple(o for o in lake.list(key.rsplit("/", 1)[0] + "/") if o.key == key)
    return LoadRequest(schema="learning", table="stg_video_log", columns=spec.columns,
                       file_fields=tuple((c.name, c.name) for c in spec.file_columns), format="csv",
                       files=files, partition=partition(month))


def test_a_failed_load_in_a_session_rolls_back_and_resets_the_connection(settings, lake_dir):
    warehouse = DuckDBWarehouse(path=str(settings.duckdb_path))
    lake = LocalLake(root=str(lake_dir))
    write_video_log(lake_dir, video_rows(3))
    path = write_video_log(lake_dir, video_rows(2, FEBRUARY, first_id=10), FEBRUARY)
    path.write_text(path.read_text() + "99,1,seven,2019-02-02 00:00:00,30\n")
    with warehouse.session():
        warehouse.ensure_table("learning", "stg_video_log")
        january, february = request_for(settings, lake, partition()["month"]), request_for(settings, lake, FEBRUARY)
        with pytest.raises(LoadError, match="line 4"):
            warehouse.load_batch([january, february], lake)
        assert warehouse.query("SELECT current_setting('preserve_insertion_order')") == [(True,)]
        assert warehouse.row_count("learning", "stg_video_log") == 0  # January rolled back with February
        assert [o.rows for o in warehouse.load_batch([january], lake)] == [3]


def test_steps_of_one_run_share_a_connection_closed_when_the_run_ends(settings):
    warehouse = DuckDBWarehouse(path=str(settings.duckdb_path))
    seen = []

    @dg.asset
    def first(warehouse: DuckDBWarehouse):
        with warehouse.session():
            warehouse.execute("CREATE TABLE t AS SELECT 1 AS x")
            seen.append(warehouse._session_connection)

    @dg.asset(deps=[first])
    def second(warehouse: DuckDBWarehouse):
        with warehouse.session():
            seen.append(warehouse._session_connection)
            return dg.MaterializeResult(metadata={"rows": warehouse.row_count("main", "t")})

    assert dg.materialize([first, second], resources={"warehouse": warehouse}).success
    assert len(seen) == 2 and seen[0] is seen[1]
    with pytest.raises(duckdb.ConnectionException):  # closed when the run ended
        seen[0].execute("SELECT 1")


def test_insert_rows_writes_every_row_in_batches_of_multi_row_inserts(tmp_path, monkeypatch):
    from capstone_assets.resources import warehouse as base

    warehouse = DuckDBWarehouse(path=str(tmp_path / "rows.duckdb"))
    warehouse.execute("CREATE SCHEMA s", "CREATE TABLE s.t (id INTEGER, note VARCHAR)")
    rows = [(i, None if i % 7 == 0 else f"it's row {i}") for i in range(base.INSERT_BATCH * 2 + 5)]
    statements = []
    with warehouse.transaction() as tx:
        execute = type(tx).execute
        monkeypatch.setattr(type(tx), "execute", lambda self, sql, params=(): statements.append(sql) or execute(self, sql, params))
        tx.insert_rows("s", "t", ("id", "note"), rows)
        tx.insert_rows("s", "t", ("id", "note"), [])
    assert len(statements) == 3
    assert warehouse.query("SELECT id, note FROM s.t ORDER BY id") == rows
