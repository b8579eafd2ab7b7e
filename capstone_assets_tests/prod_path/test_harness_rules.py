"""The Redshift-only rules fail when broken: each is shown refusing a statement PostgreSQL itself accepts,
and letting the project's legitimate statements through. The reviewed rewrites are tested here too."""

from __future__ import annotations

import pytest
import redshift_connector

from capstone_assets_tests.prod_path import rewrites, rules
from capstone_assets_tests.prod_path.harness import connect, rows

pytestmark = pytest.mark.prod_path


@pytest.mark.parametrize("sql", [
    "SELECT column_name FROM information_schema.columns c JOIN stedi.customer_trusted t ON t.email = c.column_name",
    "SELECT (SELECT COUNT(*) FROM stedi.customer_trusted) AS a, (SELECT COUNT(*) FROM information_schema.columns) AS b",
    "SELECT * FROM stl_load_errors WHERE filename IN (SELECT _source_file FROM learning.stg_users)",
    "SELECT * FROM pg_catalog.pg_class c, learning.dim_users u WHERE c.relname = u.user_name",
    "SELECT * FROM sys_load_error_detail d JOIN capstone.load_audit a ON a.run_id = d.file_name",
])
def test_catalog_tables_mixed_with_user_tables_are_refused(sql):
    assert any("mixed with user tables" in v for v in rules.violations(sql, False))


@pytest.mark.parametrize("sql", [
    "SELECT column_name FROM information_schema.columns WHERE table_schema = %s",
    "SELECT TRIM(file_name), line_number FROM sys_load_error_detail WHERE session_id = pg_backend_pid()",
    "WITH pg_like AS (SELECT 1 AS x) SELECT * FROM pg_like JOIN learning.dim_users u ON u.user_id = pg_like.x",
    "SELECT COUNT(*) FROM learning.stg_users WHERE degree = %s",
])
def test_catalog_alone_or_user_tables_alone_pass(sql):
    assert rules.violations(sql, "%s" in sql) == ()


@pytest.mark.parametrize("sql, reason", [
    ('CREATE TEMPORARY TABLE "_m" AS SELECT * FROM (SELECT * FROM learning.x) AS q WHERE "month" = %s', "CREATE TABLE"),
    ("CREATE VIEW learning.v AS SELECT * FROM learning.x WHERE degree = %s", "CREATE TABLE ... AS / CREATE VIEW"),
    ("UNLOAD ('SELECT * FROM sparkify.songplays WHERE month = %s') TO 's3://b/p/' IAM_ROLE default PARQUET", "UNLOAD"),
    ('INSERT INTO learning.stg_users ("user_id", "_source_file") SELECT "user_id", %s FROM "_load_stg_users"',
     "select list of INSERT ... SELECT"),
])
def test_bind_parameters_where_redshift_refuses_them_are_refused(sql, reason):
    assert any(reason in v for v in rules.violations(sql, True))


@pytest.mark.parametrize("sql", [
    'DELETE FROM "learning"."stg_users" WHERE "degree" = %s AND "month" = %s',
    'INSERT INTO "capstone"."load_audit" ("run_id", "asset") VALUES (%s, %s), (%s, %s)',
    'INSERT INTO "learning"."stg_users" ("user_id", "degree") SELECT "user_id", \'data_science\' FROM "_load_stg_users"',
    "SELECT (SELECT COUNT(*) FROM learning.x WHERE degree = %s) AS c0",
])
def test_bind_parameters_where_redshift_takes_them_pass(sql):
    assert rules.violations(sql, True) == ()


def test_the_proxy_refuses_a_violation_even_though_postgresql_would_run_it(prod_env, redshift_emulator):
    connection = connect(prod_env)
    cursor = connection.cursor()
    sql = "SELECT COUNT(*) FROM information_schema.tables t JOIN public.sys_load_error_detail d ON true"
    cursor.execute("CREATE TABLE public.mine (x INTEGER)")
    with pytest.raises(rules.RedshiftRuleViolation, match="mixed with user tables"):
        cursor.execute("SELECT COUNT(*) FROM information_schema.tables t JOIN public.mine m ON true")
    assert len(redshift_emulator.violations) == 1
    redshift_emulator.violations.clear()  # provoked on purpose
    cursor.execute(sql.replace("public.sys_load_error_detail d", "pg_catalog.pg_class d"))  # catalog with catalog
    connection.rollback()
    connection.close()


