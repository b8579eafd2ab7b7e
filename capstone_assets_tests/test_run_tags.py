"""Every job that writes the warehouse carries `capstone/writes: <its schema>`, which the deployed run queue
limits to one run per schema (deploy/dagster.yaml)."""

from __future__ import annotations

import yaml

from capstone_assets.definitions import build_definitions
from capstone_assets.lib.run_tags import WRITES
from capstone_assets_tests.conftest import REPO


def test_every_job_is_tagged_with_the_schema_it_writes(settings):
    defs = build_definitions(settings)
    jobs = [job for job in defs.resolve_all_job_defs() if not job.name.startswith("__")]
    assert jobs
    for job in jobs:
        schemas = {key.path[0] for key in job.asset_layer.executable_asset_keys} if job.asset_layer else set()
        assert job.tags.get(WRITES) in schemas, f"{job.name} writes {sorted(schemas)} but is tagged {job.tags.get(WRITES)!r}"


def test_the_deployed_queue_limits_that_tag_per_schema():
    instance = yaml.safe_load((REPO / "deploy" / "dagster.yaml").read_text())
    limits = instance["concurrency"]["runs"]["tag_concurrency_limits"]
    assert {"key": WRITES, "value": {"applyLimitPerUniqueValue": True}, "limit": 1} in limits
