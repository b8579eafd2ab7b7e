"""Locate in a CSV file the records whose values do not fit their columns exactly (lib/value_rules.misfit).

Both engines find in SQL that some rows did not fit and then come here for file, line, column, reason and raw line:
DuckDB for the records its exact-fit cast left out, Redshift for the NaN/Infinity its COPY loaded
(redshift_misfits.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Container, Sequence

from capstone_assets.lib.csv_records import CsvParseError, open_data, records
from capstone_assets.lib.sql import Column
from capstone_assets.lib.value_rules import misfit
from capstone_assets.resources.warehouse import LoadError, RejectedRow


def locate_misfits(path: str | Path, key: str, columns: Sequence[tuple[Column, bool] | None],
                   skip_lines: Container[int] = ()) -> list[RejectedRow]:
    """Each data record of the CSV file at `path` (named `key`) with a value that does not fit its column, at the first
    such column. `columns`: the file's fields in order, each (column, UTC offsets allowed) or None when not checked.
    Records with another number of fields (the engines reject those themselves) and lines in `skip_lines` (already
    rejected) are passed over. A file that cannot be parsed is a LoadError naming it and the line."""
    found = []
    with open_data(path) as handle:
        handle.readline()  # the header
        try:
            for line, fields, raw in records(handle):
                if len(fields) != len(columns) or line in skip_lines:
                    continue
                for checked, value in zip(columns, fields):
                    if checked is not None and (reason := misfit(value, *checked)):
                        found.append(RejectedRow(file=key, line=line, column=checked[0].name, reason=reason, raw=raw))
                        break
        except CsvParseError as error:
            raise LoadError(f"{key}, {error}; nothing was changed") from None
    return found