@pytest.mark.parametrize("ddl, value, fits", [
    ("VARCHAR(4)", "abcd", True),
    ("VARCHAR(4)", "éé", True),        # 4 bytes
    ("VARCHAR(4)", "ééé", False),      # 3 characters (PostgreSQL would accept), 6 bytes (Redshift refuses)
    ("CHAR(2)", "ab", True),
    ("CHAR(2)", "é", False),           # Redshift's CHAR takes single-byte characters only
    ("VARCHAR", "x" * 256, True),      # a bare VARCHAR is VARCHAR(256) on Redshift
    ("VARCHAR", "x" * 257, False),
])
def test_every_write_is_held_to_redshift_byte_lengths(prod_env, redshift_emulator, ddl, value, fits):
    connection = connect(prod_env)
    cursor = connection.cursor()
    cursor.execute(f"CREATE TABLE public.sized (v {ddl})")
    cursor.execute("CREATE TEMPORARY TABLE copied AS SELECT * FROM public.sized WHERE 1 = 0")
    statements = ["INSERT INTO public.sized VALUES (%s)", "INSERT INTO copied VALUES (%s)"]
    for statement in statements:
        if fits:
            cursor.execute(statement, (value,))
        else:
            with pytest.raises(redshift_connector.ProgrammingError, match="fits_.*_bytes|value too long for type character varying"):
                cursor.execute(statement, (value,))
            connection.rollback()
            cursor.execute(f"CREATE TABLE IF NOT EXISTS public.sized (v {ddl})")
            cursor.execute("CREATE TEMPORARY TABLE IF NOT EXISTS copied AS SELECT * FROM public.sized WHERE 1 = 0")
    connection.rollback()
    connection.close()


def test_physical_layout_is_dropped_only_from_create_statements():
    sql = 'CREATE TABLE "flights"."airlines" (iata_code VARCHAR(3) ENCODE zstd, airline VARCHAR(64)) DISTSTYLE ALL SORTKEY (iata_code)'
    assert rewrites.rewrite(sql) == 'CREATE TABLE "flights"."airlines" (iata_code VARCHAR(3), airline VARCHAR(64))'
    ctas = 'CREATE TABLE "s"."t" DISTSTYLE EVEN COMPOUND SORTKEY("start_time") AS SELECT 1 AS start_time'
    assert rewrites.rewrite(ctas) == 'CREATE TABLE "s"."t" AS SELECT 1 AS start_time'
    commented = "-- the airlines\n/* a note */ CREATE TABLE IF NOT EXISTS a.b (x INTEGER)\nDISTSTYLE ALL\nSORTKEY (x)"
    assert rewrites.rewrite(commented) == "-- the airlines\n/* a note */ CREATE TABLE IF NOT EXISTS a.b (x INTEGER)"
    select = "SELECT 'DISTSTYLE ALL' AS words"
    assert rewrites.rewrite(select) == select


def test_datepart_words_become_the_shims_text_argument(prod_env, redshift_emulator):
    sql = 'SELECT DATEADD(month, 1, "month"), dateadd(Day, -30, x), DATEDIFF(day, a, b) FROM t'
    assert rewrites.rewrite(sql) == ("SELECT DATEADD('month', 1, \"month\"), dateadd('day', -30, x), "
                                     "DATEDIFF('day', a, b) FROM t")
    connection = connect(prod_env)
    got = rows(connection, "SELECT DATEADD(month, 1, CAST('2019-01-31' AS DATE)), DATEADD(day, -30, "
                           "CAST('2019-03-01 10:00:00' AS TIMESTAMP)), DATEDIFF(month, CAST('2019-01-31' AS DATE), "
                           "CAST('2019-02-01' AS DATE)), DATEDIFF(day, CAST('2019-01-01 23:59:00' AS TIMESTAMP), "
                           "CAST('2019-01-02 00:01:00' AS TIMESTAMP))")
    assert [str(v) for v in got[0]] == ["2019-02-28 00:00:00", "2019-01-30 10:00:00", "1", "1"]
    connection.close()


def test_shims_answer_as_redshift(prod_env, redshift_emulator):
    connection = connect(prod_env)
    got = rows(connection, "SELECT ROUND(CAST(2.345 AS DOUBLE PRECISION), 2), NVL(NULL, 'x'), LEN('abc'), "
                           "SPLIT_PART('a b c', ' ', CAST(2 AS BIGINT)), DATEDIFF(year, CAST('2018-12-31' AS DATE), "
                           "CAST('2019-01-01' AS DATE)), CONVERT_TIMEZONE('UTC', 'America/New_York', "
                           "CAST('2019-01-01 12:00:00' AS TIMESTAMP))")
    assert [str(v) for v in got[0]] == ["2.35", "x", "3", "b", "1", "2019-01-01 07:00:00"]
    assert rows(connection, "SELECT GETDATE() <= CAST(now() AT TIME ZONE 'UTC' AS TIMESTAMP)") == [(True,)]
    connection.close()
