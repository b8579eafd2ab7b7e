"""RedshiftWarehouse's loads: the exact statements, transaction boundaries and connections they use, captured from a
fake `redshift_connector.connect` (fake_redshift.py; the real path runs in capstone_assets_tests/prod_path). Its
connections, authentication and prod binding: test_redshift_connections.py."""

from __future__ import annotations

import json

import dagster as dg
import pytest
import redshift_connector

from capstone_assets.learning.specs import stage_specs
from capstone_assets.lib.loading import find_files
from capstone_assets.lib.partitions import partition_values
from capstone_assets.resources import S3Lake
from capstone_assets.resources.warehouse import LoadError, LoadRequest
from capstone_assets.settings import load_settings
from capstone_assets_tests.resources.fake_redshift import PASSWORD, PROD, ROLE, non_statements, sequence, statements

CONFLICT = redshift_connector.ProgrammingError(
    {"S": "ERROR", "C": "XX000", "M": "1023", "D": "Serializable isolation violation on table - 100, transactions "
                                                   "forming the cycle are: 1, 2"})


@pytest.fixture
def lake(bucket, s3_endpoint):
    return S3Lake(bucket=bucket, prefix="lake", endpoint_url=s3_endpoint)


def video_log_request(settings, lake, month: str, files: dict[str, bytes] | None = None, max_rejected_rows: int = 0):
    header = b"view_id,user_id,video_id,viewed_at,watched_seconds\n"
    number = int(month[5:7])
    for name, data in (files or {"video_log.csv": header + b"1,2,3,2019-01-05 10:00:00,60\n"}).items():
        lake.write_bytes(f"learning/data_science/2019/{number}/{name}", data)
    spec = next(s for s in stage_specs(settings) if s.name == "stg_video_log")
    values = partition_values(dg.MultiPartitionKey({"degree": "data_science", "month": month}))
    found = find_files(spec, lake, values) if files is None else tuple(
        o for o in lake.list(f"learning/data_science/2019/{number}/") if o.key.rsplit("/", 1)[1] in files)
    return LoadRequest(schema="learning", table="stg_video_log", columns=spec.columns,
                       file_fields=tuple((c.name, c.name) for c in spec.file_columns), format="csv",
                       files=found, partition=values, max_rejected_rows=max_rejected_rows)


@pytest.fixture
def partition_request(settings, lake):
    return lake, video_log_request(settings, lake, "2019-01-01")


def test_load_locks_copies_each_file_then_replaces_the_partition_in_one_transaction(fake_redshift, partition_request):
    warehouse, log, script = fake_redshift
    lake, request = partition_request
    manifests = []
    script["COPY "] = lambda sql: manifests.append(json.loads(lake.read_bytes(
        sql.split("FROM 's3://", 1)[1].split("'", 1)[0].split("/", 2)[2])))
    script["SELECT COUNT(*)"] = [(1,)]
    outcome = warehouse.load(request, lake)
    assert outcome.rows == 1
    sent = statements(log)
    assert sent[0] == 'LOCK "learning"."stg_video_log"'
    assert sent[1] == ('CREATE TEMPORARY TABLE "_load_stg_video_log" AS SELECT "view_id", "user_id", "video_id", '
                       '"viewed_at", "watched_seconds", "_source_file" FROM "learning"."stg_video_log" WHERE 1 = 0')
    copy = sent[2]
    assert copy.startswith('COPY "_load_stg_video_log" ("view_id", "user_id", "video_id", "viewed_at", "watched_seconds") FROM \'s3://')
    assert f"IAM_ROLE '{ROLE}' MANIFEST" in copy and "FORMAT AS CSV IGNOREHEADER 1" in copy and "MAXERROR 0" in copy
    assert sent[3] == 'DELETE FROM "learning"."stg_video_log" WHERE "degree" = %s AND "month" = %s'
    # the partition and the file as literals: Redshift cannot type bind parameters in INSERT ... SELECT's select list
    assert sent[4] == ('INSERT INTO "learning"."stg_video_log" ("view_id", "user_id", "video_id", "viewed_at", '
                       '"watched_seconds", "degree", "month", "_source_file") SELECT "view_id", "user_id", "video_id", '
                       '"viewed_at", "watched_seconds", \'data_science\', CAST(\'2019-01-01\' AS DATE), '
                       '\'learning/data_science/2019/1/video_log.csv\' FROM "_load_stg_video_log"')
    assert [e[2] for e in log if e[0] == "execute" and e[1].startswith("INSERT")] == [None]
    assert sent[-1] == 'DROP TABLE IF EXISTS "_load_stg_video_log"'
    assert not any("load_error" in s or "stl_" in s for s in sent)  # MAXERROR 0 and success: the log is not read
    assert non_statements(log) == ["connect", "commit", "close"]
    assert not any("TRUNCATE" in s.upper() for s in sent)
    assert not any(PASSWORD in s for s in sent)
    assert [e["url"] for m in manifests for e in m["entries"]] == [lake.uri("learning/data_science/2019/1/video_log.csv")]
    assert lake.list("_manifests/") == []  # removed after the load


