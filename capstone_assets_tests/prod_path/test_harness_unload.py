"""The UNLOAD emulation: Parquet in Redshift's layout on moto S3, PG_LAST_UNLOAD_COUNT(), and Redshift's refusals
(a destination that already holds files, bind parameters, access keys)."""

from __future__ import annotations

import io

import pyarrow.parquet as pq
import pytest
import redshift_connector

from capstone_assets_tests.prod_path.conftest import IAM_ROLE
from capstone_assets_tests.prod_path.harness import connect, rows
from capstone_assets_tests.prod_path.rules import RedshiftRuleViolation

pytestmark = pytest.mark.prod_path


@pytest.fixture
def plays(prod_env, redshift_emulator):
    connection = connect(prod_env)
    cursor = connection.cursor()
    cursor.execute("CREATE TABLE public.plays (id INTEGER, title VARCHAR(64), played_at TIMESTAMP, year INTEGER, "
                   "month INTEGER)")
    cursor.execute("INSERT INTO public.plays VALUES (1, 'a''s', '2018-11-01 10:00:00', 2018, 11), "
                   "(2, 'b', '2018-11-02 10:00:00', 2018, 11), (3, NULL, '2018-12-01 10:00:00', 2018, 12), "
                   "(4, 'd', NULL, NULL, NULL)")
    connection.commit()
    yield connection, cursor, f"s3://{prod_env['CAPSTONE_S3_BUCKET']}/exports/plays/"
    connection.close()


def objects(s3, uri: str) -> dict[str, list[dict]]:
    bucket, prefix = uri[5:].split("/", 1)
    found = {}
    for item in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", []):
        body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
        found[item["Key"][len(prefix):]] = pq.read_table(io.BytesIO(body)).to_pylist()
    return found


def test_partitioned_unload_writes_hive_folders_without_the_partition_columns(redshift_emulator, plays):
    connection, cursor, uri = plays
    cursor.execute(f"UNLOAD ('SELECT id, title, year, month FROM public.plays WHERE title <> ''b'' OR title IS NULL') "
                   f"TO '{uri}' IAM_ROLE '{IAM_ROLE}' FORMAT AS PARQUET PARTITION BY (year, month)")
    assert rows(connection, "SELECT PG_LAST_UNLOAD_COUNT()") == [(3,)]
    assert objects(redshift_emulator.s3, uri) == {
        "year=2018/month=11/0000_part_00.parquet": [{"id": 1, "title": "a's"}],
        "year=2018/month=12/0000_part_00.parquet": [{"id": 3, "title": None}],
        "year=__HIVE_DEFAULT_PARTITION__/month=__HIVE_DEFAULT_PARTITION__/0000_part_00.parquet": [{"id": 4, "title": "d"}],
    }


def test_a_destination_with_files_is_refused_unless_allowoverwrite_or_cleanpath(redshift_emulator, plays):
    connection, cursor, uri = plays
    unload = f"UNLOAD ('SELECT id FROM public.plays') TO '{uri}' IAM_ROLE '{IAM_ROLE}' FORMAT AS PARQUET"
    cursor.execute(unload)
    with pytest.raises(redshift_connector.ProgrammingError, match="destination on S3 is not empty"):
        cursor.execute(unload)
    connection.rollback()
    cursor.execute(unload + " ALLOWOVERWRITE")
    cursor.execute(f"UNLOAD ('SELECT id FROM public.plays WHERE id = 1') TO '{uri}' IAM_ROLE '{IAM_ROLE}' "
                   "FORMAT AS PARQUET CLEANPATH")
    assert objects(redshift_emulator.s3, uri) == {"0000_part_00.parquet": [{"id": 1}]}
    assert redshift_emulator.refused


def test_bind_parameters_and_access_keys_are_refused(prod_env, redshift_emulator, plays):
    connection, cursor, uri = plays
    with pytest.raises(RedshiftRuleViolation, match="UNLOAD"):
        cursor.execute(f"UNLOAD ('SELECT id FROM public.plays WHERE id = %s') TO '{uri}' IAM_ROLE default "
                       "FORMAT AS PARQUET", (1,))
    redshift_emulator.violations.clear()  # provoked on purpose
    with pytest.raises(redshift_connector.ProgrammingError, match="access keys"):
        cursor.execute(f"UNLOAD ('SELECT 1') TO '{uri}' ACCESS_KEY_ID 'A' SECRET_ACCESS_KEY 'B' FORMAT AS PARQUET")
    connection.rollback()
