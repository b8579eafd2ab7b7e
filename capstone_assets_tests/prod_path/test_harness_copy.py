"""The COPY emulation follows Redshift's rules: byte lengths, strict integers, MAXERROR, the load-error log
(which survives the rollback and names file, line and column), JSON 'auto' / 'auto ignorecase' / JSONPaths,
GZIP, and it refuses what Redshift refuses (access keys, a missing mandatory file, unknown options)."""

from __future__ import annotations

import gzip

import pytest
import redshift_connector

from capstone_assets_tests.prod_path.conftest import IAM_ROLE
from capstone_assets_tests.prod_path.harness import connect, manifest, put, rows

pytestmark = pytest.mark.prod_path


@pytest.fixture
def loader(prod_env, redshift_emulator):
    connection = connect(prod_env)
    cursor = connection.cursor()
    cursor.execute("CREATE TABLE public.people (id INTEGER NOT NULL, name VARCHAR(4), score DECIMAL(5,2), "
                   "seen_at TIMESTAMP, born DATE, active BOOLEAN)")
    connection.commit()
    yield connection, cursor
    connection.close()


def copy_csv(env, s3, text: str, maxerror: int = 0, extra: str = "") -> str:
    uri = manifest(s3, env, "people.manifest", [put(s3, env, "people/part-1.csv", text)])
    return (f"COPY public.people (id, name, score, seen_at, born, active) FROM '{uri}' IAM_ROLE '{IAM_ROLE}' MANIFEST "
            f"FORMAT AS CSV IGNOREHEADER 1 DATEFORMAT 'auto' TIMEFORMAT 'auto' EMPTYASNULL ENCODING UTF8 "
            f"MAXERROR {maxerror} {extra}")


HEADER = "id,name,score,seen_at,born,active\n"


def test_csv_rows_are_converted_as_redshift_does(prod_env, redshift_emulator, loader):
    connection, cursor = loader
    text = HEADER + '1,ab,1.005,2019-01-05 10:00:00,2019-01-05,t\n2,"",,2019-01-05T10:00:00.5,01/31/2019,no\n'
    cursor.execute(copy_csv(prod_env, redshift_emulator.s3, text))
    connection.commit()
    got = rows(connection, "SELECT id, name, CAST(score AS VARCHAR), CAST(seen_at AS VARCHAR), CAST(born AS VARCHAR), "
                           "active FROM public.people ORDER BY id")
    assert got == [(1, "ab", "1.01", "2019-01-05 10:00:00", "2019-01-05", True),
                   (2, None, None, "2019-01-05 10:00:00.5", "2019-01-31", False)]  # EMPTYASNULL: '' is NULL


@pytest.mark.parametrize("line, column, code", [
    ("3,abcde,1,,,", "name", 1204),     # 5 bytes into VARCHAR(4)
    ("3,éèà,1,,,", "name", 1204),       # 3 characters but 6 bytes: Redshift counts bytes
    ("3.7,a,1,,,", "id", 1207),         # not rounded: Invalid digit
    (",a,1,,,", "id", 1213),            # NULL into NOT NULL
    ("3,a,1,2019-13-45 10:00,,", "seen_at", 1206),
    ("3,a,1,,2019-02-30,", "born", 1205),
    ("3,a,1,,,maybe", "active", 1210),
    ("3,a,12345.1,,,", "score", 1204),  # DECIMAL(5,2) holds 3 integer digits
    ("3,a,1", None, 1214),              # too few fields
])
def test_a_bad_value_fails_the_copy_and_is_logged_with_file_line_and_column(prod_env, redshift_emulator, loader, line,
                                                                            column, code):
    connection, cursor = loader
    with pytest.raises(redshift_connector.ProgrammingError, match="Load into table 'people' failed"):
        cursor.execute(copy_csv(prod_env, redshift_emulator.s3, HEADER + "1,ok,1,,,\n" + line + "\n"))
    connection.rollback()
    assert rows(connection, "SELECT COUNT(*) FROM public.people") == [(0,)]
    logged = rows(connection, "SELECT TRIM(file_name), line_number, TRIM(column_name), error_code, session_id "
                              "FROM sys_load_error_detail")
    session = rows(connection, "SELECT pg_backend_pid()")[0][0]
    assert logged == [(prod_env_uri(prod_env, "people/part-1.csv"), 3, column or "", code, session)]


def prod_env_uri(env, key):
    return f"s3://{env['CAPSTONE_S3_BUCKET']}/{env['CAPSTONE_S3_PREFIX']}/{key}"


def test_maxerror_skips_up_to_n_bad_rows_and_logs_them(prod_env, redshift_emulator, loader):
    connection, cursor = loader
    cursor.execute(copy_csv(prod_env, redshift_emulator.s3, HEADER + "1,a,1,,,\n2.5,b,1,,,\n3,c,1,,,\n", maxerror=1))
    connection.commit()
    assert rows(connection, "SELECT id FROM public.people ORDER BY id") == [(1,), (3,)]
    assert rows(connection, "SELECT line_number, error_code FROM sys_load_error_detail") == [(3, 1207)]
    assert rows(connection, "SELECT pg_last_copy_id() > 0") == [(True,)]


