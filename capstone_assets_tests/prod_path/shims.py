"""Every Redshift function PostgreSQL 15 lacks, as a SQL function created in each test database: the one list.

Each entry says why it exists. The statements the product sends run verbatim, except for the rewrites listed
in `rewrites.py`; a shim never changes what a statement means, only supplies a function Redshift has.
"""

from __future__ import annotations

from dataclasses import dataclass



@dataclass(frozen=True)
class Shim:
    name: str
    reason: str
    sql: str


SHIMS: tuple[Shim, ...] = (
    Shim("dateadd", "Redshift DATEADD(datepart, n, date|timestamp) returns a TIMESTAMP; PostgreSQL has no DATEADD",
         """
CREATE FUNCTION dateadd(part text, n bigint, value timestamp) RETURNS timestamp LANGUAGE sql IMMUTABLE AS $$
  SELECT value + n * CASE lower(part)
    WHEN 'microsecond' THEN interval '1 microsecond' WHEN 'millisecond' THEN interval '1 millisecond'
    WHEN 'second' THEN interval '1 second' WHEN 'minute' THEN interval '1 minute' WHEN 'hour' THEN interval '1 hour'
    WHEN 'day' THEN interval '1 day' WHEN 'week' THEN interval '1 week' WHEN 'month' THEN interval '1 month'
    WHEN 'quarter' THEN interval '3 months' WHEN 'year' THEN interval '1 year' END $$;
CREATE FUNCTION dateadd(part text, n bigint, value date) RETURNS timestamp LANGUAGE sql IMMUTABLE AS $$
  SELECT dateadd(part, n, value::timestamp) $$;
"""),
    Shim("datediff", "Redshift DATEDIFF(datepart, a, b) counts datepart boundaries crossed; PostgreSQL has none",
         """
CREATE FUNCTION datediff(part text, a timestamp, b timestamp) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE lower(part)
    WHEN 'year' THEN extract(year FROM b)::bigint - extract(year FROM a)::bigint
    WHEN 'quarter' THEN (extract(year FROM b)::bigint * 4 + extract(quarter FROM b)::bigint)
                      - (extract(year FROM a)::bigint * 4 + extract(quarter FROM a)::bigint)
    WHEN 'month' THEN (extract(year FROM b)::bigint * 12 + extract(month FROM b)::bigint)
                    - (extract(year FROM a)::bigint * 12 + extract(month FROM a)::bigint)
    WHEN 'week' THEN (date_trunc('week', b)::date - date_trunc('week', a)::date) / 7
    WHEN 'day' THEN b::date - a::date
    WHEN 'hour' THEN floor(extract(epoch FROM date_trunc('hour', b) - date_trunc('hour', a)) / 3600)::bigint
    WHEN 'minute' THEN floor(extract(epoch FROM date_trunc('minute', b) - date_trunc('minute', a)) / 60)::bigint
    WHEN 'second' THEN floor(extract(epoch FROM date_trunc('second', b) - date_trunc('second', a)))::bigint
  END $$;
CREATE FUNCTION datediff(part text, a date, b date) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
  SELECT datediff(part, a::timestamp, b::timestamp) $$;
"""),
    Shim("getdate", "Redshift GETDATE() is the current UTC timestamp without fractional seconds",
         """
CREATE FUNCTION getdate() RETURNS timestamp LANGUAGE sql STABLE AS $$
  SELECT date_trunc('second', now() AT TIME ZONE 'UTC') $$;
"""),
    Shim("nvl", "Redshift NVL(a, b) is COALESCE with two arguments; PostgreSQL has no NVL",
         """
CREATE FUNCTION nvl(a anycompatible, b anycompatible) RETURNS anycompatible LANGUAGE sql IMMUTABLE AS $$
  SELECT COALESCE(a, b) $$;
"""),
    Shim("split_part", "Redshift casts a BIGINT position (e.g. from ROW_NUMBER()) to INTEGER implicitly; PostgreSQL "
                       "has only split_part(text, text, integer)",
         """
CREATE FUNCTION split_part(value text, delimiter text, part_number bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT split_part(value, delimiter, part_number::integer) $$;
"""),
    Shim("round", "Redshift ROUND(DOUBLE PRECISION, n) returns a DOUBLE PRECISION; PostgreSQL rounds to n digits only "
                  "NUMERIC values",
         """
CREATE FUNCTION round(value double precision, digits integer) RETURNS double precision LANGUAGE sql IMMUTABLE AS $$
  SELECT round(value::numeric, digits)::double precision $$;
"""),
    Shim("len", "Redshift LEN(text) is LENGTH; PostgreSQL has no LEN",
         """
CREATE FUNCTION len(value text) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT length(value) $$;
"""),
    Shim("convert_timezone", "Redshift CONVERT_TIMEZONE([from,] to, timestamp) (from defaults to UTC); PostgreSQL "
                             "spells it AT TIME ZONE twice",
         """
CREATE FUNCTION convert_timezone(source text, target text, value timestamp) RETURNS timestamp LANGUAGE sql
  STABLE AS $$ SELECT (value AT TIME ZONE source) AT TIME ZONE target $$;
CREATE FUNCTION convert_timezone(target text, value timestamp) RETURNS timestamp LANGUAGE sql STABLE AS $$
  SELECT convert_timezone('UTC', target, value) $$;
"""),
    Shim("pg_last_copy_id", "Redshift PG_LAST_COPY_ID(): the query id of this session's last COPY, -1 if none; the "
                            "COPY emulation records it as a session setting, which a rollback undoes (as on Redshift, "
                            "where a rolled-back COPY does not update it)",
         """
CREATE FUNCTION pg_last_copy_id() RETURNS integer LANGUAGE sql STABLE AS $$
  SELECT COALESCE(NULLIF(current_setting('redshift.last_copy_id', true), ''), '-1')::integer $$;
"""),
    Shim("pg_last_unload_count", "Redshift PG_LAST_UNLOAD_COUNT(): rows the session's last UNLOAD wrote; the UNLOAD "
                                 "emulation records it as a session setting",
         """
CREATE FUNCTION pg_last_unload_count() RETURNS bigint LANGUAGE sql STABLE AS $$
  SELECT COALESCE(NULLIF(current_setting('redshift.last_unload_count', true), ''), '0')::bigint $$;
"""),
)


def shim_sql() -> str:
    return "\n".join(shim.sql for shim in SHIMS)
