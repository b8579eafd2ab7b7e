"""Where a benchmark child's wall time goes: exclusive buckets (`sql`, `source_file_checks`, `column_lineage`,
`sql_translation`) around the project's own functions and every DuckDB call; the rest is orchestration. Across the
buckets, the loads' statements (`file_read_seconds`) and the checks' evaluation (`checks_seconds`) are tallied too."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from contextlib import contextmanager
from typing import Callable, Iterator


class Clock:
    """Exclusive wall time per bucket: entering an inner bucket pauses the outer one."""

    def __init__(self, keep_slowest_transaction: bool = False) -> None:
        self.keep_slowest_transaction = keep_slowest_transaction
        self.totals: dict[str, float] = defaultdict(float)
        self._stack: list[str] = []
        self._mark = 0.0
        self.slowest_transaction: list[tuple[str, list, float]] = []  # (sql, params, seconds)
        self._slowest_seconds = 0.0
        self._transactions: dict[int, list[tuple[str, list, float]]] = defaultdict(list)  # by connection
        self._open: set[int] = set()  # the connections inside an explicit transaction
        self.file_read_seconds = 0.0  # in statements that read the lake's files (the loads), within `sql`
        self.checks_seconds = 0.0  # evaluating the asset checks, their queries included (across the buckets)

    def statement(self, connection: object, sql: str, params: list, seconds: float) -> None:
        """Keep the statements the connection ran since its last commit up to the slowest statement so far inside an
        explicit transaction (that transaction, with the settings made before it), in order. A DuckDB read runs
        outside any transaction, so it is never the slowest statement kept."""
        if "read_csv(" in sql or "read_json(" in sql:
            self.file_read_seconds += seconds
        if not self.keep_slowest_transaction:
            return
        transaction, word = self._transactions[id(connection)], sql.lstrip().upper()
        transaction.append((sql, params, seconds))
        if word.startswith("BEGIN"):
            self._open.add(id(connection))
        if id(connection) in self._open and seconds > self._slowest_seconds:
            self._slowest_seconds, self.slowest_transaction = seconds, list(transaction)
        if word.startswith(("COMMIT", "ROLLBACK")):
            transaction.clear()
            self._open.discard(id(connection))

    @contextmanager
    def measure(self, bucket: str) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield  # a worker thread's time is inside the main thread's call that waits for it
            return
        now = time.perf_counter()
        if self._stack:
            self.totals[self._stack[-1]] += now - self._mark
        self._stack.append(bucket)
        self._mark = now
        try:
            yield
        finally:
            now = time.perf_counter()
            self.totals[self._stack.pop()] += now - self._mark
            self._mark = now

    def timed(self, bucket: str, function: Callable) -> Callable:
        def wrapper(*args, **kwargs):
            with self.measure(bucket):
                return function(*args, **kwargs)

        return wrapper

    def checks(self, function: Callable) -> Callable:
        """`function` (a check evaluation) with its whole time, its SQL included, added to `checks_seconds`."""
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.checks_seconds += time.perf_counter() - started

        return wrapper


class TimedConnection:
    """A DuckDB connection whose calls count as SQL time (`execute` returns the proxy, as DuckDB returns itself)."""

    def __init__(self, connection, clock: Clock):
        self._connection, self._clock = connection, clock

    def __getattr__(self, name):
        return getattr(self._connection, name)

    def execute(self, sql, params=None):
        started = time.perf_counter()
        with self._clock.measure("sql"):
            self._connection.execute(sql, params)
        self._clock.statement(self, sql, list(params or []), time.perf_counter() - started)
        return self

    def fetchall(self):
        with self._clock.measure("sql"):
            return self._connection.fetchall()

    def fetchone(self):
        with self._clock.measure("sql"):
            return self._connection.fetchone()

    def close(self):
        with self._clock.measure("sql"):
            self._connection.close()


@contextmanager
def instrumented(clock: Clock) -> Iterator[None]:
    from capstone_assets.lib import loading, models, staging
    from capstone_assets.resources import duckdb_warehouse

    warehouse_class = duckdb_warehouse.DuckDBWarehouse
    connect = warehouse_class._connect
    patches = [
        (loading, "source_rows", clock.timed("source_file_checks", loading.source_rows)),
        (loading, "prepare_partitions", clock.timed("source_file_checks", loading.prepare_partitions)),
        (models, "column_lineage", clock.timed("column_lineage", models.column_lineage)),
        (models, "evaluate_checks", clock.checks(models.evaluate_checks)),
        (staging, "evaluate_checks", clock.checks(staging.evaluate_checks)),
        (staging, "row_count_check", clock.checks(staging.row_count_check)),
        (duckdb_warehouse, "to_dialect", clock.timed("sql_translation", duckdb_warehouse.to_dialect)),
        (warehouse_class, "_connect", lambda self: TimedConnection(clock.timed("sql", connect)(self), clock)),
    ]
    originals = [(owner, name, getattr(owner, name)) for owner, name, _ in patches]
    try:
        for owner, name, replacement in patches:
            setattr(owner, name, replacement)
        yield
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)
