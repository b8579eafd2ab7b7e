"""How a `capstone run` process talks to the Dagster instance's storage.

A run writes an event per step, partition and check, and Dagster's storages open a new database connection for
every one of them (SQLAlchemy's NullPool, so that the webserver's and daemon's many instances hold no idle
connections). One `capstone run` is one process writing its own run, so it keeps its connections open instead:

- PostgreSQL: Dagster's own switch for long-lived processes (otherwise every event is a login and a server process).
- SQLite (a local `DAGSTER_HOME`): Dagster has no such switch, and each event's connection, closed as the last one
  on its file, also checkpoints the write-ahead log; with every commit waiting for the disk, recording a scale-1
  backfill took 2-3x its run. The event log's files get one kept-open connection each, in write-ahead-log mode
  with `synchronous=NORMAL` (SQLite's advice for WAL: a crash cannot corrupt the file, a power cut may lose the
  last events written). Every event is still committed on its own, so the UI sees it at once, except that a
  step's partition materializations are written as one batch, as Dagster's PostgreSQL storage writes them.
"""

from __future__ import annotations

import threading
import types
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator, Sequence

import dagster as dg
import sqlalchemy as db
from dagster._core.events import DagsterEventType
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.schema import SqlEventLogStorageTable
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME, SQLITE_BUSY_TIMEOUT_SECONDS, SqliteEventLogStorage,
)
from dagster._core.storage.runs.sqlite.sqlite_run_storage import SqliteRunStorage
from sqlalchemy.pool import QueuePool

NO_STATEMENT_TIMEOUT = 0  # a run's writes must never be cut off; the webserver's timeout is for its queries
POOL_RECYCLE_SECONDS = 3600  # replace a connection older than this (a server may drop idle ones)
EXTRA_CONNECTIONS = 2  # beyond the one kept open, for a moment when two threads write at once
BATCH_WRITABLE = {DagsterEventType.ASSET_MATERIALIZATION, DagsterEventType.ASSET_OBSERVATION}  # as PostgreSQL's


def keep_connections_open(instance: dg.DagsterInstance) -> None:
    instance.optimize_for_webserver(statement_timeout=NO_STATEMENT_TIMEOUT, pool_recycle=POOL_RECYCLE_SECONDS,
                                    max_overflow=EXTRA_CONNECTIONS)  # PostgreSQL storage; a no-op on SQLite
    if isinstance(instance.event_log_storage, SqliteEventLogStorage):
        _keep_sqlite_event_log_open(instance.event_log_storage)
        _write_batches_together(instance.event_log_storage)
    if isinstance(instance.run_storage, SqliteRunStorage):
        _keep_sqlite_run_storage_open(instance.run_storage)


def _keep_sqlite_event_log_open(storage: SqliteEventLogStorage) -> None:
    """Replace the storage's `_connect(shard)` (a new engine, connection and commit per call, then dispose) by one
    kept-open engine per shard (a run's own file, and the index), and its `has_table` by one through them;
    `dispose` closes them."""
    engines: dict[str, db.engine.Engine] = {}

    creating = threading.RLock()

    def engine_for(self: SqliteEventLogStorage, shard: str) -> db.engine.Engine:
        with creating:
            if shard not in engines:
                engines[shard] = _sqlite_engine(self.conn_string_for_shard(shard))
                if shard not in self._initialized_dbs:
                    self._initdb(engines[shard])
                    self._initialized_dbs.add(shard)
            return engines[shard]

    @contextmanager
    def connect(self: SqliteEventLogStorage, shard: str) -> Iterator[db.engine.Connection]:
        with self._db_lock, engine_for(self, shard).connect() as connection, connection.begin():
            yield connection

    tables: set[str] = set()

    def has_table(self: SqliteEventLogStorage, table_name: str) -> bool:
        """Asked before writing each asset event (with a new connection of its own, by default); a table that
        exists stays, so only a missing one is asked again."""
        if table_name not in tables:  # a connection of its own: the caller may hold the storage's lock
            with engine_for(self, INDEX_SHARD_NAME).connect() as connection:
                if connection.dialect.has_table(connection, table_name):
                    tables.add(table_name)
        return table_name in tables

    storage._connect = types.MethodType(connect, storage)
    storage.has_table = types.MethodType(has_table, storage)
    _close_on_dispose(storage, engines.values)


def _write_batches_together(storage: SqliteEventLogStorage) -> None:
    """Replace the storage's `store_event_batch` (one `store_event` per event, each serialized twice and the asset's
    row rewritten) by dagster-postgres's batch write, for a batch of one asset's materializations (or observations)
    in one run (lib/event_batches.py); anything else is written as before. The same rows in the same tables."""
    one_by_one = storage.store_event_batch

    def store_event_batch(self: SqliteEventLogStorage, events: Sequence[EventLogEntry]) -> None:
        if not _writable_together(events):
            one_by_one(events)
            return
        insert = self.prepare_insert_event_batch(events)
        with self.run_connection(events[0].run_id) as connection:  # the run's own file
            connection.execute(insert)
        with self.index_transaction() as connection:  # the index of every run's asset events
            # RETURNING lists rows in no set order; one INSERT numbers its rows in the order given
            ids = sorted(row[0] for row in connection.execute(insert.returning(SqlEventLogStorageTable.c.id)))
            self._store_asset_event_tags(connection, events, ids)
            self._store_asset_event(connection, events[-1], ids[-1])  # the asset's row: the last event wins

    storage.store_event_batch = types.MethodType(store_event_batch, storage)


def _writable_together(events: Sequence[EventLogEntry]) -> bool:
    if len(events) < 2 or not all(event.is_dagster_event for event in events):
        return False
    kinds = {event.get_dagster_event().event_type for event in events}
    assets = {event.get_dagster_event().asset_key for event in events}
    return (len(kinds) == 1 and kinds <= BATCH_WRITABLE and len(assets) == 1 and None not in assets
            and len({event.run_id for event in events}) == 1)


def _keep_sqlite_run_storage_open(storage: SqliteRunStorage) -> None:
    """The same for the run storage's one file (runs.db), with its journal and sync settings left as they are: the
    webserver and the daemon share that file, and it is written only a few times per run."""
    engine = _sqlite_engine(storage._conn_string, write_ahead=False)

    @contextmanager
    def connect(self: SqliteRunStorage) -> Iterator[db.engine.Connection]:
        with engine.connect() as connection, connection.begin():
            yield connection

    storage.connect = types.MethodType(connect, storage)
    _close_on_dispose(storage, lambda: [engine])


def _close_on_dispose(storage, engines: Callable[[], Iterable[db.engine.Engine]]) -> None:
    """The storage's `dispose` also closes the kept-open engines."""
    dispose = storage.dispose

    def dispose_all(self) -> None:
        for engine in list(engines()):
            engine.dispose()
        dispose()

    storage.dispose = types.MethodType(dispose_all, storage)


def _sqlite_engine(url: str, write_ahead: bool = True) -> db.engine.Engine:
    """A kept-open engine; `write_ahead`: the file is in WAL mode (Dagster's event logs are, from their creation),
    so a commit need not wait for the disk (`synchronous=NORMAL`)."""
    engine = db.create_engine(url, poolclass=QueuePool, pool_size=1, max_overflow=EXTRA_CONNECTIONS,
                              connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False})
    if write_ahead:
        @db.event.listens_for(engine, "connect")
        def no_wait_for_disk(dbapi_connection, _record) -> None:
            dbapi_connection.execute("PRAGMA synchronous=NORMAL")

    return engine
