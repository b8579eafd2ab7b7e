"""Run tags the deployment's run queue reads (deploy/dagster.yaml `concurrency: runs: tag_concurrency_limits`)."""

from __future__ import annotations

WRITES = "capstone/writes"


def writes_tag(schema: str) -> dict[str, str]:
    """Runs tagged with the warehouse schema they write take turns per schema in a deployed instance."""
    return {WRITES: schema}