def test_each_file_of_a_partition_is_its_own_copy_and_names_its_rows(fake_redshift, settings, lake):
    """Defect 7: a multi-file partition stored its manifest's URI as every row's _source_file."""
    warehouse, log, script = fake_redshift
    header = b"view_id,user_id,video_id,viewed_at,watched_seconds\n"
    request = video_log_request(settings, lake, "2019-03-01", {
        "a.csv": header + b"1,2,3,2019-03-05 10:00:00,60\n", "b.csv": header + b"2,2,3,2019-03-06 10:00:00,60\n"})
    script["SELECT COUNT(*)"] = [(2,)]
    warehouse.load(request, lake)
    sent = statements(log)
    copies = [i for i, s in enumerate(sent) if s.startswith("COPY")]
    assert len(copies) == 2
    assert [sent[i + 1] for i in copies] == [
        f'UPDATE "_load_stg_video_log" SET "_source_file" = \'learning/data_science/2019/3/{name}\' '
        'WHERE "_source_file" IS NULL' for name in ("a.csv", "b.csv")]
    insert = next(s for s in sent if s.startswith("INSERT"))
    assert insert.endswith('CAST(\'2019-03-01\' AS DATE), "_source_file" FROM "_load_stg_video_log"')
    assert "manifest" not in insert
    assert lake.list("_manifests/") == []


def test_failed_copy_reads_the_load_errors_of_this_session_after_the_rollback(fake_redshift, partition_request):
    """Defect 2: errors were read with pg_last_copy_id() (not updated by a rolled-back COPY) from stl_load_errors
    (absent on Serverless)."""
    warehouse, log, script = fake_redshift
    lake, request = partition_request
    script["COPY "] = redshift_connector.ProgrammingError(
        {"S": "ERROR", "C": "XX000", "M": "Load into table '_load_stg_video_log' failed. Check 'sys_load_error_detail'"})
    uri = lake.uri("learning/data_science/2019/1/video_log.csv")
    script["sys_load_error_detail"] = [(uri, 2, "watched_seconds", "Invalid digit, Value 't', Pos 0, Type: Integer")]
    with pytest.raises(LoadError) as error:
        warehouse.load(request, lake)
    message = str(error.value)
    assert "learning/data_science/2019/1/video_log.csv, line 2, column 'watched_seconds': Invalid digit" in message
    assert error.value.rejected[0].file == "learning/data_science/2019/1/video_log.csv"
    assert non_statements(log) == ["connect", "rollback", "commit", "close"]  # read after the rollback, same session
    read = statements(log)[-1]
    assert read.startswith("SELECT TRIM(file_name), line_number, TRIM(column_name), TRIM(error_message) FROM sys_load_error_detail")
    assert "session_id = pg_backend_pid()" in read and f"TRIM(file_name) IN ('{uri}')" in read
    assert "pg_last_copy_id" not in read and "stl_load_errors" not in " ".join(statements(log))
    assert not any(s.startswith("DELETE") for s in statements(log))
    assert lake.list("_manifests/") == []


def test_copy_failing_without_load_errors_is_raised_as_itself(fake_redshift, partition_request):
    """Defect 6: only data errors are LoadError; a COPY refused for another reason (a permission) is raised as is."""
    warehouse, log, script = fake_redshift
    lake, request = partition_request
    denied = redshift_connector.ProgrammingError({"S": "ERROR", "C": "XX000", "M": "S3ServiceException:Access Denied"})
    script["COPY "] = denied
    with pytest.raises(redshift_connector.ProgrammingError) as error:
        warehouse.load(request, lake)
    assert error.value is denied and not isinstance(error.value, LoadError)


def test_copy_with_maxerror_reads_the_rows_it_skipped(fake_redshift, settings, lake):
    warehouse, log, script = fake_redshift
    request = video_log_request(settings, lake, "2019-01-01", max_rejected_rows=5)
    uri = lake.uri("learning/data_science/2019/1/video_log.csv")
    script["sys_load_error_detail"] = [(uri, 3, "video_id", "Invalid digit")]
    script["SELECT pg_last_copy_id(), pg_backend_pid()"] = [(41, 7)]
    script["SELECT COUNT(*)"] = [(1,)]
    outcome = warehouse.load(request, lake)
    assert [(r.file, r.line, r.column) for r in outcome.rejected] == [("learning/data_science/2019/1/video_log.csv", 3, "video_id")]
    read = next(s for s in statements(log) if "sys_load_error_detail" in s)
    assert "session_id = 7 AND" in read and "query_id = 41" in read
    # read on a second connection: the load's transaction reads from a snapshot that may predate the logged rows
    assert non_statements(log) == ["connect", "connect", "close", "commit", "close"]


