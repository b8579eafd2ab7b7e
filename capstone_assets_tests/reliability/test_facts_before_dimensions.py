"""Issue 14, class 6: a staged fact loaded into a warehouse where its dimensions were never materialized (a UI
backfill of only the staged facts) loads, and its reference checks fail as checks naming what to build first
(before: the step died with `Catalog Error: Table with name dim_users does not exist`)."""

from __future__ import annotations

import dagster as dg

from capstone_assets_tests.helpers import materialize, scalar
from capstone_assets_tests.reliability.lakes import video_rows, write_video_log


def test_facts_load_and_reference_checks_name_the_missing_dimensions(make_settings, lake_dir):
    settings = make_settings(CAPSTONE_DEGREES="data_science", CAPSTONE_LEARNING_END="2019-02-01")
    write_video_log(lake_dir, video_rows(6))
    report = materialize(settings, "key:learning/stg_video_log")
    ((_, ok, _, error),) = report.runs
    assert not ok and "Catalog Error" not in error  # the run fails on its blocking checks, not on a missing table
    assert "blocking asset checks failed" in error and "user_id_in_dim_users" in error
    assert scalar(settings, "SELECT COUNT(*) FROM learning.stg_video_log") == 6
    outcome = report.assets["learning/stg_video_log"]
    assert sorted(outcome.checks_failed) == ["user_id_in_dim_users", "video_id_in_dim_videos"]
    assert outcome.partitions == 1 and outcome.rows == 6


def test_the_failed_reference_check_says_which_dimension_to_materialize(make_settings, lake_dir):
    settings = make_settings(CAPSTONE_DEGREES="data_science", CAPSTONE_LEARNING_END="2019-02-01")
    write_video_log(lake_dir, video_rows(2))
    with dg.DagsterInstance.ephemeral() as instance:
        materialize(settings, "key:learning/stg_video_log", instance=instance)
        records = instance.event_log_storage.get_asset_check_execution_history(
            dg.AssetCheckKey(dg.AssetKey(["learning", "stg_video_log"]), "user_id_in_dim_users"), limit=1)
        evaluation = records[0].event.dagster_event.event_specific_data
    assert not evaluation.passed
    to_do = evaluation.metadata["to_do"].value
    assert "learning.dim_users has never been materialized" in to_do and "materialize learning/dim_users first" in to_do
