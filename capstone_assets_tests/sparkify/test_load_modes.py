"""The dimensions' load modes: upsert updates changed keys, appends new ones and keeps the rest;
truncate-insert replaces the whole table. Both run as one transaction (lib/models.statements_for)."""

import duckdb

from capstone_assets.lib.models import statements_for
from capstone_assets.sparkify.generator import generate
from capstone_assets.sparkify.specs import model_specs
from capstone_assets_tests.helpers import materialize, query, scalar


def spec(settings, name):
    return next(s for s in model_specs(settings) if s.name == name)


def test_modes_are_chosen_in_the_specs(settings):
    assert {s.name: s.mode for s in model_specs(settings)} == {
        "songs": "truncate_insert", "artists": "upsert", "songplays": "replace", "users": "upsert", "time": "truncate_insert",
    }
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
