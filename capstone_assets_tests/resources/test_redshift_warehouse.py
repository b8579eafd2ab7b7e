"""RedshiftWarehouse: the exact statements and transaction boundaries it sends, captured from a fake connection."""

from __future__ import annotations

import json
import os

import dagster as dg
import pytest

from capstone_assets.learning.specs import stage_specs
from capstone_assets.lib.loading import find_files
from capstone_assets.lib.partitions import partition_values
from capstone_assets.resources import RedshiftWarehouse, S3Lake
from capstone_assets.resources.warehouse import LoadError, LoadRequest
from capstone_assets.settings import redshift_variables_present

ROLE = "arn:aws:iam::123456789012:role/capstone-loader"
PASSWORD = "pa55-word-never-in-sql"


class FakeCursor:
    def __init__(self, log, script):
        self.log, self.script, self.rows, self.description = log, script, [], None

    def execute(self, sql, params=None):
        self.log.append(("execute", " ".join(sql.split()), params))
        for fragment, outcome in self.script.items():
            if fragment in sql:
                if isinstance(outcome, Exception):
                    raise outcome
                self.rows = list(outcome)
                return
        self.rows = []

    def fetchall(self):
        return self.rows

    def fetchone(self):
        return self.rows[0] if self.rows else None


class FakeConnection:
    def __init__(self, log, script):
        self.log, self.script, self.autocommit = log, script, True

    def cursor(self):
        return FakeCursor(self.log, self.script)

    def commit(self):
        self.log.append(("commit",))

    def rollback(self):
        self.log.append(("rollback",))

    def close(self):
        self.log.append(("close",))


@pytest.fixture
def fake_redshift(monkeypatch):
    log, script = [], {}
    warehouse = RedshiftWarehouse(host="example", database="dev", user="loader", password=PASSWORD, iam_role=ROLE)
    monkeypatch.setattr(RedshiftWarehouse, "_connect", lambda self: FakeConnection(log, script))
    return warehouse, log, script


@pytest.fixture
def partition_request(bucket, s3_endpoint, settings):
    lake = S3Lake(bucket=bucket, prefix="lake", endpoint_url=s3_endpoint)
    lake.write_bytes("learning/data_science/2019/1/video_log.csv", b"view_id,user_id,video_id,viewed_at,watched_seconds\n1,2,3,2019-01-05 10:00:00,60\n")
    lake.write_bytes("learning/data_science/2019/2/video_log.csv", b"view_id,user_id,video_id,viewed_at,watched_seconds\n9,9,9,2019-02-05 10:00:00,60\n")
    spec = next(s for s in stage_specs(settings) if s.name == "stg_video_log")
    values = partition_values(dg.MultiPartitionKey({"degree": "data_science", "month": "2019-01-01"}))
    request = LoadRequest(schema="learning", table="stg_video_log", columns=spec.columns,
                          file_fields=tuple((c.name, c.name) for c in spec.file_columns), format="csv",
                          files=find_files(spec, lake, values), partition=values)
    return lake, request


def statements(log):
    return [entry[1] for entry in log if entry[0] == "execute"]


def test_load_is_copy_with_manifest_then_delete_insert_in_one_transaction(fake_redshift, partition_request):
    warehouse, log, script = fake_redshift
    lake, request = partition_request
    script["SELECT COUNT(*)"] = [(1,)]
    outcome = warehouse.load(request, lake)
    assert outcome.rows == 1
    sent = statements(log)
    assert sent[0] == ('CREATE TEMPORARY TABLE "_load_stg_video_log" AS SELECT "view_id", "user_id", "video_id", '
                       '"viewed_at", "watched_seconds" FROM "learning"."stg_video_log" WHERE 1 = 0')
    copy = sent[1]
    assert copy.startswith('COPY "_load_stg_video_log" ("view_id", "user_id", "video_id", "viewed_at", "watched_seconds") FROM \'s3://')
    assert f"IAM_ROLE '{ROLE}' MANIFEST" in copy and "FORMAT AS CSV IGNOREHEADER 1" in copy and "MAXERROR 0" in copy
    assert "stl_load_errors" in sent[2]
    assert sent[3] == 'DELETE FROM "learning"."stg_video_log" WHERE "degree" = %s AND "month" = %s'
    assert sent[4].startswith('INSERT INTO "learning"."stg_video_log"')
    assert [entry[0] for entry in log if entry[0] != "execute"] == ["commit", "close"]
    assert not any("TRUNCATE" in s.upper() for s in sent)
    assert not any(PASSWORD in s for s in sent)

    manifest_key = copy.split("FROM 's3://", 1)[1].split("'", 1)[0].split("/", 2)[2]
    manifest = json.loads(lake.read_bytes(manifest_key))
    assert [e["url"] for e in manifest["entries"]] == [lake.uri("learning/data_science/2019/1/video_log.csv")]


