"""The sparkify group end to end on the real sample and on generated data, against counts computed from the files."""

import shutil

from capstone_assets.sparkify.generator import generate
from capstone_assets.sparkify.specs import mart_specs
from capstone_assets_tests.helpers import materialize, query, scalar
from capstone_assets_tests.sparkify.expected import expected_from

TABLES = ("staging_events", "staging_songs", "text_repairs", "songplays", "users", "songs", "artists", "time") \
    + tuple(spec.name for spec in mart_specs())


def assert_all_green(report) -> None:
    failed_runs = [(run.label, error) for run, ok, _, error in report.runs if not ok]
    failed_checks = {name: o.checks_failed for name, o in report.assets.items() if o.checks_failed}
    assert not failed_runs and not failed_checks, (failed_runs, failed_checks)
    assert len(report.assets) == len(TABLES) + 5  # every table plus its lake export (songplays, songs, time, users, artists)


def snapshot(settings) -> dict[str, list[tuple]]:
    return {t: query(settings, f'SELECT * FROM sparkify."{t}" ORDER BY ALL') for t in TABLES}


def assert_matches_files(settings, lake_dir) -> None:
    expected = expected_from(lake_dir)
    count = lambda table: scalar(settings, f'SELECT COUNT(*) FROM sparkify."{table}"')  # noqa: E731
    assert count("staging_events") == expected.events
    assert count("songplays") == expected.songplays
    assert count("songs") == expected.songs
    assert count("artists") == expected.artists
    assert count("time") == expected.start_times
    assert dict(query(settings, "SELECT user_id, level FROM sparkify.users")) == expected.users
    assert scalar(settings, "SELECT COUNT(*) FROM sparkify.songplays WHERE song_id IS NOT NULL") == expected.matched_songplays
    assert scalar(settings, "SELECT COUNT(*) FROM sparkify.songplays WHERE artist_id IS NOT NULL") == expected.matched_songplays
    assert scalar(settings, "SELECT COUNT(*) FROM sparkify.text_repairs") == expected.repaired_values
    assert scalar(settings, "SELECT SUM(occurrences) FROM sparkify.text_repairs") == expected.repaired_occurrences
    # the lake export, through its catalogue view and straight from the files (one version left after the switch)
    assert scalar(settings, "SELECT COUNT(*) FROM sparkify_lake.songplays") == expected.songplays
    exported = lake_dir / "sparkify" / "lake_export" / "songplays"
    assert scalar(settings, f"SELECT COUNT(*) FROM read_parquet('{exported}/*/*/*/*.parquet', hive_partitioning = true)") \
        == expected.songplays
    assert set(query(settings, "SELECT DISTINCT year, month FROM sparkify_lake.songplays")) == expected.months


def test_real_sample_loads_with_every_check_passing_and_reruns_identically(settings, lake_dir, shared_datasets):
    shutil.copytree(shared_datasets / "sparkify", lake_dir / "sparkify")
    assert_all_green(materialize(settings, "group:sparkify"))
    assert_matches_files(settings, lake_dir)
    expected = expected_from(lake_dir)
    # the figures the datasets README states, as a cross-check of the independent computation
    assert (expected.songplays, len(expected.users), expected.songs, expected.artists, expected.matched_songplays) \
        == (6820, 97, 71, 69, 1)
    assert expected.repaired_occurrences == 346
    first = snapshot(settings)
    assert_all_green(materialize(settings, "group:sparkify"))
    assert snapshot(settings) == first


def test_generated_lake_loads_the_same_way(settings, lake_dir):
    generate(lake_dir, scale=0.02, seed=3)
    assert_all_green(materialize(settings, "group:sparkify"))
    assert_matches_files(settings, lake_dir)
    assert expected_from(lake_dir).matched_songplays > 0


def test_two_months_load_as_two_partitions_and_a_malformed_line_fails_only_its_partition(make_settings, lake_dir):
    settings = make_settings(CAPSTONE_SPARKIFY_END="2019-01-01")
    generate(lake_dir, scale=0.01, seed=5, months=("2018-11", "2018-12"))
    import dagster as dg

    instance = dg.DagsterInstance.ephemeral()
    report = materialize(settings, "group:sparkify", instance=instance)
    assert_all_green(report)
    assert_matches_files(settings, lake_dir)
    per_month = dict(query(settings, "SELECT month, COUNT(*) FROM sparkify.songplays GROUP BY month"))
    assert [d.isoformat() for d in sorted(per_month)] == ["2018-11-01", "2018-12-01"]
    for table in ("staging_events", "songplays", "text_repairs"):  # each month's materialization counts its own rows
        events = instance.fetch_materializations(dg.AssetKey(["sparkify", table]), limit=10).records
        reported = {e.partition_key: e.asset_materialization.metadata["dagster/row_count"].value for e in events}
        counted = {f"{m:%Y-%m-%d}": n for m, n in query(settings, f"SELECT month, COUNT(*) FROM sparkify.{table} GROUP BY month")}
        assert reported == counted and len(reported) == 2, table
        assert report.assets[f"sparkify/{table}"].rows == sum(counted.values())
    assert len(list((lake_dir / "sparkify/lake_export/songplays").glob("v*/year=2018/month=*/*.parquet"))) == 2

    before = snapshot(settings)
    log = sorted((lake_dir / "sparkify" / "log_data" / "2018" / "12").glob("*.json"))[4]
    lines = log.read_bytes().split(b"\n")
    lines[2] = lines[2][:-5]  # cut the end of the third record
    log.write_bytes(b"\n".join(lines))
    report = materialize(settings, "group:sparkify")
    errors = " ".join(error or "" for _, ok, _, error in report.runs if not ok)
    assert f"{log.relative_to(lake_dir).as_posix()}, line 3" in errors and "malformed JSON" in errors
    after = snapshot(settings)
    assert after["staging_events"] == before["staging_events"] and after["songplays"] == before["songplays"]
