"""The rows a DuckDB load leaves out, each named with its file, line, column and reason, as Redshift's COPY names them.

After the load's one INSERT, in its transaction: `reject_too_long` removes the rows with a text longer than its
column's bytes (Redshift counts VARCHAR(n) in bytes, DuckDB in characters) and locates them in their files
(lib/byte_lengths.py); `rejected_records` reads the CSV records DuckDB itself rejected (its `_rejects` tables), each
at the physical line it starts on; `misfits_left_out` finds in the files the records the exact-fit cast left out
(misfits.py), and fails the load when the files' record count is not accounted for.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from capstone_assets.lib import byte_lengths
from capstone_assets.lib.csv_records import line_at_offset, open_data
from capstone_assets.resources.misfits import locate_misfits
from capstone_assets.resources.warehouse import LoadError, LoadRequest, Params, RejectedRow

if TYPE_CHECKING:
    from capstone_assets.resources.duckdb_warehouse import DuckDBTransaction


def reject_too_long(tx: DuckDBTransaction, request: LoadRequest, files: list[tuple[str, str, LoadRequest]],
                    where: str, params: Params) -> list[RejectedRow]:
    """Rows with a text longer than its column's bytes, removed and named with file, line and column: Redshift's
    COPY rejects them (VARCHAR(n) counts bytes), DuckDB would keep them."""
    limits = byte_lengths.limits(request.columns, [column for column, _ in request.file_fields])
    condition = byte_lengths.too_long_condition(limits)
    if condition is None:
        return []
    removed = tx.query(f"DELETE FROM {request.target} WHERE {where} AND ({condition}) RETURNING _source_file", params)
    if not removed:
        return []
    found = []
    for key in sorted({key for (key,) in removed}):
        path, _, owner = next(file for file in files if file[1] == key)
        located = byte_lengths.locate_too_long(Path(path), key, owner.format, owner.file_fields, limits, owner.columns)
        found += [RejectedRow(file=key, line=line, column=column, reason=reason) for line, column, reason in located]
        unlocated = sum(1 for (k,) in removed if k == key) - len(located)
        found += [RejectedRow(file=key, line=None, column=None, reason=byte_lengths.REASON.format(
            size="more", type="its column"))] * max(unlocated, 0)
    return found


def rejected_records(connection: duckdb.DuckDBPyConnection) -> list[RejectedRow]:
    """DuckDB's rejected records, each at the physical line it starts on (DuckDB's own `line` counts a
    quoted field's line breaks and blank lines its own way, so it is taken from the byte position)."""
    rows = connection.execute(
        "SELECT f.path, f.key, e.line_byte_position, e.column_name, e.error_type || ': ' || e.error_message, "
        "e.csv_line FROM _rejects AS e JOIN _reject_scans AS s ON e.scan_id = s.scan_id AND e.file_id = s.file_id "
        "JOIN _load_files AS f ON s.file_path = f.path ORDER BY f.key, e.line, e.column_idx"
    ).fetchall()
    rejected = []
    for path, key, position, column, reason, raw in rows:
        with open_data(path) as handle:
            line = line_at_offset(handle, position) if position is not None else None
        rejected.append(RejectedRow(file=key, line=line, column=column, reason=reason,
                                    raw=raw.lstrip("\r\n") if raw else raw))
    return rejected


def misfits_left_out(request: LoadRequest, files: list[tuple[str, str, LoadRequest]], rows_by_file: dict[str, int],
                     rejected: list[RejectedRow]) -> list[RejectedRow]:
    """The records `sql_fit` left out (a value that does not fit its column exactly), found in the files.
    Searched only when the table is short of the inspected record count (always when no count is given), so a
    clean load reads nothing more."""
    loaded = sum(rows_by_file.get(key, 0) for key in request.file_keys) + len(rejected)
    if request.format != "csv" or request.source_rows is not None and loaded >= request.source_rows:
        return []
    by_name = {column.name: column for column in request.columns}
    columns = [(by_name[column], column in request.utc_offset_columns) for column, _ in request.file_fields]
    found = []
    for path, key, owner in files:
        if owner is request:
            found += locate_misfits(path, key, columns, {row.line for row in rejected if row.file == key})
    if request.source_rows is not None and loaded + len(found) != request.source_rows:  # never lose a row unsaid
        raise LoadError(f"load of {request.schema}.{request.table} ({request.partition_label}): "
                        f"{request.source_rows} records in the files, {loaded} loaded or rejected and {len(found)} "
                        "found not to fit; nothing was changed")
    return found