def test_serialization_conflict_and_dropped_connection_are_retried_on_a_new_connection(fake_redshift, partition_request, caplog):
    """Defects 4 and 6: a serialization conflict (1023) or a dropped connection failed the load as a LoadError."""
    warehouse, log, script = fake_redshift
    lake, request = partition_request
    script["COPY "] = sequence(CONFLICT, redshift_connector.InterfaceError("BrokenPipe: server socket closed"), [])
    script["SELECT COUNT(*)"] = [(1,)]
    assert warehouse.load(request, lake).rows == 1
    assert [s for s in statements(log) if s.startswith("LOCK")] == ['LOCK "learning"."stg_video_log"'] * 3
    # the conflict rolls back and retries on the same connection; the dropped one is replaced
    assert non_statements(log) == ["connect", "rollback", "rollback", "close", "connect", "commit", "close"]
    assert sum("attempt" in r.message for r in caplog.records) == 2


def test_retries_are_bounded(fake_redshift, partition_request):
    warehouse, log, script = fake_redshift
    lake, request = partition_request
    script["COPY "] = CONFLICT
    with pytest.raises(redshift_connector.ProgrammingError):
        warehouse.load(request, lake)
    assert sum(s.startswith("COPY") for s in statements(log)) == warehouse.write_attempts


def test_throttled_manifest_write_is_raised_as_itself_not_as_a_load_error(fake_redshift, partition_request, monkeypatch):
    """Defect 6: S3 throttling (after boto3's own retries) was re-raised as LoadError, so it was never retried."""
    from botocore.exceptions import ClientError

    from capstone_assets.resources.lake import is_transient

    warehouse, log, _ = fake_redshift
    lake, request = partition_request
    throttled = ClientError({"Error": {"Code": "SlowDown", "Message": "Please reduce your request rate."}}, "PutObject")
    monkeypatch.setattr(type(lake), "write_bytes", lambda self, key, data: (_ for _ in ()).throw(throttled))
    with pytest.raises(ClientError) as error:
        warehouse.load(request, lake)
    assert is_transient(error.value)  # the staging asset turns it into a RetryRequested
    assert statements(log) == []


@pytest.mark.parametrize("role, option", [
    ("default", "IAM_ROLE default"), ("DEFAULT", "IAM_ROLE default"),
    ("arn:aws-cn:iam::123456789012:role/loader", "IAM_ROLE 'arn:aws-cn:iam::123456789012:role/loader'"),
    ("arn:aws-us-gov:iam::123456789012:role/a/b", "IAM_ROLE 'arn:aws-us-gov:iam::123456789012:role/a/b'"),
])
def test_iam_role_default_and_every_partition(role, option, fake_redshift, partition_request):
    from capstone_assets.resources import build_warehouse

    warehouse = build_warehouse(load_settings({**PROD, "CAPSTONE_REDSHIFT_IAM_ROLE": role}))
    lake, request = partition_request
    assert f" {option} MANIFEST" in warehouse.copy_statement(request, '"_load"', "s3://b/m", lake)


def test_batch_of_partitions_is_one_copy_each_and_one_commit(fake_redshift, partition_request, settings):
    warehouse, log, script = fake_redshift
    lake, january = partition_request
    february = video_log_request(settings, lake, "2019-02-01")
    script["SELECT COUNT(*)"] = [(1,)]
    assert [o.rows for o in warehouse.load_batch([january, february], lake)] == [1, 1]
    sent = statements(log)
    assert [s.split(" ", 1)[0] for s in sent] == [
        "LOCK", "CREATE",
        "COPY", "DELETE", "INSERT", "SELECT",   # January
        "DELETE", "COPY", "DELETE", "INSERT", "SELECT",   # the staging table emptied, then February
        "DROP",
    ]
    assert sent[6] == 'DELETE FROM "_load_stg_video_log"'
    assert [e[2] for e in log if e[0] == "execute" and e[1].startswith("DELETE FROM \"learning\"")] == [
        ("data_science", february.partition["month"].replace(month=1)), ("data_science", february.partition["month"])]
    assert non_statements(log) == ["connect", "commit", "close"]
    assert not any("TRUNCATE" in s.upper() for s in sent)
