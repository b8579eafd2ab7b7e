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


def test_full_backfill_is_one_run_of_the_whole_group(defs):
    (run,) = runner.plan(defs, "group:learning")
    assert ranges([run]) == [("data_science|2019-01-01", "machine_learning|2019-03-01")]
    assert {key.path[1] for key in run.asset_keys} >= {"stg_users", "dim_users", "stg_video_log", "text_phrases"}


def test_one_month_of_every_degree_is_phased(defs):
    """Three disjoint ranges cannot share a run: dimensions, one run per degree, then the marts."""
    runs = runner.plan(defs, "group:learning", months=["2019-02-01"])
    assert len(runs) == 5 and ranges(runs) == [(f"{d}|2019-02-01",) * 2 for d in
                                               ("data_science", "data_engineering", "machine_learning")]
    assert {key.path[1] for key in runs[0].asset_keys} >= {"stg_users", "dim_users"}
    assert {key.path[1] for key in runs[-1].asset_keys} >= {"top_videos_by_views_per_user", "text_phrases"}


def test_groups_with_different_partitionings_plan_separately(defs):
    runs = runner.plan(defs, "group:learning or group:sparkify or group:flights")
    assert [sorted({key.path[0] for key in run.asset_keys}) for run in runs] == [["flights"], ["learning"], ["sparkify"]]


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
