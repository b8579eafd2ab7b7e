"""The audit trail keeps a load's files one row each (capstone.load_files) and cuts texts to their columns' bytes."""

from __future__ import annotations

import datetime as dt

from capstone_assets.lib.audit import FILES_SHOWN, LoadRecord, fit, record_loads
from capstone_assets.resources import DuckDBWarehouse


def test_each_file_of_a_load_is_a_row_of_load_files(tmp_path):
    warehouse = DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))
    files = [f"stedi/customer/landing/part-{i}.json" for i in range(FILES_SHOWN + 5)]
    record_loads(warehouse, [LoadRecord("r1", "stedi.customer_landing", "all rows", files, 10, 10, [], "loaded", None,
                                        dt.datetime(2026, 1, 1))])
    assert [f for (f,) in warehouse.query("SELECT source_file FROM capstone.load_files ORDER BY recorded_at, source_file")] \
        == sorted(files)
    assert warehouse.query("SELECT files FROM capstone.load_audit")[0][0].endswith(",... and 5 more (capstone.load_files)")


def test_texts_are_cut_by_bytes_never_inside_a_character():
    (row,) = fit("rejected_rows", ("column_name", "reason", "line_number"), [("é" * 200, "€" * 30000, 7)])
    assert len(row[0].encode()) == 256 and row[0] == "é" * 128
    assert len(row[1].encode()) <= 65535 and row[1] == "€" * 21845 and row[2] == 7
