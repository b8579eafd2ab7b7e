"""What a model sends: its SQL file verbatim (never sqlglot's re-rendering), and no bind parameter where Redshift
refuses them (CREATE TABLE ... AS, scalar subqueries of the batched check query)."""

from __future__ import annotations

import datetime as dt

import pytest

from capstone_assets.flights.specs import MODEL_SPECS as FLIGHTS
from capstone_assets.learning.specs import MODEL_SPECS as LEARNING
from capstone_assets.lib import checks as c
from capstone_assets.lib.models import statements_for
from capstone_assets.lib.results import scope_filter
from capstone_assets.lib.sql import inline, literal, read_sql
from capstone_assets.sparkify.specs import model_specs as sparkify_specs
from capstone_assets.stedi.specs import MODEL_SPECS as STEDI


def all_model_specs(settings):
    return [*LEARNING, *FLIGHTS, *STEDI, *sparkify_specs(settings)]


def test_every_model_sends_its_sql_file_verbatim(settings):
    for spec in all_model_specs(settings):
        partitions = [{"month": dt.date(2018, 11, 1)}] if spec.partitions is not None else [{}]
        select = read_sql(spec.group, spec.name)
        sent = [sql for sql, _ in statements_for(spec, scope_filter(partitions))]
        assert any(select in sql for sql in sent), f"{spec.group}.{spec.name}: the SQL file is not sent as written"


def test_songplays_keeps_timestamp_epoch_as_written(settings):
    songplays = next(s for s in sparkify_specs(settings) if s.name == "songplays")
    sent = " ".join(sql for sql, _ in statements_for(songplays, scope_filter([{"month": dt.date(2018, 11, 1)}])))
    assert "TIMESTAMP 'epoch'" in sent and "CAST('epoch' AS TIMESTAMP)" not in sent


def test_partitioned_model_statements_carry_literals_not_parameters(settings):
    songplays = next(s for s in sparkify_specs(settings) if s.name == "songplays")
    for sql, params in statements_for(songplays, scope_filter([{"month": dt.date(2018, 11, 1)}, {"month": dt.date(2018, 12, 1)}])):
        assert params == [] and "%s" not in sql, sql
    create = statements_for(songplays, scope_filter([{"month": dt.date(2018, 11, 1)}]))[0][0]
    assert create.startswith("CREATE TEMPORARY TABLE") and "\"month\" = CAST('2018-11-01' AS DATE)" in create


def test_batched_check_query_has_no_parameters():
    where, params = scope_filter([{"degree": "data_science", "month": dt.date(2019, 1, 1)}])
    sql, bound = c.not_null("user_id").count_sql('"learning"."stg_video_log"', where, params)
    assert bound == [] and "'data_science'" in sql and "CAST('2019-01-01' AS DATE)" in sql


@pytest.mark.parametrize("value, expected", [
    ("it's", "'it''s'"), ("a\\b", "'a' || CHR(92) || 'b'"), (3, "3"), (2.5, "2.5"), (None, "NULL"), (True, "TRUE"),
    (dt.date(2019, 1, 1), "CAST('2019-01-01' AS DATE)"),
    (dt.datetime(2019, 1, 1, 5, 6, 7), "CAST('2019-01-01 05:06:07' AS TIMESTAMP)"),
])
def test_literal(value, expected):
    assert literal(value) == expected


def test_literal_refuses_what_it_cannot_render_safely():
    for bad in ("nul\x00", float("nan"), object()):
        with pytest.raises((ValueError, TypeError)):
            literal(bad)
    with pytest.raises(ValueError, match="placeholder"):
        inline("a = %s AND b = %s", [1])


def test_literals_read_back_the_same_on_duckdb(tmp_path):
    import duckdb

    from capstone_assets.lib.sql import to_dialect

    values = ["it's", "back\\slash", "ünïcödé ", 7, 2.25, dt.date(2019, 1, 31), dt.datetime(2019, 1, 1, 23, 59, 58)]
    sql = "SELECT " + ", ".join(literal(v) for v in values)
    assert duckdb.connect().execute(to_dialect(sql, "duckdb")).fetchone() == tuple(values)
