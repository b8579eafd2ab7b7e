"""Issue 14, class 3: CSV records, not lines. Counts, `row_count_matches_source` and rejected-row line numbers
follow CSV records (a quoted field may span lines; blank lines are no records); any parse failure is a load error
naming file and line, and the partition-by-partition fallback still tries every other partition."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from capstone_assets.learning.generator import FACT_COLUMNS
from capstone_assets.lib.csv_records import CsvParseError, count_records, record_lines
from capstone_assets.lib.loading import load_partitions
from capstone_assets.resources import build_resources
from capstone_assets.resources.warehouse import LoadError
from capstone_assets_tests.helpers import query, scalar
from capstone_assets_tests.reliability.lakes import (
    FEBRUARY, JANUARY, csv_text, fact_key, load, partition, spec_for, video_rows, write_file, write_video_log,
)

HEADER = ",".join(FACT_COLUMNS["project_feedback"])  # feedback_id,user_id,project_id,submitted_at,rating,feedback_text
KEY = fact_key("project_feedback")
MARCH = dt.date(2019, 3, 1)


def feedback(feedback_id: int, text: str, rating: str = "4") -> str:
    return f'{feedback_id},1,2,2019-01-05 10:00:00,{rating},{text}'


def test_quoted_line_breaks_and_blank_lines_count_as_records(settings, lake_dir):
    content = "\n".join([
        HEADER,
        feedback(1, '"first line\nsecond line"'),           # lines 2-3: one record
        "",                                                   # line 4: blank, no record
        feedback(2, '"a ""quoted"" word, and a comma"'),    # line 5
        feedback(3, '"three\r\nlines\nhere"'),               # lines 6-8 (a CRLF inside the quotes is data)
        "",
        "",
    ]) + "\n"
    write_file(lake_dir, KEY, content)
    outcome = load(settings, "stg_project_feedback", run_id="multiline")
    assert (outcome.source_rows, outcome.rows, outcome.rejected) == (3, 3, ())  # row_count_matches_source's inputs
    texts = dict(query(settings, "SELECT feedback_id, feedback_text FROM learning.stg_project_feedback"))
    assert texts == {1: "first line\nsecond line", 2: 'a "quoted" word, and a comma', 3: "three\r\nlines\nhere"}


@pytest.mark.parametrize("bad, column, reason", [
    (feedback(9, "x") + ",extra", None, "TOO MANY COLUMNS"),
    (feedback(9, "x", rating="4.5"), "rating", "Could not convert '4.5'"),
])
def test_a_rejected_record_is_placed_on_its_own_line(settings, lake_dir, bad, column, reason):
    content = "\n".join([HEADER, feedback(1, '"spans\ntwo lines"'), "", feedback(2, "plain"), bad]) + "\n"
    write_file(lake_dir, KEY, content)  # header 1, record 2-3, blank 4, record 5, the bad record on line 6
    with pytest.raises(LoadError, match=rf"{KEY}, line 6"):
        load(settings, "stg_project_feedback", run_id="placed")
    ((line, rejected_column, recorded, raw),) = query(
        settings, "SELECT line_number, column_name, reason, raw_line FROM capstone.rejected_rows WHERE run_id = 'placed'")
    assert (line, rejected_column, raw) == (6, column, bad)
    assert reason in recorded


@pytest.mark.parametrize("content, line, message", [
    (HEADER + "\r" + feedback(1, "x") + "\r" + feedback(2, "y") + "\r", 1, "bare carriage return"),
    (HEADER + "\n" + feedback(1, "x") + "\n" + feedback(2, "y") + "\r" + feedback(3, "z") + "\n", 3,
     "bare carriage return"),
    (HEADER + "\n" + feedback(1, "x") + "\n" + feedback(2, '"never closed') + "\n" + feedback(3, "z") + "\n", 3,
     "quoted field is never closed"),
])
def test_a_parse_failure_is_a_load_error_naming_file_and_line(settings, lake_dir, content, line, message):
    write_file(lake_dir, KEY, content)
    with pytest.raises(LoadError, match=rf"{KEY}, line {line}: .*{message}"):
        load(settings, "stg_project_feedback", run_id="parse")
    assert query(settings, "SELECT status FROM capstone.load_audit WHERE run_id = 'parse'") == [("failed",)]


def test_a_parse_failure_does_not_stop_the_fallback(settings, lake_dir):
    """January and March are good, February has old Mac line endings: the ranged load falls back to one partition
    at a time; January and March land, February fails naming its file and line."""
    write_video_log(lake_dir, video_rows(3))
    february = csv_text(FACT_COLUMNS["video_log"], video_rows(2, FEBRUARY, first_id=10)).replace("\n", "\r")
    write_file(lake_dir, fact_key("video_log", FEBRUARY), february)
    write_video_log(lake_dir, video_rows(4, MARCH, first_id=20), MARCH)
    resources = build_resources(settings)
    spec = spec_for(settings, "stg_video_log")
    with resources["warehouse"].session():
        resources["warehouse"].ensure_table(spec.group, spec.name)
        with pytest.raises(LoadError, match=rf"{fact_key('video_log', FEBRUARY)}, line 1: .*carriage return"):
            load_partitions(spec, [partition(JANUARY), partition(FEBRUARY), partition(MARCH)], resources["lake"],
                            resources["warehouse"], "fallback")
    assert query(settings, "SELECT month, COUNT(*) FROM learning.stg_video_log GROUP BY month ORDER BY month") == [
        (JANUARY, 3), (MARCH, 4)]
    assert scalar(settings, "SELECT COUNT(*) FROM capstone.load_audit WHERE run_id = 'fallback' AND status = 'loaded'") == 2


@pytest.mark.parametrize("content, records", [
    (b"1,a\n2,b\n", 2), (b"1,a\n2,b", 2), (b"1,a\r\n2,b\r\n", 2), (b"1,a\n\n2,b\n\n", 2), (b"\n\n", 0),
    (b'1,"a\nb"\n2,b\n', 2), (b'1,"a\r\nb"\r\n', 1), (b'1,""\n2,"x"\n', 2),
    (b'1,"a, b"\n2,"c ""d"""\n', 2), (b'1,"a"\n  \n2,"b"\n', 2), (b'1,"a"\n\t\r\n2,b', 2), (b'1,"a"\n 2,b\n', 2),
    (b'1,"a\rb"\n', 1),
])
def test_count_records(content, records):
    """The fast path (line breaks) and the record path agree with a CSV parser's record count."""
    assert count_records(io.BytesIO(content), first_line=1) == records
    assert sum(1 for _ in record_lines(io.BytesIO(content), first_line=1)) == records


