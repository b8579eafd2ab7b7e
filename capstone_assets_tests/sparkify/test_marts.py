"""The sparkify marts (the analyses users ran on the star schema) against answers computed from the JSON files."""

from __future__ import annotations

import base64
import shutil

import dagster as dg
import pytest

from capstone_assets.settings import load_settings
from capstone_assets.sparkify.generator import generate
from capstone_assets.sparkify.specs import mart_specs
from capstone_assets_tests.helpers import materialize, query
from capstone_assets_tests.sparkify.expected_marts import marts_from

# each mart's columns in the order marts_from() gives them; a column read as milliseconds since the epoch
MS = "CAST(ROUND(epoch_us({}) / 1000) AS BIGINT)"
COLUMNS = {
    "plays_by_hour": "hour, plays, listeners",
    "plays_by_weekday": "weekday, weekday_name, plays, listeners",
    "top_songs": "song_rank, song_id, title, artist_id, plays, listeners",
    "top_artists": "artist_rank, artist_id, plays, songs_played, listeners",
    "plays_by_level": "level, plays, listeners, plays_per_listener, share_of_plays_percent",
    "level_changes": f"user_id, {MS.format('changed_at')}, from_level, to_level",
    "sessions": f"user_id, session_id, {MS.format('first_play_at')}, {MS.format('last_play_at')}, length_seconds, songs",
    "session_summary": "sessions, users, average_length_minutes, average_songs_per_session, most_songs_in_a_session",
}
CHARTS = ("plays_by_hour", "plays_by_weekday", "top_songs", "top_artists", "plays_by_level")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The whole sparkify group materialized once on a generated lake (two months, so marts span partitions)."""
    root = tmp_path_factory.mktemp("sparkify_marts")
    settings = load_settings({"CAPSTONE_LAKE_DIR": str(root / "lake"), "CAPSTONE_DUCKDB_PATH": str(root / "w.duckdb"),
                              "CAPSTONE_SPARKIFY_END": "2019-01-01"})
    generate(root / "lake", scale=0.02, seed=3, months=("2018-11", "2018-12"))
    instance = dg.DagsterInstance.ephemeral()
    report = materialize(settings, "group:sparkify", instance=instance)
    assert report.success, (report.runs, {k: o.checks_failed for k, o in report.assets.items() if o.checks_failed})
    return settings, root / "lake", instance


def by_exact_fields(rows) -> dict[tuple, list[float]]:
    """Rows keyed by their exact fields, with their float fields (SQL ROUND(..., 2)) beside."""
    keyed = {}
    for row in rows:
        exact = tuple(v for v in row if not isinstance(v, float))
        assert exact not in keyed, f"two rows share {exact}"
        keyed[exact] = [v for v in row if isinstance(v, float)]
    return keyed


def test_every_mart_is_declared_and_tested():
    assert {spec.name for spec in mart_specs()} == set(COLUMNS)


@pytest.mark.parametrize("mart", sorted(COLUMNS))
def test_mart_matches_the_answer_computed_from_the_files(built, mart):
    settings, lake, _ = built
    expected = marts_from(lake)[mart]
    got = query(settings, f"SELECT {COLUMNS[mart]} FROM sparkify.{mart}")
    assert len(got) == len(expected)
    got, expected = by_exact_fields(got), by_exact_fields(expected)
    assert set(got) == set(expected)
    for key, floats in got.items():  # two decimals: the SQL's ROUND and Python's round differ only on exact halves
        assert floats == pytest.approx(expected[key], abs=0.0051), key


def test_every_mart_matches_on_the_real_sample(tmp_path, shared_datasets):
    """The users' own sample: logged-out events, double-encoded names, one play of 6,820 matching song_data."""
    shutil.copytree(shared_datasets / "sparkify", tmp_path / "lake" / "sparkify")
    settings = load_settings({"CAPSTONE_LAKE_DIR": str(tmp_path / "lake"), "CAPSTONE_DUCKDB_PATH": str(tmp_path / "w.duckdb")})
    assert materialize(settings, "group:sparkify").success
    answers = marts_from(tmp_path / "lake")
    for mart, columns in COLUMNS.items():
        got = by_exact_fields(query(settings, f"SELECT {columns} FROM sparkify.{mart}"))
        expected = by_exact_fields(answers[mart])
        assert set(got) == set(expected), mart
        assert all(got[key] == pytest.approx(expected[key], abs=0.0051) for key in got), mart
    assert len(answers["top_songs"]) == 1 and len(answers["level_changes"]) > 0


def test_the_generated_lake_exercises_every_mart(built):
    _, lake, _ = built
    answers = marts_from(lake)
    assert len(answers["plays_by_hour"]) > 12 and len(answers["plays_by_weekday"]) == 7
    assert len(answers["top_songs"]) > 3 and {level for level, *_ in answers["plays_by_level"]} == {"free", "paid"}
    assert answers["level_changes"], "some users change level"
    assert any(songs > 1 for *_, songs in answers["sessions"])


@pytest.mark.parametrize("mart", CHARTS)
def test_chart_in_metadata_shows_the_marts_rows(built, mart):
    settings, _, instance = built
    event = instance.get_latest_materialization_event(dg.AssetKey(["sparkify", mart]))
    markdown = event.asset_materialization.metadata["chart"].value
    svg = base64.b64decode(markdown.split("base64,", 1)[1].rstrip(")")).decode("utf-8")
    label, value = {"plays_by_hour": ("hour", "plays"), "plays_by_weekday": ("weekday_name", "plays"),
                    "top_songs": ("title", "plays"), "top_artists": ("artist_name", "plays"),
                    "plays_by_level": ("level", "plays")}[mart]
    label_, value_ = query(settings, f"SELECT {label}, {value} FROM sparkify.{mart} ORDER BY {value} DESC LIMIT 1")[0]
    assert f">{label_}</text>".replace("&", "&amp;") in svg and f">{value_:,}</text>" in svg
