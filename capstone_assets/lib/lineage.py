"""Column lineage of a SELECT: which upstream columns each output column comes from, traced with sqlglot.

Traced once per SELECT and upstream schema in a process, and kept beside the DuckDB warehouse for the next
process (`lineage_store`): tracing a run's models costs it about 0.3 s.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.lineage import to_node
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import build_scope
from sqlglot.schema import ensure_schema

from capstone_assets.lib.stored_memo import StoredMemo, code_stamp

Upstream = tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]  # (schema, table, ((column, type), ...)) each
Traced = dict[str, list[list[str]]]  # output column -> its upstream [schema, table, column], sorted

_traced: dict[tuple[str, str], Traced] = {}  # (SELECT, upstream as JSON) -> what `trace` found


def traced_columns(select: str, upstream: Upstream) -> Traced:
    """The upstream columns of each output column of `select`, reading the tables of `upstream`."""
    key = (select, json.dumps(upstream))
    if key not in _traced:
        _traced[key] = trace(select, upstream)
    return _traced[key]


def trace(select: str, upstream: Upstream) -> Traced:
    """What `sqlglot.lineage.lineage(column, ...)` finds for every column, but parsed and qualified once."""
    schema: dict[str, dict[str, dict[str, str]]] = {}
    for db, table, columns in upstream:
        schema.setdefault(db, {})[table] = dict(columns)
    try:
        sqlglot_schema = ensure_schema(schema, dialect="redshift")
        tree = qualify(sqlglot.parse_one(select, read="redshift"), dialect="redshift", schema=sqlglot_schema,
                       validate_qualify_columns=False, identify=False)
        scope = build_scope(tree)
        if not isinstance(scope.expression, exp.Selectable):
            return {}
    except Exception:  # not a query sqlglot can scope: no lineage, as `lineage()` would raise
        return {}
    found: Traced = {}
    cache: dict = {}
    for column in dict.fromkeys(s.alias_or_name for s in scope.expression.selects):
        try:
            # trim_selects only relabels inner nodes (a copy of their SELECT each); the leaves are the same
            node = to_node(column, scope, "redshift", schema=sqlglot_schema, trim_selects=False, _cache=cache)
        except Exception:  # a column sqlglot cannot trace (e.g. a window over *) simply has no lineage entry
            continue
        deps = source_columns(node)
        if deps:
            found[column] = [list(dep) for dep in deps]
    return found


def source_columns(node) -> list[tuple[str, str, str]]:
    """The (schema, table, column) a sqlglot lineage node's leaves read from schema-qualified tables, sorted."""
    return sorted({
        (leaf.source.db, leaf.source.name, leaf.name.split(".")[-1])
        for leaf in node.walk()
        if not leaf.downstream and isinstance(leaf.source, exp.Table) and leaf.source.db
    })


@functools.cache
def _stamp() -> str:
    return code_stamp(trace)


def lineage_store(path: Path) -> StoredMemo:
    """This process's traced lineage, stored in `path` (read back by the next process)."""
    return StoredMemo(path, _traced, _stamp())
