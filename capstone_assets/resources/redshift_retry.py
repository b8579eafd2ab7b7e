"""Which Redshift failures are worth running a transaction again for, and the bounded, logged backoff that does it.

- a serialization conflict (Redshift error 1023, "Serializable isolation violation"; SQLSTATE 40001 / 40P01 on
  PostgreSQL): two transactions touched the same tables concurrently; the loser was rolled back whole;
- a dropped connection (the driver's InterfaceError, a socket error): the server rolled the transaction back;
- two sessions creating the same catalog entry at once (`CREATE ... IF NOT EXISTS` racing: a unique violation on a
  catalog index): the next attempt finds it created.
Anything else (a data error, a timeout, a permission) is raised at once, as it is.
"""

from __future__ import annotations

import logging
import random
import time
from typing import Callable, TypeVar

import redshift_connector

T = TypeVar("T")
logger = logging.getLogger("capstone_assets.redshift")

FIRST_DELAY_SECONDS = 0.5
MAX_DELAY_SECONDS = 8.0


def _server_fields(error: BaseException) -> dict:
    """The server's error fields (`C` SQLSTATE, `M` message, `D` detail) as redshift_connector reports them."""
    first = error.args[0] if error.args else None
    return first if isinstance(first, dict) else {}


def is_serialization_conflict(error: BaseException) -> bool:
    fields = _server_fields(error)
    text = f"{fields.get('M', '')} {fields.get('D', '')} {error}"
    return fields.get("C") in ("40001", "40P01") or "Serializable isolation violation" in text or \
        str(fields.get("M", "")).startswith("1023")


def is_dropped_connection(error: BaseException) -> bool:
    return isinstance(error, (redshift_connector.InterfaceError, ConnectionError, TimeoutError)) or (
        isinstance(error, OSError) and not isinstance(error, FileNotFoundError))


def is_catalog_race(error: BaseException) -> bool:
    fields = _server_fields(error)
    return fields.get("C") == "23505" and '"pg_' in str(fields.get("M", ""))


def is_retryable(error: BaseException) -> bool:
    return is_serialization_conflict(error) or is_dropped_connection(error) or is_catalog_race(error)


def backoff(attempt: int) -> float:
    """Seconds to wait before attempt `attempt + 1`: doubling from FIRST_DELAY_SECONDS, at most MAX_DELAY_SECONDS,
    with jitter so that two conflicting runs do not meet again."""
    return min(FIRST_DELAY_SECONDS * 2 ** (attempt - 1), MAX_DELAY_SECONDS) * (0.5 + random.random())


def retrying(work: Callable[[], T], attempts: int, what: str, on_retry: Callable[[BaseException], None] = lambda e: None,
             sleep: Callable[[float], None] = time.sleep) -> T:
    """`work()`, run again (up to `attempts` times in all) while it fails with a retryable error; each retry logged."""
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except Exception as error:
            if attempt >= attempts or not is_retryable(error):
                raise
            delay = backoff(attempt)
            logger.warning("%s failed (%s: %s); attempt %d of %d in %.1f s", what, type(error).__name__,
                           str(error)[:300], attempt + 1, attempts, delay)
            on_retry(error)
            sleep(delay)
    raise AssertionError("unreachable")