def test_count_records_agrees_with_record_lines_at_every_chunk_size(monkeypatch):
    """Random CSV text (quotes, escaped quotes, line breaks and carriage returns inside and outside quotes, blank
    and indented lines), read in chunks of 1 to 7 bytes and whole: the fast count equals the record-by-record one,
    or both refuse the text. (A file without quotes is counted by its line breaks, a line of only spaces too, as
    before: those texts are left out.)"""
    import random
    import re

    from capstone_assets.lib import csv_records

    pieces = [b"1", b"ab", b",", b'"p,q"', b'"a ""b"""', b"\n", b"\r\n", b'"', b" ", b"\t", b'"x\ny"', b"\r"]
    weights = [9, 9, 9, 6, 3, 6, 2, 1, 1, 1, 1, 1]  # mostly well-formed records, so both paths are taken
    generator = random.Random(18)
    texts = [b"".join(generator.choices(pieces, weights, k=generator.randint(0, 40))) for _ in range(3000)]
    texts = [t for t in texts if b'"' in t or not re.search(rb"(^|\n)[ \t]+\r?(\n|$)", t)]
    assert len(texts) > 2000
    for chunk in (1, 2, 3, 7, csv_records.CHUNK):
        monkeypatch.setattr(csv_records, "CHUNK", chunk)
        for text in texts:
            try:
                exact: int | str = sum(1 for _ in record_lines(io.BytesIO(text), first_line=1))
            except CsvParseError as error:
                exact = str(error)
            try:
                fast: int | str = count_records(io.BytesIO(text), first_line=1)
            except CsvParseError as error:
                fast = str(error)
            assert fast == exact, (chunk, text)


def test_record_lines_report_where_each_record_starts():
    content = b'1,"a\nb"\n\n2,c\n3,"d\n\ne"\n4,f\n'
    assert [line for line, _ in record_lines(io.BytesIO(content), first_line=1)] == [1, 4, 5, 8]
    with pytest.raises(CsvParseError, match="line 2"):
        list(record_lines(io.BytesIO(b'1,a\n2,"b\n3,c\n'), first_line=1))
