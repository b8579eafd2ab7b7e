"""The defects a Redshift review found (issue 13, section 3), each shown fixed on the production path: the product's
RedshiftWarehouse through the real redshift_connector against PostgreSQL, Redshift-only statements emulated."""

from __future__ import annotations

import uuid

import pytest

from capstone_assets.learning.specs import MODEL_SPECS as LEARNING_MODELS
from capstone_assets.lib.models import ensure_model_table, statements_for, write_lock
from capstone_assets.lib.results import scope_filter

pytestmark = pytest.mark.prod_path

DIM_USERS = next(spec for spec in LEARNING_MODELS if spec.name == "dim_users")


def run_model(warehouse, spec, partitions=({},)) -> None:
    """What a model asset's run writes (lib.models.materialize_model without the Dagster context)."""
    ensure_model_table(warehouse, spec)
    warehouse.execute(*statements_for(spec, scope_filter(list(partitions))), lock=write_lock(spec))


def add_user(warehouse, user_id: int) -> None:
    warehouse.execute(("INSERT INTO learning.stg_users VALUES (%s, %s, %s, 'fr', '2019-01-01', 'data_science', 'u.csv')",
                       (user_id, f"user {user_id}", f"u{user_id}@example.com")))


def test_replace_model_keeps_its_grants_and_an_analysts_view(prod_warehouse, postgres_server, prod_env):
    """Defect 9: a replace-mode model used to DROP and re-create its table: grants were lost every run, and a view an
    analyst built on it made the DROP fail."""
    prod_warehouse.ensure_table("learning", "stg_users")
    add_user(prod_warehouse, 1)
    run_model(prod_warehouse, DIM_USERS)
    analyst = f"analyst_{uuid.uuid4().hex[:8]}"
    postgres_server.admin_execute(f"CREATE ROLE {analyst}")
    prod_warehouse.execute("CREATE VIEW public.analyst_users AS SELECT user_id, email FROM learning.dim_users",
                           f"GRANT SELECT ON learning.dim_users TO {analyst}")
    add_user(prod_warehouse, 2)

    run_model(prod_warehouse, DIM_USERS)

    assert prod_warehouse.query("SELECT user_id FROM public.analyst_users ORDER BY user_id") == [(1,), (2,)]
    assert prod_warehouse.query("SELECT has_table_privilege(%s, 'learning.dim_users', 'SELECT')", (analyst,)) == [(True,)]


def test_replace_model_rebuilds_its_table_when_the_select_changes_its_columns(prod_warehouse):
    prod_warehouse.ensure_table("learning", "stg_users")
    add_user(prod_warehouse, 1)
    prod_warehouse.execute("CREATE SCHEMA IF NOT EXISTS learning", "CREATE TABLE learning.dim_users (user_id BIGINT, gone INT)")
    run_model(prod_warehouse, DIM_USERS)
    assert [name for name, _ in prod_warehouse.table_schema("learning", "dim_users")] == [
        "user_id", "user_name", "email", "country", "signup_date", "degree"]
    assert prod_warehouse.query("SELECT user_id, email FROM learning.dim_users") == [(1, "u1@example.com")]


# ---- loads --------------------------------------------------------------------------------------------------------
HEADER = b"view_id,user_id,video_id,viewed_at,watched_seconds\n"


def video_log_request(settings, lake, month: int, files: dict[str, bytes], max_rejected_rows: int = 0):
    import dagster as dg

    from capstone_assets.learning.specs import stage_specs
    from capstone_assets.lib.partitions import partition_values
    from capstone_assets.resources.warehouse import LoadRequest

    folder = f"learning/data_science/2019/{month}/"
    for name, data in files.items():
        lake.write_bytes(folder + name, data)
    spec = next(s for s in stage_specs(settings) if s.name == "stg_video_log")
    values = partition_values(dg.MultiPartitionKey({"degree": "data_science", "month": f"2019-{month:02d}-01"}))
    return LoadRequest(schema="learning", table="stg_video_log", columns=spec.columns,
                       file_fields=tuple((c.name, c.name) for c in spec.file_columns), format="csv",
                       files=tuple(o for o in lake.list(folder) if o.key[len(folder):] in files),
                       partition=values, max_rejected_rows=max_rejected_rows)


