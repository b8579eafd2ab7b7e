"""Redshift compares VARCHAR ignoring trailing blanks; DuckDB and PostgreSQL do not. songplays matches titles and
artist names with RTRIM, so every engine finds the same song for an event (issue 13, defect 12)."""

from __future__ import annotations

import duckdb

from capstone_assets.lib.sql import read_sql, to_dialect

TABLES = [
    "CREATE SCHEMA IF NOT EXISTS sparkify",
    "CREATE TABLE sparkify.staging_events (session_id INTEGER, item_in_session INTEGER, ts BIGINT, user_id VARCHAR(16), "
    "level VARCHAR(8), song VARCHAR(256), artist VARCHAR(256), length DOUBLE PRECISION, page VARCHAR(32), "
    "location VARCHAR(256), user_agent VARCHAR(256), month DATE)",
    "CREATE TABLE sparkify.text_repairs (month DATE, raw_text VARCHAR(256), repaired_text VARCHAR(256))",
    "CREATE TABLE sparkify.songs (song_id VARCHAR(32), artist_id VARCHAR(32), title VARCHAR(256), duration DOUBLE PRECISION)",
    "CREATE TABLE sparkify.artists (artist_id VARCHAR(32), name VARCHAR(256))",
    "INSERT INTO sparkify.songs VALUES ('S1', 'A1', 'Bohemian ', 100.5), ('S2', 'A1', 'Exact', 200.0)",
    "INSERT INTO sparkify.artists VALUES ('A1', 'Queen')",
    "INSERT INTO sparkify.staging_events VALUES "
    "(1, 0, 1541000000000, '7', 'free', 'Bohemian', 'Queen ', 100.5, 'NextSong', 'x', 'y', DATE '2018-11-01'), "
    "(1, 1, 1541000001000, '7', 'free', 'Exact', 'Queen', 200.0, 'NextSong', 'x', 'y', DATE '2018-11-01')",
]
MATCHED = "SELECT q.song_id FROM ({songplays}) AS q ORDER BY q.song_id"


def test_duckdb_matches_titles_and_names_ignoring_trailing_blanks():
    connection = duckdb.connect()
    for statement in TABLES:
        connection.execute(statement)
    sql = to_dialect(MATCHED.format(songplays=read_sql("sparkify", "songplays")), "duckdb")
    assert connection.execute(sql).fetchall() == [("S1",), ("S2",)]


def test_postgresql_matches_the_same(postgres_database):
    import psycopg2

    from capstone_assets_tests.prod_path.shims import shim_sql

    with psycopg2.connect(dbname=postgres_database["database"], host=postgres_database["host"],
                          port=postgres_database["port"], user=postgres_database["user"],
                          password=postgres_database["password"]) as connection, connection.cursor() as cursor:
        cursor.execute(shim_sql())
        for statement in TABLES:
            cursor.execute(statement)
        cursor.execute(MATCHED.format(songplays=read_sql("sparkify", "songplays")))
        assert cursor.fetchall() == [("S1",), ("S2",)]
