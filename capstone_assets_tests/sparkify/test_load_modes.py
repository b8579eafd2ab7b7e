"""The load modes: upsert updates changed keys, appends new ones and keeps the rest; truncate-insert replaces the
whole table; the fact table's per-run switch (LoadFact's append or delete-then-load) replaces its months by default
or appends. Each runs as one transaction (lib/models.statements_for)."""

import dataclasses

import dagster as dg
import duckdb
import pytest

from capstone_assets.definitions import build_definitions
from capstone_assets.lib.models import statements_for
from capstone_assets.sparkify.generator import generate
from capstone_assets.sparkify.specs import mart_specs, model_specs
from capstone_assets_tests.helpers import materialize, query, scalar

SONGPLAYS = dg.AssetKey(["sparkify", "songplays"])


def spec(settings, name):
    return next(s for s in model_specs(settings) if s.name == name)


def test_modes_are_chosen_in_the_specs(settings):
    marts = {spec.name for spec in mart_specs()}
    assert {s.name: s.mode for s in model_specs(settings) if s.name not in marts} == {
        "songs": "truncate_insert", "artists": "upsert", "songplays": "replace", "users": "upsert", "time": "truncate_insert",
    }
    assert {s.mode for s in mart_specs()} == {"replace"}  # rebuilt whole from the star schema
    upsert = [sql for sql, _ in statements_for(spec(settings, "users"), ("1 = 1", []))]
    assert any(sql.startswith("DELETE") and "USING" in sql for sql in upsert)
    assert not any("TRUNCATE" in sql for sql in upsert)


def test_upsert_updates_appends_and_keeps_and_truncate_insert_replaces(settings, lake_dir):
    generate(lake_dir, scale=0.01, seed=2)
    dims = 'key:"sparkify/users" or key:"sparkify/songs"'
    materialize(settings, f'{dims} or key:"sparkify/staging_events" or key:"sparkify/staging_songs"')
    users = dict(query(settings, "SELECT user_id, level FROM sparkify.users"))
    changed, dropped = sorted(users)[:2]
    song_count = scalar(settings, "SELECT COUNT(*) FROM sparkify.songs")
    new_user = max(users) + 1000
    with duckdb.connect(str(settings.duckdb_path)) as db:
        latest = "(SELECT MAX(ts) FROM sparkify.staging_events)"
        template = "SELECT * REPLACE (ts + 1 AS ts) FROM sparkify.staging_events WHERE user_id = ? AND ts = (SELECT MAX(ts) FROM sparkify.staging_events WHERE user_id = ?)"
        db.execute(f"INSERT INTO sparkify.staging_events SELECT * REPLACE ({latest} + 1 AS ts, "
                   "CASE level WHEN 'free' THEN 'paid' ELSE 'free' END AS level) FROM (" + template + ")",
                   [str(changed), str(changed)])
        db.execute(f"INSERT INTO sparkify.staging_events SELECT * REPLACE ('{new_user}' AS user_id) FROM (" + template + ")",
                   [str(changed), str(changed)])
        db.execute("DELETE FROM sparkify.staging_events WHERE user_id = ?", [str(dropped)])
        db.execute("DELETE FROM sparkify.staging_songs WHERE song_id = (SELECT MIN(song_id) FROM sparkify.staging_songs)")
    materialize(settings, dims)
    after = dict(query(settings, "SELECT user_id, level FROM sparkify.users"))
    assert after[changed] != users[changed]  # updated
    assert new_user in after  # appended
    assert after[dropped] == users[dropped]  # kept, though its events are gone from staging
    assert len(after) == len(users) + 1
    assert scalar(settings, "SELECT COUNT(*) FROM sparkify.songs") == song_count - 1  # truncate-insert replaced it


def test_songplays_offers_replace_and_append_per_run_and_in_its_spec(settings):
    songplays = spec(settings, "songplays")
    assert (songplays.mode, songplays.run_modes) == ("replace", ("replace", "append"))
    scope = ('"month" = \'2018-11-01\'', [])
    replace = [sql for sql, _ in statements_for(songplays, scope)]
    append = [sql for sql, _ in statements_for(dataclasses.replace(songplays, mode="append"), scope)]
    assert any(sql.startswith("DELETE") for sql in replace)
    assert not any(sql.startswith("DELETE") for sql in append) and any(sql.startswith("INSERT") for sql in append)
    with pytest.raises(ValueError, match="run_modes"):  # a spec cannot default to a mode its runs may not pick
        dataclasses.replace(songplays, mode="upsert")
    config = build_definitions(settings).resolve_assets_def(SONGPLAYS).op.config_schema.as_field().config_type
    assert "mode" in config.fields


def load_songplays(settings, mode: str) -> dg.ExecuteInProcessResult:
    """One run of songplays for November 2018 with the run config a user gives in the launchpad."""
    defs = build_definitions(settings)
    return dg.materialize(list(defs.assets), resources=defs.resources, selection=[SONGPLAYS], partition_key="2018-11-01",
                          run_config={"ops": {"sparkify__songplays": {"config": {"mode": mode}}}}, raise_on_error=False)


def test_append_twice_doubles_the_month_and_replace_twice_does_not(settings, lake_dir):
    generate(lake_dir, scale=0.01, seed=6)
    report = materialize(settings, 'key:"sparkify/staging_events" or key:"sparkify/text_repairs" or '
                                   'key:"sparkify/staging_songs" or key:"sparkify/songs" or key:"sparkify/artists"')
    assert report.success, report.runs
    plays = scalar(settings, "SELECT COUNT(*) FROM sparkify.staging_events WHERE page = 'NextSong'")
    count = lambda: scalar(settings, "SELECT COUNT(*) FROM sparkify.songplays")  # noqa: E731

    assert load_songplays(settings, "append").success and count() == plays
    second = load_songplays(settings, "append")
    assert count() == 2 * plays  # LoadFact's append: the month's rows again, beside the first ones
    unique = next(e for e in second.get_asset_check_evaluations() if e.check_name == "songplay_id_unique")
    assert not unique.passed and not second.success  # the duplicates are caught, and the check blocks
    metadata = second.asset_materializations_for_node("sparkify__songplays")[0].metadata
    assert metadata["load_mode"].value == "append"

    for _ in range(2):  # delete-then-load, the default: the month once, however often it runs
        assert load_songplays(settings, "replace").success
        assert count() == plays
    assert load_songplays(settings, "").success and count() == plays  # no choice: the spec's mode (replace)

    refused = load_songplays(settings, "upsert")
    assert not refused.success and count() == plays
    assert "not one of its run modes" in str(refused.get_step_failure_events()[0].event_specific_data.error)