def rows_of(n: int, start: int = 1, day: int = 5) -> bytes:
    return b"".join(b"%d,2,3,2019-01-%02d 10:00:00,60\n" % (i, day) for i in range(start, start + n))


def test_bad_value_fails_naming_file_line_and_column_and_keeps_the_previous_rows(prod_warehouse, prod_lake, prod_settings):
    """Defect 2: the load-error log was read with pg_last_copy_id(), which a rolled-back COPY does not set, from
    stl_load_errors, which Serverless does not have: the error named no line."""
    from capstone_assets.resources.warehouse import LoadError

    prod_warehouse.ensure_table("learning", "stg_video_log")
    prod_warehouse.load(video_log_request(prod_settings, prod_lake, 1, {"video_log.csv": HEADER + rows_of(2)}), prod_lake)
    bad = HEADER + rows_of(1, start=10) + b"11,2,3,2019-01-05 10:00:00,twelve\n"
    with pytest.raises(LoadError) as error:
        prod_warehouse.load(video_log_request(prod_settings, prod_lake, 1, {"video_log.csv": bad}), prod_lake)
    assert "learning/data_science/2019/1/video_log.csv, line 3, column 'watched_seconds'" in str(error.value)
    assert [(r.file, r.line, r.column) for r in error.value.rejected] == [
        ("learning/data_science/2019/1/video_log.csv", 3, "watched_seconds")]
    assert prod_warehouse.query('SELECT view_id FROM learning.stg_video_log ORDER BY 1') == [(1,), (2,)]
    assert prod_lake.list("_manifests/") == []


def test_maxerror_load_reports_the_rows_it_skipped(prod_warehouse, prod_lake, prod_settings, redshift_emulator):
    prod_warehouse.ensure_table("learning", "stg_video_log")
    data = HEADER + rows_of(1) + b"2,2,x,2019-01-05 10:00:00,60\n" + rows_of(1, start=3)
    outcome = prod_warehouse.load(video_log_request(prod_settings, prod_lake, 1, {"video_log.csv": data}, 5), prod_lake)
    assert outcome.rows == 2 and [(r.line, r.column) for r in outcome.rejected] == [(3, "video_id")]


def test_every_row_names_its_own_file_and_the_manifests_are_removed(prod_warehouse, prod_lake, prod_settings):
    """Defect 7: a partition of several files stored its manifest's URI as every row's _source_file."""
    prod_warehouse.ensure_table("learning", "stg_video_log")
    files = {f"part-{i}.csv": HEADER + rows_of(2, start=10 * i, day=i + 1) for i in range(1, 4)}
    outcome = prod_warehouse.load(video_log_request(prod_settings, prod_lake, 1, files), prod_lake)
    assert outcome.rows == 6
    assert prod_warehouse.query("SELECT _source_file, MIN(view_id), COUNT(*) FROM learning.stg_video_log "
                                "GROUP BY _source_file ORDER BY 1") == [
        (f"learning/data_science/2019/1/part-{i}.csv", 10 * i, 2) for i in range(1, 4)]
    assert prod_lake.list("_manifests/") == []


def test_concurrent_loads_of_one_table_both_land(prod_settings, prod_lake, prod_warehouse):
    """Defect 4: two runs writing one staged table at once (a backfill: one run per degree) — each transaction locks
    the table first, and a serialization conflict is retried."""
    from concurrent.futures import ThreadPoolExecutor

    prod_warehouse.ensure_table("learning", "stg_video_log")
    requests = [video_log_request(prod_settings, prod_lake, month, {"video_log.csv": HEADER + rows_of(3, start=month * 10)})
                for month in range(1, 5)]
    # one resource per concurrent run (each its own connection)
    writers = [prod_warehouse.model_copy() for _ in requests]
    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(lambda pair: pair[0].load(pair[1], prod_lake), zip(writers, requests)))
    assert [o.rows for o in outcomes] == [3, 3, 3, 3]
    assert prod_warehouse.query('SELECT "month", COUNT(*) FROM learning.stg_video_log GROUP BY 1 ORDER BY 1')[0][1] == 3
    assert prod_warehouse.row_count("learning", "stg_video_log") == 12


