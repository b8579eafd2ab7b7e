"""What is sent for each SQL file under sql/ is what the file says, or a reviewed rewrite listed here.

A file's text is compared with the statements the server received after removing `--` comments and collapsing
white space; nothing else is forgiven. A DDL file may arrive through one of REVIEWED_REWRITES, each a
deliberate product decision (docs/production.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from capstone_assets.lib.sql import SQL_DIR

COMMENT = re.compile(r"--[^\n]*")
SPACE = re.compile(r"\s+")
# (name, what the file says -> what may be sent instead): decisions reviewed against the Redshift docs
REVIEWED_REWRITES = (
    ("CREATE TABLE IF NOT EXISTS", lambda text: re.sub(r"^CREATE TABLE ", "CREATE TABLE IF NOT EXISTS ", text)),
)


@dataclass(frozen=True)
class SqlFile:
    path: Path
    text: str  # normalised


def normalise(sql: str) -> str:
    return SPACE.sub(" ", COMMENT.sub(" ", sql)).strip().rstrip(";").strip()


def sql_files() -> list[SqlFile]:
    return [SqlFile(path.relative_to(SQL_DIR.parent), normalise(path.read_text(encoding="utf-8")))
            for path in sorted(SQL_DIR.glob("*/*.sql"))]


def normalised_statements(statements) -> list[str]:
    """Every statement as sent; for UNLOAD also its query, unquoted."""
    from capstone_assets_tests.prod_path.unload_command import parse_unload

    texts = set()
    for statement in statements:
        texts.add(normalise(statement.sql))
        if statement.sql.lstrip()[:6].upper() == "UNLOAD":
            texts.add(normalise(parse_unload(statement.sql).query))
    return sorted(texts)


def used(file: SqlFile, sent: list[str]) -> bool:
    candidates = [file.text] + [rewrite(file.text) for _, rewrite in REVIEWED_REWRITES]
    return any(candidate in statement for statement in sent for candidate in candidates)


def mismatches(files: list[SqlFile], sent: list[str]) -> dict[str, str]:
    """Each file not sent as written -> the start of a statement that names its table (or 'never sent')."""
    found = {}
    for file in files:
        if used(file, sent):
            continue
        group, name = file.path.parent.name, file.path.stem
        names = (f'"{group}"."{name}"', f"{group}.{name}")
        near = next((s for s in sent if any(n in s for n in names) and not s.startswith(("SELECT COUNT", "LOCK"))), None)
        found[str(file.path)] = near[:300] if near else "never sent"
    return found
