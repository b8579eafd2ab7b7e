"""A fresh test database made to look like a Redshift database to the project.

- SERIALIZABLE transactions by default, as Redshift's (concurrent writers conflict: SQLSTATE 40001);
- owned by the MD5 login role the product connects as (driver.py), which is not a superuser;
- every Redshift function PostgreSQL lacks, as shims (shims.py);
- the load-error log as a table: `sys_load_error_detail` (provisioned and Serverless), with exactly Redshift's
  documented columns (it has no raw line: a query for one fails here as on Redshift); users may read it, only
  the harness writes it. (`stl_load_errors`, provisioned only, is not emulated: the product no longer reads it,
  so a query of it fails here as on Serverless.);
- Redshift's rule that CHAR(n)/VARCHAR(n) count BYTES, enforced by the server itself on every write: an event
  trigger gives each table created (CREATE TABLE, CREATE TABLE AS, SELECT INTO) a CHECK constraint
  `octet_length(col) <= n` per VARCHAR column (a bare VARCHAR or TEXT in CREATE TABLE becomes VARCHAR(256), as on Redshift),
  and single-byte characters only in CHAR(n) columns (Redshift's CHAR holds no multibyte character). A value
  that fits PostgreSQL's character count but not Redshift's byte count is refused.
"""

from __future__ import annotations

from capstone_assets_tests.prod_path.shims import shim_sql

SYSTEM_TABLES = """
CREATE TABLE public.sys_load_error_detail (
    user_id integer, query_id bigint, transaction_id bigint, session_id integer, database_name character(64),
    table_id integer, start_time timestamp, file_name character(256), line_number bigint,
    column_name character(127), column_type character(10), column_length character(10), position integer,
    error_code integer, error_message character(512));
"""

BYTE_LENGTH_TRIGGER = """
CREATE FUNCTION public.redshift_byte_lengths() RETURNS event_trigger LANGUAGE plpgsql AS $$
DECLARE
    created record;
    col record;
    bytes integer;
BEGIN
    FOR created IN SELECT * FROM pg_event_trigger_ddl_commands()
                   WHERE object_type = 'table' AND command_tag IN ('CREATE TABLE', 'CREATE TABLE AS', 'SELECT INTO')
    LOOP
        FOR col IN SELECT a.attname, a.atttypmod, t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
                   WHERE a.attrelid = created.objid AND a.attnum > 0 AND NOT a.attisdropped
                     AND t.typname IN ('varchar', 'bpchar', 'text')
        LOOP
            IF col.atttypmod > 4 THEN
                bytes := col.atttypmod - 4;
            ELSIF created.command_tag = 'CREATE TABLE' THEN  -- Redshift: VARCHAR and TEXT are VARCHAR(256)
                bytes := 256;
                EXECUTE format('ALTER TABLE %s ALTER COLUMN %I TYPE varchar(256)', created.object_identity, col.attname);
            ELSE
                CONTINUE;  -- an expression column of CREATE TABLE AS: Redshift computes its length; not emulated
            END IF;
            IF col.typname = 'bpchar' THEN  -- Redshift's CHAR holds single-byte characters only
                EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I CHECK (octet_length(%I::text) = char_length(%I::text))',
                               created.object_identity, left(col.attname || '_fits_' || bytes || '_bytes', 63),
                               col.attname, col.attname);
            ELSE
                EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I CHECK (octet_length(%I) <= %s)', created.object_identity,
                               left(col.attname || '_fits_' || bytes || '_bytes', 63), col.attname, bytes);
            END IF;
        END LOOP;
    END LOOP;
END $$;
CREATE EVENT TRIGGER redshift_byte_lengths ON ddl_command_end
    WHEN TAG IN ('CREATE TABLE', 'CREATE TABLE AS', 'SELECT INTO') EXECUTE FUNCTION public.redshift_byte_lengths();
"""


def create_redshift_database(server, role: str) -> str:
    """A new database in `server`, owned by `role`, set up as above; returns its name."""
    name = server.create_database("rs")
    server.admin_execute(f'ALTER DATABASE "{name}" OWNER TO {role}')
    # Redshift (provisioned) runs every transaction SERIALIZABLE: concurrent writers of one table conflict, and
    # the loser is rolled back (Redshift error 1023; PostgreSQL's SQLSTATE 40001)
    server.admin_execute(f"ALTER DATABASE \"{name}\" SET default_transaction_isolation TO 'serializable'")
    server.admin_execute(f"ALTER SCHEMA public OWNER TO {role}", name)
    setup = shim_sql() + SYSTEM_TABLES + BYTE_LENGTH_TRIGGER + (
        f"GRANT SELECT ON public.sys_load_error_detail TO {role};")
    server.admin_execute(setup, name)
    return name
