"""What a load does on Redshift inside the write transaction `RedshiftWarehouse.load_batch` opens and retries.

COPY cannot tell which file a row came from: `write_manifests` gives every COPY its own manifest, a partition's
small JSON files merged into a few objects whose records carry `_source_file` (redshift_merge.py), every other file
alone (`FileCopy`). `load_partitions` COPYs each request's files into one temporary table, names each row's file,
gathers the rows COPY skipped (redshift_load_errors.py) and the NaN/Infinity it loaded (redshift_misfits.py), and
replaces each partition with `DELETE` + `INSERT` (never `TRUNCATE`, which commits on its own).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Sequence

from capstone_assets.lib import statements as st
from capstone_assets.lib.sql import ident, literal
from capstone_assets.resources.lake import Lake
from capstone_assets.resources.redshift_load_errors import CopyFailed, skipped_rows
from capstone_assets.resources.redshift_merge import jsonpaths_with_source_file, merge_small_files, origin
from capstone_assets.resources.redshift_misfits import reject_non_finite
from capstone_assets.resources.redshift_retry import is_retryable
from capstone_assets.resources.warehouse import LoadOutcome, LoadRequest, RejectedRow, check_rejects, confirm_unchanged

if TYPE_CHECKING:
    from capstone_assets.resources.redshift_warehouse import RedshiftTransaction


@dataclass(frozen=True)
class FileCopy:
    """One COPY: its manifest, its s3:// URI, and the key `_source_file` names; for a merged object of small files
    (redshift_merge.py) the original (key, line) of each of its lines, and the JSONPaths file that adds
    `_source_file`, if the table has one."""

    manifest_uri: str
    uri: str
    source_key: str
    origins: tuple[tuple[str, int], ...] = ()
    jsonpaths: str | None = None

    @property
    def merged(self) -> bool:
        return bool(self.origins)

    def located(self, line: int | None) -> tuple[str, int | None]:
        """(original key, line) of a line of this COPY's object."""
        return origin(self.origins, line) or (self.source_key, line)


def write_manifests(request: LoadRequest, lake: Lake, folder: str) -> list[FileCopy]:
    """One manifest per COPY under `folder`, which the load removes afterwards. COPY cannot tell which file a row
    came from: small JSON files are merged into a few objects whose records carry `_source_file`
    (redshift_merge.py); every other file is its own COPY."""
    merged, alone = merge_small_files(request, lake, folder)
    jsonpaths = request.options.get("jsonpaths")
    merged_jsonpaths = jsonpaths_with_source_file(lake, jsonpaths, folder) if merged and jsonpaths else None
    objects = [(obj.key, obj.size, request.source_key(obj.key), (), None) for obj in alone]
    objects += [(m.key, m.size, m.key, m.origins, merged_jsonpaths) for m in merged]
    copies = []
    for index, (object_key, size, source_key, origins, copy_jsonpaths) in enumerate(objects):
        key = f"{folder}{index:06d}.manifest"
        entry = {"url": lake.uri(object_key), "mandatory": True, "meta": {"content_length": size}}
        lake.write_bytes(key, json.dumps({"entries": [entry]}).encode("utf-8"))
        copies.append(FileCopy(lake.uri(key), lake.uri(object_key), source_key, origins, copy_jsonpaths))
    return copies


def load_partitions(tx: RedshiftTransaction, requests: Sequence[LoadRequest], copies: Sequence[list[FileCopy]],
                    lake: Lake, copy_statement: Callable[..., str], connect: Callable[[], Any]) -> list[LoadOutcome]:
    """Inside the load's write transaction: every request's files (`copies`, from `write_manifests`) COPYed with
    `copy_statement` into one temporary table, their rejected rows gathered (the skipped ones read on a second
    connection, `connect()`), and each partition replaced. A COPY that fails for a reason not worth retrying is
    raised as CopyFailed, its rejected rows to be read after the rollback."""
    first = requests[0]
    staging = ident(f"_load_{first.table}"[:63])
    file_columns = [column for column, _ in first.file_fields]
    # the file's columns and _source_file, all nullable (CREATE TABLE AS keeps no NOT NULL)
    tx.execute(st.create_table_as(
        staging, f"SELECT {', '.join(ident(c) for c in file_columns)}, \"_source_file\" FROM {first.target} WHERE 1 = 0",
        temporary=True))
    outcomes = []
    for index, (request, files) in enumerate(zip(requests, copies)):
        if index:
            tx.execute(f"DELETE FROM {staging}")  # not TRUNCATE: it would commit
        rejected: list[RejectedRow] = []
        for file in files:
            try:
                tx.execute(copy_statement(request, staging, file.manifest_uri, lake,
                                          compressed=file.uri.endswith(".gz"), with_source_file=file.merged,
                                          jsonpaths=file.jsonpaths))
            except Exception as error:
                if is_retryable(error):
                    raise
                raise CopyFailed(request, file, error, tuple(rejected)) from error
            if len(files) > 1 and not file.merged:  # a merged object's records name their files themselves
                tx.execute(f'UPDATE {staging} SET "_source_file" = {literal(file.source_key)} '
                           'WHERE "_source_file" IS NULL')
            if request.max_rejected_rows:  # COPY succeeded but may have skipped up to MAXERROR rows
                rejected += skipped_rows(tx, file, connect)
        rejected += reject_non_finite(tx, request, staging, lake, rejected)  # NaN/Infinity COPY let in
        check_rejects(request, rejected)
        outcomes.append(LoadOutcome(rows=_replace_partition(tx, request, staging, files), rejected=tuple(rejected)))
    tx.execute(st.drop("TABLE", staging))  # temporary tables live as long as the session
    confirm_unchanged(requests, lake)  # a file still being written is never committed
    return outcomes


def _replace_partition(tx: RedshiftTransaction, request: LoadRequest, staging: str, files: list[FileCopy]) -> int:
    file_columns = [column for column, _ in request.file_fields]
    target_columns = ", ".join(ident(c) for c in file_columns + list(request.partition) + ["_source_file"])
    # literals, not parameters: Redshift cannot type a bind parameter in the select list of INSERT ... SELECT
    one_file = len(files) == 1 and not files[0].merged
    source_file = literal(files[0].source_key) if one_file else '"_source_file"'
    select_list = [ident(c) for c in file_columns] + [literal(v) for v in request.partition.values()] + [source_file]
    where, params = request.partition_filter()
    tx.execute(f"DELETE FROM {request.target} WHERE {where}", params)
    tx.execute(f"INSERT INTO {request.target} ({target_columns}) SELECT {', '.join(select_list)} FROM {staging}")
    return int(tx.query(f"SELECT COUNT(*) FROM {staging}")[0][0])