def test_failed_copy_rolls_back_and_names_file_line_and_column(fake_redshift, partition_request):
    warehouse, log, script = fake_redshift
    lake, request = partition_request
    script["COPY "] = RuntimeError("Load into table '_load_stg_video_log' failed. Check 'stl_load_errors'")
    script["stl_load_errors"] = [("s3://b/learning/data_science/2019/1/video_log.csv", 2, "watched_seconds",
                                  "Invalid digit, Value 't', Pos 0, Type: Integer", "1,2,3,2019-01-05 10:00:00,twelve")]
    with pytest.raises(LoadError) as error:
        warehouse.load(request, lake)
    message = str(error.value)
    assert "video_log.csv, line 2, column 'watched_seconds': Invalid digit" in message
    assert len(error.value.rejected) == 1
    kinds = [entry[0] for entry in log if entry[0] != "execute"]
    assert kinds == ["rollback", "close"]
    assert not any(s.startswith("DELETE") for s in statements(log))


def test_transaction_commits_or_rolls_back(fake_redshift):
    warehouse, log, _ = fake_redshift
    warehouse.execute("DELETE FROM learning.x WHERE 1 = 1", ("INSERT INTO learning.x SELECT 1", ()))
    assert [e[0] for e in log] == ["execute", "execute", "commit", "close"]
    log.clear()
    with pytest.raises(ZeroDivisionError):
        with warehouse.transaction() as tx:
            tx.execute("DELETE FROM learning.x WHERE 1 = 1")
            1 / 0
    assert [e[0] for e in log] == ["execute", "rollback", "close"]


def test_prod_binding_reads_the_password_through_envvar():
    from capstone_assets.resources import build_warehouse
    from capstone_assets.settings import load_settings

    env = {"CAPSTONE_ENV": "prod", "CAPSTONE_S3_BUCKET": "b", "CAPSTONE_REDSHIFT_HOST": "h", "CAPSTONE_REDSHIFT_DATABASE": "d",
           "CAPSTONE_REDSHIFT_USER": "u", "CAPSTONE_REDSHIFT_PASSWORD": PASSWORD, "CAPSTONE_REDSHIFT_IAM_ROLE": ROLE}
    warehouse = build_warehouse(load_settings(env))
    assert isinstance(warehouse.password, dg.EnvVar) and warehouse.password.env_var_name == "CAPSTONE_REDSHIFT_PASSWORD"
    assert PASSWORD not in repr(warehouse)


@pytest.mark.skipif(not redshift_variables_present(), reason="live Redshift: set CAPSTONE_REDSHIFT_HOST, _DATABASE, _USER, _PASSWORD, _IAM_ROLE")
def test_live_redshift_round_trip():
    from capstone_assets.resources import build_warehouse
    from capstone_assets.settings import load_settings

    warehouse = build_warehouse(load_settings({**os.environ, "CAPSTONE_ENV": "prod"}))
    if isinstance(warehouse.password, dg.EnvVar):
        warehouse = warehouse.model_copy(update={"password": warehouse.password.get_value()})
    assert warehouse.query("SELECT 1 + 1")[0][0] == 2
    warehouse.ensure_table("capstone", "load_audit")
    assert warehouse.table_exists("capstone", "load_audit")


def test_batch_of_partitions_is_one_copy_each_and_one_commit(fake_redshift, partition_request, settings):
    warehouse, log, script = fake_redshift
    lake, january = partition_request
    spec = next(s for s in stage_specs(settings) if s.name == "stg_video_log")
    values = partition_values(dg.MultiPartitionKey({"degree": "data_science", "month": "2019-02-01"}))
    february = LoadRequest(schema="learning", table="stg_video_log", columns=spec.columns,
                           file_fields=january.file_fields, format="csv", files=find_files(spec, lake, values),
                           partition=values)
    script["SELECT COUNT(*)"] = [(1,)]
    assert [o.rows for o in warehouse.load_batch([january, february], lake)] == [1, 1]
    sent = statements(log)
    assert [s.split(" ", 1)[0] for s in sent] == [
        "CREATE", "COPY", "SELECT", "DELETE", "INSERT", "SELECT",   # January
        "DELETE", "COPY", "SELECT", "DELETE", "INSERT", "SELECT",   # the staging table emptied, then February
    ]
    assert sent[6] == 'DELETE FROM "_load_stg_video_log"'
    assert [p for s, p in [(e[1], e[2]) for e in log if e[0] == "execute"] if s.startswith("INSERT")] == [
        ("data_science", values["month"].replace(month=1), "learning/data_science/2019/1/video_log.csv"),
        ("data_science", values["month"], "learning/data_science/2019/2/video_log.csv"),
    ]
    assert [entry[0] for entry in log if entry[0] != "execute"] == ["commit", "close"]
    assert not any("TRUNCATE" in s.upper() for s in sent)
