"""A process's memo of sqlglot results kept in a JSON file beside the warehouse, for the next process.

Every Dagster run is a process of its own; what sqlglot computed for the same SQL in an earlier run (a statement's
DuckDB translation, a model's column lineage) is read back instead of computed again.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable

import sqlglot


def code_stamp(*code: Callable | object) -> str:
    """What a stored result depends on: the sqlglot release and the code that computed it."""
    text = "".join(inspect.getsource(part) if callable(part) else repr(part) for part in code)
    return f"sqlglot {sqlglot.__version__} {hashlib.sha256(text.encode()).hexdigest()[:16]}"


class StoredMemo:
    """`memo` (keys: tuples of strings; values: JSON) read from `path` and written back with what this process added.

    A file from another stamp, or one that cannot be read, is ignored (and replaced on the next save); a save
    replaces the file atomically, so a reader never sees half of one, and a folder it cannot write to only means
    computing again next time."""

    MAX_ENTRIES = 5000

    def __init__(self, path: Path, memo: dict[tuple[str, ...], Any], stamp: str):
        self.path, self.memo, self.stamp = path, memo, stamp
        self._known = 0  # entries this process had when the file was last read or written (entries only grow)

    def load(self) -> None:
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
            if document.get("stamp") != self.stamp:
                return
            entries = {tuple(entry[:-1]): entry[-1] for entry in document["entries"]}
        except (OSError, ValueError, KeyError, TypeError):
            return
        for key, value in entries.items():
            self.memo.setdefault(key, value)
        self._known = len(entries)

    def save(self) -> None:
        if len(self.memo) <= self._known:
            return
        keys = list(self.memo)[-self.MAX_ENTRIES:]
        document = {"stamp": self.stamp, "entries": [[*key, self.memo[key]] for key in keys]}
        try:
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.name, suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                json.dump(document, file)
            os.chmod(temporary, 0o644)
            os.replace(temporary, self.path)
        except OSError:  # e.g. a read-only folder
            return
        self._known = len(self.memo)
