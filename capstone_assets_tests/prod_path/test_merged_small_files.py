"""Issue 13 defect 7 at the song data's scale: a partition of many small JSON files is merged into one scratch object
whose records carry their original key (resources/redshift_merge.py), loaded with one COPY instead of one per file;
a load error still names the original file and line."""

from __future__ import annotations

import json

import pytest

from capstone_assets.resources.warehouse import LoadError, LoadRequest

pytestmark = pytest.mark.prod_path
FILES = 200
FOLDER = "sparkify/song_data/A/B/"


def song(index: int, year: object = 2000) -> bytes:
    return json.dumps({"num_songs": 1, "artist_id": f"AR{index:05d}", "artist_latitude": None,
                       "artist_longitude": 1.5, "artist_location": "", "artist_name": f"Artist {index}",
                       "song_id": f"SO{index:05d}", "title": f"Song {index}", "duration": 200.5 + index,
                       "year": year}, indent=2).encode("utf-8")  # pretty-printed, as some song files are


def songs_request(lake, contents: dict[str, bytes]) -> LoadRequest:
    from capstone_assets.settings import load_settings
    from capstone_assets.sparkify.specs import stage_specs

    for name, data in contents.items():
        lake.write_bytes(FOLDER + name, data)
    spec = next(s for s in stage_specs(load_settings({})) if s.name == "staging_songs")
    return LoadRequest(schema="sparkify", table="staging_songs", columns=spec.columns,
                       file_fields=tuple((c.name, spec.field_name(c.name)) for c in spec.file_columns), format="json",
                       files=tuple(o for o in lake.list(FOLDER) if o.key[len(FOLDER):] in contents))


def copies_sent(emulator) -> list[str]:
    return [s.sql for s in emulator.statements if s.sql.lstrip().upper().startswith("COPY")]


@pytest.fixture
def song_files():
    return {f"TR{index:05d}.json": song(index) for index in range(1, FILES + 1)}


def test_many_small_song_files_load_with_one_copy_and_every_row_names_its_own_file(
        prod_warehouse, prod_lake, redshift_emulator, song_files):
    prod_warehouse.ensure_table("sparkify", "staging_songs")
    before = len(copies_sent(redshift_emulator))

    outcome = prod_warehouse.load(songs_request(prod_lake, song_files), prod_lake)

    assert outcome.rows == FILES
    copies = copies_sent(redshift_emulator)[before:]
    assert len(copies) == 1 and '"_source_file") FROM' in copies[0]
    assert prod_warehouse.query("SELECT song_id, _source_file, duration, artist_latitude FROM sparkify.staging_songs "
                                "ORDER BY song_id") == [
        (f"SO{i:05d}", f"{FOLDER}TR{i:05d}.json", 200.5 + i, None) for i in range(1, FILES + 1)]
    assert prod_lake.list("_manifests/") == []  # the merged object and its manifest are removed
    assert prod_lake.list(FOLDER) and all(o.key.startswith(FOLDER + "TR") for o in prod_lake.list(FOLDER))


def test_a_bad_value_in_one_small_file_names_that_file_and_line_and_changes_nothing(
        prod_warehouse, prod_lake, redshift_emulator, song_files):
    prod_warehouse.ensure_table("sparkify", "staging_songs")
    prod_warehouse.load(songs_request(prod_lake, {"TR00001.json": song(1)}), prod_lake)
    bad = dict(song_files, **{"TR00150.json": b"\n\n" + song(150, year="nineteen")})  # the object starts on line 3

    with pytest.raises(LoadError) as error:
        prod_warehouse.load(songs_request(prod_lake, bad), prod_lake)

    assert [(r.file, r.line, r.column) for r in error.value.rejected] == [(f"{FOLDER}TR00150.json", 3, "year")]
    assert f"{FOLDER}TR00150.json, line 3, column 'year'" in str(error.value)
    assert prod_warehouse.query("SELECT song_id FROM sparkify.staging_songs") == [("SO00001",)]
    assert prod_lake.list("_manifests/") == []
