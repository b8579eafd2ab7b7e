"""How a `capstone run` process talks to the Dagster instance's storage.

Dagster's PostgreSQL storage opens a new database connection for every read and write (SQLAlchemy's
NullPool, so that the webserver's and daemon's many instances hold no idle connections). A run writes an
event per step, partition and check: hundreds of connections, each a login and a server process. One
`capstone run` is one process writing from one thread, so it keeps one connection per storage open instead,
with Dagster's own switch for long-lived processes. SQLite storage has no such switch (a no-op there).
"""

from __future__ import annotations

import dagster as dg

NO_STATEMENT_TIMEOUT = 0  # a run's writes must never be cut off; the webserver's timeout is for its queries
POOL_RECYCLE_SECONDS = 3600  # replace a connection older than this (a server may drop idle ones)
EXTRA_CONNECTIONS = 2  # beyond the one kept open, for a moment when two threads write at once


def keep_connections_open(instance: dg.DagsterInstance) -> None:
    instance.optimize_for_webserver(statement_timeout=NO_STATEMENT_TIMEOUT, pool_recycle=POOL_RECYCLE_SECONDS,
                                    max_overflow=EXTRA_CONNECTIONS)