def test_a_rolled_back_copy_does_not_update_pg_last_copy_id(prod_env, redshift_emulator, loader):
    connection, cursor = loader
    with pytest.raises(redshift_connector.ProgrammingError):
        cursor.execute(copy_csv(prod_env, redshift_emulator.s3, HEADER + "x,a,1,,,\n"))
    connection.rollback()
    assert rows(connection, "SELECT pg_last_copy_id()") == [(-1,)]
    assert rows(connection, "SELECT COUNT(*) FROM sys_load_error_detail") == [(1,)]


def test_json_auto_is_case_sensitive_and_auto_ignorecase_is_not(prod_env, redshift_emulator, loader):
    connection, cursor = loader
    s3 = redshift_emulator.s3
    data = '{"id": 1, "Name": "ab", "score": 2.5}\n{"id": 2, "name": "cd", "active": true}'
    uri = manifest(s3, prod_env, "j.manifest", [put(s3, prod_env, "j/a.json.gz", gzip.compress(data.encode()))])
    for spec, names in (("auto", [None, "cd"]), ("auto ignorecase", ["ab", "cd"])):
        cursor.execute("DELETE FROM public.people")
        cursor.execute(f"COPY public.people (id, name, score, active) FROM '{uri}' IAM_ROLE '{IAM_ROLE}' MANIFEST "
                       f"FORMAT AS JSON '{spec}' GZIP MAXERROR 0")
        assert [r[0] for r in rows(connection, "SELECT name FROM public.people ORDER BY id")] == names
    assert rows(connection, "SELECT CAST(score AS VARCHAR), active FROM public.people ORDER BY id") == [
        ("2.50", None), (None, True)]


def test_jsonpaths_map_fields_by_position(prod_env, redshift_emulator, loader):
    connection, cursor = loader
    s3 = redshift_emulator.s3
    paths = put(s3, prod_env, "paths.json", '{"jsonpaths": ["$.userId", "$[\'who\'][\'name\']"]}')
    uri = manifest(s3, prod_env, "p.manifest", [put(s3, prod_env, "p/a.json", '{"userId": 7, "who": {"name": "zed"}}\n')])
    cursor.execute(f"COPY public.people (id, name) FROM '{uri}' IAM_ROLE '{IAM_ROLE}' MANIFEST FORMAT AS JSON '{paths}'")
    assert rows(connection, "SELECT id, name FROM public.people") == [(7, "zed")]
    with pytest.raises(redshift_connector.ProgrammingError, match="Number of jsonpaths"):
        cursor.execute(f"COPY public.people (id) FROM '{uri}' IAM_ROLE '{IAM_ROLE}' MANIFEST FORMAT AS JSON '{paths}'")
    connection.rollback()


@pytest.mark.parametrize("statement, refusal", [
    ("COPY public.people FROM '{uri}' CREDENTIALS 'aws_access_key_id=A;aws_secret_access_key=B' MANIFEST CSV",
     "access keys in SQL"),
    ("COPY public.people FROM '{uri}' IAM_ROLE 'my-role' MANIFEST CSV", "not an IAM role ARN"),
    ("COPY public.people FROM '{uri}' IAM_ROLE '" + IAM_ROLE + "' MANIFEST CSV FILLRECORD", "FILLRECORD is not emulated"),
    ("COPY public.people FROM '{missing}' IAM_ROLE '" + IAM_ROLE + "' MANIFEST CSV", "missing mandatory file"),
])
def test_what_redshift_refuses_fails_on_the_server(prod_env, redshift_emulator, loader, statement, refusal):
    connection, cursor = loader
    s3 = redshift_emulator.s3
    uri = manifest(s3, prod_env, "r.manifest", [put(s3, prod_env, "r/a.csv", "1,a,1,,,\n")])
    missing = manifest(s3, prod_env, "m.manifest", [prod_env_uri(prod_env, "r/nothing.csv")])
    with pytest.raises(redshift_connector.ProgrammingError, match=refusal):
        cursor.execute(statement.format(uri=uri, missing=missing))
    connection.rollback()
    assert redshift_emulator.refused


def test_iam_role_default_and_other_partitions_are_accepted(prod_env, redshift_emulator, loader):
    connection, cursor = loader
    s3 = redshift_emulator.s3
    uri = manifest(s3, prod_env, "d.manifest", [put(s3, prod_env, "d/a.csv", "1,a,1,,,\n")])
    for role in ("default", "'arn:aws-cn:iam::123456789012:role/loader'", "'arn:aws-us-gov:iam::123456789012:role/l'"):
        cursor.execute(f"COPY public.people FROM '{uri}' IAM_ROLE {role} MANIFEST FORMAT AS CSV")
    assert rows(connection, "SELECT COUNT(*) FROM public.people") == [(3,)]
