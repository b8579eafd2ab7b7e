"""Dagster switches that it reads only from the environment, set for the length of a block."""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def environment_switch(name: str, value: str | None) -> Iterator[None]:
    """Within the block the variable `name` is `value` (unset when None); afterwards it is what it was."""
    previous = os.environ.get(name)
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous
