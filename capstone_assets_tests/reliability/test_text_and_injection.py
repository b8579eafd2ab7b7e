"""Text is loaded byte-exact or rejected clearly; hostile names never reach SQL."""

from __future__ import annotations

import dagster as dg
import pytest

from capstone_assets.learning.generator import FACT_COLUMNS
from capstone_assets.lib.checks import not_null
from capstone_assets.lib.partitions import partition_values
from capstone_assets.lib.sql import UnsafeIdentifierError, ident, qualified, sql_path
from capstone_assets.resources import build_resources
from capstone_assets.resources.lake import LakeError
from capstone_assets.resources.warehouse import LoadError
from capstone_assets.settings import SettingsError
from capstone_assets_tests.helpers import query
from capstone_assets_tests.reliability.lakes import csv_text, fact_key, load, write_file

HEADER = FACT_COLUMNS["section_feedback"]
KEY = fact_key("section_feedback")
MULTI_BYTE_TEXTS = [
    "naïve café, straße",
    "non-breaking\u00a0space and narrow\u202fone",
    "日本語のフィードバック 😀",
    "quotes \"inside\", commas, and a\nline break",
    "'); DROP TABLE learning.stg_users; --",
]


def feedback_rows(texts):
    return [(i, 1, 2, "2019-01-05 10:00:00", 3, text) for i, text in enumerate(texts, start=1)]


def test_multi_byte_text_and_non_breaking_spaces(settings, lake_dir):
    write_file(lake_dir, KEY, csv_text(HEADER, feedback_rows(MULTI_BYTE_TEXTS)))
    assert load(settings, "stg_section_feedback").rows == len(MULTI_BYTE_TEXTS)
    stored = query(settings, "SELECT feedback_text FROM learning.stg_section_feedback ORDER BY feedback_id")
    assert [row[0] for row in stored] == MULTI_BYTE_TEXTS  # byte-exact, incl. the injection text bound as a value


@pytest.mark.parametrize("column, bad_field", [("feedback_text", b"caf\xe9 (latin-1)"), ("rating", b"3\xc2\xa0")])
def test_non_utf8_or_nbsp_in_a_number_rejected(settings, lake_dir, column, bad_field):
    good = csv_text(HEADER, feedback_rows(["fine"])).encode()
    fields = {"feedback_text": b"2,1,2,2019-01-05 10:00:00,3,", "rating": b"2,1,2,2019-01-05 10:00:00,"}
    tail = b",ok" if column == "rating" else b""
    write_file(lake_dir, KEY, good + fields[column] + bad_field + tail + b"\n")
    with pytest.raises(LoadError, match=rf"{KEY}, line 3, column '{column}': (INVALID ENCODING|CAST)"):
        load(settings, "stg_section_feedback", run_id="bad-text")
    assert query(settings, "SELECT COUNT(*) FROM learning.stg_section_feedback") == [(0,)]
    assert query(settings, "SELECT line_number, column_name FROM capstone.rejected_rows") == [(3, column)]


def test_non_utf8_header_rejected(settings, lake_dir):
    write_file(lake_dir, KEY, ",".join(HEADER).encode() + b"\xff\n1,1,2,2019-01-05 10:00:00,3,x\n")
    with pytest.raises(LoadError, match=rf"{KEY}, line 1: header is not valid UTF-8"):
        load(settings, "stg_section_feedback")


HOSTILE = ["x'; DROP TABLE learning.stg_users; --", 'a"b', "Robert); --", "../../etc", "DATA_SCIENCE", "a b"]


@pytest.mark.parametrize("name", HOSTILE)
def test_sql_injection_through_a_name(make_settings, settings, name):
    with pytest.raises(SettingsError, match="CAPSTONE_DEGREES"):
        make_settings(CAPSTONE_DEGREES=f"data_science,{name}")
    with pytest.raises(UnsafeIdentifierError):
        ident(name)
    with pytest.raises(UnsafeIdentifierError):
        qualified("learning", name)
    with pytest.raises(UnsafeIdentifierError):
        sql_path("learning", name)
    with pytest.raises(UnsafeIdentifierError):
        not_null(name)
    with pytest.raises(ValueError, match="not a valid degree name"):
        partition_values(dg.MultiPartitionKey({"degree": name, "month": "2019-01-01"}))
    with pytest.raises(UnsafeIdentifierError):
        build_resources(settings)["warehouse"].row_count("learning", name)
    assert not settings.duckdb_path.exists()  # rejected before any connection, let alone SQL


@pytest.mark.parametrize("key", ["2019-01-01'; DELETE FROM learning.stg_video_log; --", "2019-01-15", "2019-13-01"])
def test_sql_injection_through_a_partition_key(key):
    with pytest.raises(ValueError):
        partition_values(key)
    with pytest.raises(ValueError):
        partition_values(dg.MultiPartitionKey({"degree": "data_science", "month": key}))


def test_lake_key_cannot_escape_the_root(settings):
    lake = build_resources(settings)["lake"]
    with pytest.raises(LakeError, match="outside the lake root"):
        lake.read_bytes("../warehouse.duckdb")
