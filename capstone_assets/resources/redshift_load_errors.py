"""The rows a Redshift COPY rejected, read from SYS_LOAD_ERROR_DETAIL (provisioned and Serverless) and named by their
original file and line (a merged object's lines mapped back, redshift_merge.py).

- `skipped_rows`: after a COPY that succeeded with MAXERROR > 0, the rows it skipped;
- `copy_error`: after a COPY that failed and its transaction rolled back, its rejected rows as one LoadError.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Sequence

from capstone_assets.lib.sql import cut_to_bytes, literal
from capstone_assets.resources.warehouse import LoadError, LoadRequest, RejectedRow, Transaction

if TYPE_CHECKING:
    from capstone_assets.resources.redshift_load import FileCopy

LOAD_ERROR_FILE_BYTES = 256  # SYS_LOAD_ERROR_DETAIL.file_name is CHAR(256)


class CopyFailed(Exception):
    """A COPY failed with an error that is not worth retrying; its load errors are read after the rollback."""

    def __init__(self, request: LoadRequest, file: FileCopy, error: Exception, rejected_before: tuple[RejectedRow, ...]):
        super().__init__(str(error))
        self.request, self.file, self.error, self.rejected_before = request, file, error, rejected_before


def load_errors(query: Callable[[str], list[tuple]], files: Sequence[FileCopy], which: str,
                session: int | None = None) -> list[RejectedRow]:
    """Rows SYS_LOAD_ERROR_DETAIL holds for `files`, from this session's (or `session`'s) COPY `which` selects; file
    names and lines as in the original files."""
    names = {cut_to_bytes(file.uri, LOAD_ERROR_FILE_BYTES): file for file in files}
    rows = query(
        "SELECT TRIM(file_name), line_number, TRIM(column_name), TRIM(error_message) FROM sys_load_error_detail "
        f"WHERE session_id = {'pg_backend_pid()' if session is None else session} "
        f"AND TRIM(file_name) IN ({', '.join(map(literal, names))}) AND {which} "
        "ORDER BY line_number")
    located = [(names[name].located(line) if name in names else (name, line), column, reason)
               for name, line, column, reason in rows]
    return [RejectedRow(file=file, line=line, column=column or None, reason=reason)
            for (file, line), column, reason in located]


def skipped_rows(tx: Transaction, file: FileCopy, connect: Callable[[], Any]) -> list[RejectedRow]:
    """The rows the COPY just run skipped. Read on a second connection (`connect()`), filtered to the load's session
    and COPY: the load's own transaction reads from its snapshot, which may predate the rows the COPY logged."""
    copy_id, session = tx.query("SELECT pg_last_copy_id(), pg_backend_pid()")[0]
    reader = connect()
    try:
        cursor = reader.cursor()
        return load_errors(lambda sql: (cursor.execute(sql), [tuple(r) for r in cursor.fetchall()])[1], [file],
                           f"query_id = {int(copy_id)}", session=int(session))
    finally:
        reader.close()


def copy_error(failure: CopyFailed, query: Callable[[str], list[tuple]]) -> Exception:
    """After the failed COPY's transaction rolled back (`query` runs on the same session): its rejected rows as a
    LoadError, or, when it rejected none (a permission, a missing file), the COPY's own error."""
    uri = literal(cut_to_bytes(failure.file.uri, LOAD_ERROR_FILE_BYTES))
    latest = ("query_id = (SELECT MAX(query_id) FROM sys_load_error_detail WHERE session_id = pg_backend_pid() "
              f"AND TRIM(file_name) = {uri})")  # this session's last COPY of the file: the one that failed
    rejected = load_errors(query, [failure.file], latest)
    if not rejected:
        return failure.error
    request, every = failure.request, [*failure.rejected_before, *rejected]
    shown = "; ".join(row.describe() for row in every[:5])
    more = f" (and {len(every) - 5} more)" if len(every) > 5 else ""
    return LoadError(f"load of {request.schema}.{request.table} ({request.partition_label}) failed, nothing was "
                     f"changed: {shown}{more}", every)
