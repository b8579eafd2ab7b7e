"""The stedi group on the generator's output: the same zone counts, idempotent re-runs, every variant loads."""

from __future__ import annotations

import pytest

from capstone_assets.stedi.generator import VARIANTS, generate
from capstone_assets_tests.helpers import materialize, scalar
from capstone_assets_tests.stedi.expected import expected_counts

TABLES = ("customer_landing", "accelerometer_landing", "step_trainer_landing", "customer_trusted",
          "accelerometer_trusted", "customers_curated", "step_trainer_trusted", "machine_learning_curated")


def test_generated_lake_materializes_twice_with_the_same_counts(lake_dir, settings):
    generate(lake_dir, scale=0.03, seed=7)
    expected = expected_counts(lake_dir)
    assert expected["customer_trusted"] > 0 and expected["machine_learning_curated"] > 0

    for _ in range(2):
        report = materialize(settings, "group:stedi")
        assert report.success, report
        for table in TABLES:
            assert scalar(settings, f"SELECT COUNT(*) FROM stedi.{table}") == expected[table], table


@pytest.mark.parametrize("variant", [v for v in VARIANTS if v != "current"])
def test_generated_variant_landing_loads_through_its_mapping(lake_dir, settings, variant):
    generate(lake_dir, scale=0.02, seed=3, variant=variant)
    expected = expected_counts(lake_dir)

    report = materialize(settings, "key:stedi/*_landing")

    assert report.success, report
    for table in ("customer_landing", "accelerometer_landing", "step_trainer_landing"):
        assert scalar(settings, f"SELECT COUNT(*) FROM stedi.{table}") == expected[table], table
    assert scalar(settings, "SELECT COUNT(sharewithresearchasofdate) FROM stedi.customer_landing") > 0
