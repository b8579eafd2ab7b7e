"""What the STEDI users relied on: the source's table name `customer_curated` answers, and how the
machine-learning join differs from the source's timestamp-only rule (the README's figures, checked here)."""

from __future__ import annotations

import collections

from capstone_assets.stedi.generator import generate
from capstone_assets_tests.helpers import materialize, query
from capstone_assets_tests.stedi.expected import copy_landing, expected_counts, read_records


def test_customer_curated_answers_like_customers_curated(lake_dir, settings):
    generate(lake_dir, scale=0.02, seed=5)
    report = materialize(settings, "+key:stedi/customer_curated")
    assert report.success, report
    curated = query(settings, "SELECT * FROM stedi.customers_curated ORDER BY ALL")
    assert curated and query(settings, "SELECT * FROM stedi.customer_curated ORDER BY ALL") == curated
    assert query(settings, "SELECT table_type FROM information_schema.tables "
                           "WHERE table_schema = 'stedi' AND table_name = 'customer_curated'") == [("VIEW",)]


def machine_learning_pairs(stedi_root) -> dict[str, int]:
    """Step readings of consenting customers' devices paired with consenting customers' accelerometer readings:
    on the same owner and time (this platform), on time alone (the source's rule), and the cross-owner rest."""
    customers = read_records(stedi_root / "customer" / "landing")
    consenting = {c["email"]: c["serialNumber"] for c in customers if c.get("shareWithResearchAsOfDate") is not None}
    owner = {serial: email for email, serial in consenting.items()}
    readings = [r for r in read_records(stedi_root / "accelerometer" / "landing") if r["user"] in consenting]
    steps = [s for s in read_records(stedi_root / "step_trainer" / "landing") if s["serialNumber"] in owner]
    by_time = collections.Counter(r["timestamp"] for r in readings)
    by_owner_and_time = collections.Counter((r["user"], r["timestamp"]) for r in readings)
    same_owner = sum(by_owner_and_time[(owner[s["serialNumber"]], s["sensorReadingTime"])] for s in steps)
    time_only = sum(by_time[s["sensorReadingTime"]] for s in steps)
    readings_at = collections.defaultdict(list)
    for r in readings:
        readings_at[r["timestamp"]].append(r["user"])
    cross_owner = sum(user != owner[s["serialNumber"]] for s in steps for user in readings_at[s["sensorReadingTime"]])
    return {"same_owner": same_owner, "time_only": time_only, "cross_owner": cross_owner}


def test_readme_figures_for_the_machine_learning_join(shared_datasets, lake_dir):
    pairs = machine_learning_pairs(shared_datasets / "stedi")
    assert pairs == {"same_owner": 40_981, "time_only": 43_681, "cross_owner": 2_700}
    assert pairs["time_only"] - pairs["same_owner"] == pairs["cross_owner"]
    # the table's own expected count (test_real_data.py compares it with the warehouse) is the same-owner figure
    copy_landing(shared_datasets / "stedi", lake_dir)
    assert expected_counts(lake_dir)["machine_learning_curated"] == pairs["same_owner"]
