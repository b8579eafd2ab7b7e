"""The runner's plan: phases by dependency level and partitioning, one key range per contiguous stretch."""

from __future__ import annotations

import pytest

from capstone_assets import runner
from capstone_assets.definitions import build_definitions

RANGE = ("dagster/asset_partition_range_start", "dagster/asset_partition_range_end")


@pytest.fixture
def defs(make_settings):
    return build_definitions(make_settings(CAPSTONE_DEGREES="data_science,data_engineering,machine_learning",
                                           CAPSTONE_LEARNING_START="2019-01-01", CAPSTONE_LEARNING_END="2019-04-01"))


def ranges(runs):
    return [tuple(run.tags[t] for t in RANGE) for run in runs if RANGE[0] in run.tags]


def test_full_backfill_is_dimensions_then_one_ranged_run_then_marts(defs):
    runs = runner.plan(defs, "group:learning")
    assert len(runs) == 3
    assert ranges(runs) == [("data_science|2019-01-01", "machine_learning|2019-03-01")]
    facts = {key.path[1] for key in runs[1].asset_keys}
    assert facts == {"stg_mentor_activity", "stg_project_feedback", "stg_section_feedback", "stg_video_log"}
    assert {key.path[1] for key in runs[0].asset_keys} >= {"stg_users", "dim_users"}
    assert {key.path[1] for key in runs[2].asset_keys} >= {"top_videos_by_views_per_user", "text_phrases"}


@pytest.mark.parametrize("options, expected", [
    ({"months": ["2019-02-01"]}, [("data_science|2019-02-01", "data_science|2019-02-01"),
                                  ("data_engineering|2019-02-01", "data_engineering|2019-02-01"),
                                  ("machine_learning|2019-02-01", "machine_learning|2019-02-01")]),
    ({"degrees": ["data_engineering"]}, [("data_engineering|2019-01-01", "data_engineering|2019-03-01")]),
    ({"degrees": ["data_science", "machine_learning"]}, [("data_science|2019-01-01", "data_science|2019-03-01"),
                                                         ("machine_learning|2019-01-01", "machine_learning|2019-03-01")]),
    ({"degrees": ["data_science", "data_engineering"], "months": ["2019-02-01", "2019-03-01"]},
     [("data_science|2019-02-01", "data_science|2019-03-01"), ("data_engineering|2019-02-01", "data_engineering|2019-03-01")]),
])
def test_a_partial_selection_runs_each_contiguous_stretch_once(defs, options, expected):
    assert ranges(runner.plan(defs, "key:learning/stg_video_log", **options)) == expected
