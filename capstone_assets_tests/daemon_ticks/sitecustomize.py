"""Test-only. On the PYTHONPATH of the Dagster daemons the UI and deployment tests start (helpers.daemon_ticks), the
daemon's backfill loop ticks every CAPSTONE_TEST_DAEMON_TICK seconds instead of Dagster's 30. That interval is a
module constant (`dagster._daemon.controller.DEFAULT_DAEMON_INTERVAL_SECONDS`), not a setting, and a backfill takes
about five ticks: 150 s of each such test was waiting. Nothing is imported here; the constant is set when Dagster
imports its module."""

import importlib.abc
import os
import sys

MODULE = "dagster._daemon.controller"


class _SetTick(importlib.abc.MetaPathFinder):
    def __init__(self, seconds: int):
        self.seconds = seconds

    def find_spec(self, name, path, target=None):
        if name != MODULE:
            return None
        spec = next((s for s in (f.find_spec(name, path, target) for f in sys.meta_path if f is not self
                                 and hasattr(f, "find_spec")) if s is not None), None)
        if spec is None or spec.loader is None:
            return None
        load = spec.loader.exec_module

        def load_then_set(module):
            load(module)
            module.DEFAULT_DAEMON_INTERVAL_SECONDS = self.seconds

        spec.loader.exec_module = load_then_set
        return spec


if os.environ.get("CAPSTONE_TEST_DAEMON_TICK"):
    sys.meta_path.insert(0, _SetTick(int(os.environ["CAPSTONE_TEST_DAEMON_TICK"])))
