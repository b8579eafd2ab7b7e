"""The users' `DataQualityOperator` `{sql, expected}` pairs are blocking: a failing pair fails
`capstone run --select group:sparkify` and nothing downstream of its table is materialized."""

from __future__ import annotations

import json

from capstone_assets.cli import main
from capstone_assets.lib.specs import ModelSpec
from capstone_assets.sparkify.generator import generate
from capstone_assets.sparkify.specs import model_specs
from capstone_assets_tests.helpers import query

DOWNSTREAM_OF_SONGPLAYS = {"time", "plays_by_hour", "plays_by_weekday", "top_songs", "top_artists", "plays_by_level",
                           "level_changes", "sessions", "session_summary"}


def test_every_sparkify_model_check_is_blocking(settings):
    specs: list[ModelSpec] = model_specs(settings)
    pairs = [check for spec in specs for check in spec.checks if check.bad_rows.startswith("SELECT actual FROM")]
    assert len(pairs) == 8  # the operator pairs of songs, artists, songplays, users and time
    assert all(check.blocking for spec in specs for check in spec.checks)


def test_a_failing_pair_fails_the_cli_run_and_stops_its_dependants(monkeypatch, tmp_path, test_env, lake_dir, settings, capsys):
    for name, value in {**test_env, "DAGSTER_HOME": str(tmp_path / "home")}.items():
        monkeypatch.setenv(name, value)
    generate(lake_dir, scale=0.01, seed=4)
    log = sorted((lake_dir / "sparkify" / "log_data").rglob("*.json"))[-1]
    events = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    play = next(e for e in events if e["page"] == "NextSong")
    play["level"] = "premium"  # breaks songplays_level_is_free_or_paid (and no other songplays rule)
    log.write_text("\n".join(json.dumps(e) for e in events))

    assert main(["run", "--select", "group:sparkify"]) == 1
    out = capsys.readouterr().out
    assert "songplays_level_is_free_or_paid" in out and "FAILURES" in out
    tables = {row[0] for row in query(settings, "SELECT table_name FROM information_schema.tables "
                                                "WHERE table_schema = 'sparkify'")}
    assert "songplays" in tables and {"songs", "artists", "staging_events"} <= tables  # written, then checked
    assert not tables & DOWNSTREAM_OF_SONGPLAYS  # nothing built on top of the failed pair