# ---- the audit trail ----------------------------------------------------------------------------------------------
def test_audit_of_a_load_of_thousands_of_files_fits_its_columns(prod_warehouse):
    """Defect 5: load_audit.files VARCHAR(65535) held the joined file list (about 1,300 song files overflow it, after
    the load committed), and error texts were cut by characters, not bytes."""
    import datetime as dt

    from capstone_assets.lib.audit import LoadRecord, record_loads
    from capstone_assets.resources.warehouse import RejectedRow

    files = [f"sparkify/song_data/A/B/C/TRABC{i:05d}1234567890123456789012345678901234567890.json" for i in range(1300)]
    reason = "é" * 40000  # 80,000 bytes in 40,000 characters
    record = LoadRecord(run_id="r1", asset="sparkify.staging_songs", partition="all rows", files=files, source_rows=1300,
                        rows_loaded=None, rejected=[RejectedRow(file=files[0], line=1, column="title", reason=reason)],
                        status="failed", error="ü" * 40000, started_at=dt.datetime(2026, 1, 1))
    record_loads(prod_warehouse, [record])
    assert prod_warehouse.query("SELECT COUNT(*), COUNT(DISTINCT source_file) FROM capstone.load_files "
                                "WHERE run_id = 'r1'") == [(1300, 1300)]
    files_text, error_bytes = prod_warehouse.query("SELECT files, octet_length(error) FROM capstone.load_audit")[0]
    assert files_text.endswith(",... and 1280 more (capstone.load_files)") and error_bytes == 65534
    assert prod_warehouse.query("SELECT octet_length(reason) FROM capstone.rejected_rows") == [(65534,)]


# ---- connections --------------------------------------------------------------------------------------------------
def test_a_run_uses_one_connection_not_one_per_query(prod_env, prod_lake, redshift_emulator, tmp_path):
    """Defect 8: every query opened a new (TLS) connection: 280 for a small run."""
    from capstone_assets.learning.generator import generate
    from capstone_assets.settings import load_settings
    from capstone_assets_tests.helpers import materialize

    generate(tmp_path / "lake", scale=0.002, degrees=("data_science",), months=[1])
    prod_lake.upload_tree(tmp_path / "lake", "learning")
    settings = load_settings({**prod_env, "CAPSTONE_DEGREES": "data_science", "CAPSTONE_LEARNING_END": "2019-02-01",
                              "CAPSTONE_DUCKDB_PATH": str(tmp_path / "unused.duckdb")})
    opened = redshift_emulator.connections_opened
    report = materialize(settings, '+key:"learning/stg_video_log"')
    assert [error for _, ok, _, error in report.runs if not ok] == []
    statements = len(redshift_emulator.statements)
    assert statements > 50 and redshift_emulator.connections_opened - opened == len(report.runs)


def test_a_batch_of_partitions_loads_each_partition_from_its_own_files(prod_warehouse, prod_lake, prod_settings):
    prod_warehouse.ensure_table("learning", "stg_video_log")
    requests = [video_log_request(prod_settings, prod_lake, month, {"video_log.csv": HEADER + rows_of(2, start=10 * month)})
                for month in (1, 2, 3)]
    assert [o.rows for o in prod_warehouse.load_batch(requests, prod_lake)] == [2, 2, 2]
    assert prod_warehouse.query('SELECT EXTRACT(MONTH FROM "month"), view_id FROM learning.stg_video_log ORDER BY 1, 2') \
        == [(month, view_id) for month in (1, 2, 3) for view_id in (10 * month, 10 * month + 1)]
    assert prod_lake.list("_manifests/") == []


def test_connect_timeout_bounds_connecting_only_and_statement_timeout_bounds_statements(prod_warehouse):
    """The driver keeps its `timeout` on the socket for every read: a query longer than the connect timeout failed."""
    import redshift_connector

    patient = prod_warehouse.model_copy(update={"connect_timeout_seconds": 1})
    assert patient.query("SELECT 1 FROM (SELECT pg_sleep(1.5)) AS slept") == [(1,)]
    impatient = prod_warehouse.model_copy(update={"statement_timeout_seconds": 1})
    with pytest.raises(redshift_connector.ProgrammingError, match="statement timeout"):
        impatient.query("SELECT 1 FROM (SELECT pg_sleep(3)) AS slept")
