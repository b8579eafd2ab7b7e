"""NaN and Infinity in a CSV load on Redshift, refused as the DuckDB path refuses them (issue 14, exact fit).

Redshift's COPY loads `NaN`, `inf`, `Infinity` and `-Infinity` into REAL and DOUBLE PRECISION columns (its error 1208
covers only malformed numbers) and no COPY option refuses them. So, after the COPYs into the load's temporary table
and before the partition is replaced, one query counts the rows holding a non-finite float, per file; only then are
those files read, and the rows located in them by the DuckDB path's rules (misfits.py). They are rejected with file,
line, column, reason and raw line, and deleted from the temporary table: the load's `max_rejected_rows` decides, as
for every rejected row, whether the rest loads or nothing changes. Tables without float columns, and JSON loads
(their values are checked at inspection), send no extra query.
"""

from __future__ import annotations

from typing import Sequence

from capstone_assets.lib.sql import ident
from capstone_assets.lib.value_rules import column_kind
from capstone_assets.resources.lake import Lake
from capstone_assets.resources.misfits import locate_misfits
from capstone_assets.resources.warehouse import LoadError, LoadRequest, RejectedRow, Transaction


def non_finite_condition(request: LoadRequest) -> str | None:
    """SQL true for a row with NaN or +/-Infinity in a float column of a CSV load; None when there is nothing to check.

    `x - x` is 0 for every finite x (exact in IEEE 754 arithmetic, which Redshift's REAL and DOUBLE PRECISION follow,
    and it cannot overflow), NaN for NaN, Infinity and -Infinity, and NULL for NULL. `NaN <> 0` is true both under
    IEEE 754 (NaN is unordered: only `<>` holds) and under PostgreSQL's ordering (NaN equals only NaN and sorts above
    every number), so the test never depends on how NaN compares with itself or on a function Redshift may lack."""
    if request.format != "csv":
        return None
    by_name = {column.name: column for column in request.columns}
    floats = [name for name, _ in request.file_fields if _is_float(by_name[name])]
    return " OR ".join(f"{ident(name)} - {ident(name)} <> 0" for name in floats) or None


def _is_float(column) -> bool:
    kind = column_kind(column)
    return kind is not None and kind.name == "float"


def reject_non_finite(tx: Transaction, request: LoadRequest, staging: str, lake: Lake,
                      rejected: Sequence[RejectedRow]) -> list[RejectedRow]:
    """The rows of `staging` (the request's files, COPYed) with a non-finite float, located in their files and deleted
    from `staging`. `rejected`: the rows COPY itself skipped, not reported twice."""
    condition = non_finite_condition(request)
    if condition is None:
        return []
    counts = tx.query(f'SELECT "_source_file", COUNT(*) FROM {staging} WHERE {condition} GROUP BY 1')
    if not counts:
        return []
    lake_keys = {request.source_key(obj.key): obj.key for obj in request.files}
    only_file = next(iter(lake_keys)) if len(lake_keys) == 1 else None  # one file's rows carry no _source_file
    by_name = {column.name: column for column in request.columns}
    columns = [(by_name[name], False) if _is_float(by_name[name]) else None for name, _ in request.file_fields]
    found: list[RejectedRow] = []
    for source_key, count in sorted(counts, key=lambda row: row[0] or ""):
        key = source_key or only_file
        with lake.local_file(lake_keys[key]) as path:
            located = locate_misfits(path, key, columns, {row.line for row in rejected if row.file == key})
        if len(located) != count:  # never lose a row unsaid
            raise LoadError(f"load of {request.schema}.{request.table} ({request.partition_label}): {count} row(s) of "
                            f"{key} hold NaN or Infinity in a float column but {len(located)} were found in the file; "
                            "nothing was changed")
        found += located
    tx.execute(f"DELETE FROM {staging} WHERE {condition}")
    return found
