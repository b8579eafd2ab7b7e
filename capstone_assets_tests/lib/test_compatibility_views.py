"""The source systems' table names kept as views (`flights.delayed_fligths_agg`, `stedi.customer_curated`):
their Redshift statements run on a PostgreSQL server (Redshift's ancestor) as sent; the DuckDB side is tested
with each group (flights/test_source_compatibility.py, stedi/test_source_names.py)."""

from __future__ import annotations

import psycopg2
import pytest

from capstone_assets.flights.specs import MODEL_SPECS as FLIGHTS_MODELS
from capstone_assets.lib.models import source_tables, statements_for
from capstone_assets.stedi.specs import MODEL_SPECS as STEDI_MODELS

VIEWS = {("flights", "delayed_fligths_agg"): ("flights", "delayed_flights_agg"),
         ("stedi", "customer_curated"): ("stedi", "customers_curated")}
SPECS = [spec for spec in (*FLIGHTS_MODELS, *STEDI_MODELS) if (spec.group, spec.name) in VIEWS]


def test_both_views_are_declared():
    assert {(spec.group, spec.name) for spec in SPECS} == set(VIEWS)
    for spec in SPECS:
        assert spec.kind == "view"
        assert [key.path for key in source_tables(spec.group, spec.name)] == [list(VIEWS[(spec.group, spec.name)])]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s.group}.{s.name}")
def test_redshift_statements_create_a_view_answering_like_its_table(spec, postgres_database):
    schema, table = VIEWS[(spec.group, spec.name)]
    with psycopg2.connect(dbname=postgres_database["database"], host=postgres_database["host"],
                          port=postgres_database["port"], user=postgres_database["user"],
                          password=postgres_database["password"]) as connection, connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{schema}"')
        cursor.execute(f'CREATE TABLE "{schema}"."{table}" AS SELECT 1 AS id, \'a\' AS name UNION ALL SELECT 2, \'b\'')
        for sql, params in statements_for(spec, ("1 = 1", [])):
            cursor.execute(sql, params or None)
        cursor.execute(f'INSERT INTO "{schema}"."{table}" VALUES (3, \'c\')')  # a view, not a copy
        cursor.execute(f'SELECT id, name FROM "{spec.group}"."{spec.name}" ORDER BY id')
        assert cursor.fetchall() == [(1, "a"), (2, "b"), (3, "c")]
        cursor.execute("SELECT table_type FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
                       (spec.group, spec.name))
        assert cursor.fetchall() == [("VIEW",)]
