"""The reviewed rewrites: what the harness changes in a statement before PostgreSQL runs it, and why.

Everything else runs verbatim. Each rewrite is tested (test_harness_rules.py) and listed in docs/production.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Rewrite:
    name: str
    reason: str
    apply: Callable[[str], str]


_LAYOUT = re.compile(
    r"\s+(?:DISTSTYLE\s+(?:ALL|EVEN|KEY|AUTO)\b|DISTKEY\s*\([^)]*\)|(?:COMPOUND\s+|INTERLEAVED\s+)?SORTKEY\s*\([^)]*\)"
    r"|SORTKEY\s+AUTO\b|BACKUP\s+(?:YES|NO)\b)", re.IGNORECASE)
_CREATE = re.compile(r"(\s|--[^\n]*\n|/\*.*?\*/)*CREATE\b", re.IGNORECASE | re.DOTALL)  # after leading comments
_ENCODE = re.compile(r"\s+ENCODE\s+\w+", re.IGNORECASE)
_DATEPART_FUNCTION = re.compile(r"\b(DATEADD|DATEDIFF|DATE_ADD|DATE_DIFF)\s*\(\s*([A-Za-z_]+)\s*,", re.IGNORECASE)


def _drop_layout(sql: str) -> str:
    if not _CREATE.match(sql):
        return sql
    return _ENCODE.sub("", _LAYOUT.sub("", sql))


def _quote_datepart(sql: str) -> str:
    return _DATEPART_FUNCTION.sub(lambda m: f"{m.group(1)}('{m.group(2).lower()}',", sql)


REWRITES: tuple[Rewrite, ...] = (
    Rewrite("physical layout dropped", "DISTSTYLE/DISTKEY/SORTKEY/ENCODE/BACKUP in CREATE TABLE are Redshift storage "
            "hints PostgreSQL does not know; they do not change any row", _drop_layout),
    Rewrite("datepart quoted", "DATEADD(day, ...)/DATEDIFF(day, ...) take the datepart as a bare word, which "
            "PostgreSQL reads as a column; the shim takes it as text", _quote_datepart),
)


def rewrite(sql: str) -> str:
    for item in REWRITES:
        sql = item.apply(sql)
    return sql
