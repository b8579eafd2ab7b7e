"""Configuration: defaults, validation messages naming the variable, and no secret in any message."""

from __future__ import annotations

from pathlib import Path

import pytest

from capstone_assets.settings import SettingsError, default_duckdb_memory_limit, load_settings

PROD = {"CAPSTONE_ENV": "prod", "CAPSTONE_S3_BUCKET": "bucket", "CAPSTONE_REDSHIFT_HOST": "host",
        "CAPSTONE_REDSHIFT_DATABASE": "dev", "CAPSTONE_REDSHIFT_USER": "loader",
        "CAPSTONE_REDSHIFT_PASSWORD": "s3cr3t-value", "CAPSTONE_REDSHIFT_IAM_ROLE": "arn:aws:iam::123456789012:role/r"}


def test_defaults_are_the_embedded_platform():
    settings = load_settings({})
    assert settings.env == "local" and settings.is_local
    assert settings.lake_dir == Path("data/lake") and settings.duckdb_path == Path("data/warehouse.duckdb")
    assert settings.degrees == ("data_science", "data_engineering", "machine_learning")


def test_duckdb_memory_limit_follows_the_cores_not_the_data():
    assert [default_duckdb_memory_limit(cores) for cores in (1, 2, 8)] == ["384MB", "384MB", "1536MB"]
    assert load_settings({}).duckdb_memory_limit == default_duckdb_memory_limit()
    assert load_settings({"CAPSTONE_DUCKDB_MEMORY_LIMIT": "2GB"}).duckdb_memory_limit == "2GB"
    assert load_settings({"CAPSTONE_DUCKDB_MEMORY_LIMIT": ""}).duckdb_memory_limit is None  # DuckDB's own default


@pytest.mark.parametrize("environ, variable", [
    ({"CAPSTONE_ENV": "staging"}, "CAPSTONE_ENV"),
    ({"CAPSTONE_DEGREES": "data_science,Robert'); DROP TABLE x;--"}, "CAPSTONE_DEGREES"),
    ({"CAPSTONE_DEGREES": " , "}, "CAPSTONE_DEGREES"),
    ({"CAPSTONE_DEGREES": "a,a"}, "CAPSTONE_DEGREES"),
    ({"CAPSTONE_REDSHIFT_PORT": "five"}, "CAPSTONE_REDSHIFT_PORT"),
    ({"CAPSTONE_LEARNING_START": "2019-1"}, "CAPSTONE_LEARNING_START"),
    ({"CAPSTONE_DUCKDB_PATH": "data/Learning.duckdb"}, "CAPSTONE_DUCKDB_PATH"),
    ({**PROD, "CAPSTONE_S3_BUCKET": ""}, "CAPSTONE_S3_BUCKET"),
    ({**PROD, "CAPSTONE_REDSHIFT_USER": ""}, "CAPSTONE_REDSHIFT_USER"),
    ({**PROD, "CAPSTONE_REDSHIFT_IAM_ROLE": "s3cr3t-value"}, "CAPSTONE_REDSHIFT_IAM_ROLE"),
])
def test_bad_settings_name_the_variable_and_never_a_secret(environ, variable):
    with pytest.raises(SettingsError) as error:
        load_settings(environ)
    assert variable in str(error.value)
    assert "s3cr3t-value" not in str(error.value)


def test_prod_settings_load():
    settings = load_settings(PROD)
    assert not settings.is_local and settings.s3_bucket == "bucket" and settings.redshift_port == 5439
    assert "s3cr3t-value" not in repr(settings)


def test_a_duckdb_file_named_like_a_schema_is_ambiguous_in_duckdb(tmp_path):
    """Why CAPSTONE_DUCKDB_PATH may not be `learning.duckdb`: DuckDB itself cannot tell the database from the schema."""
    import duckdb

    with duckdb.connect(str(tmp_path / "learning.duckdb")) as connection:
        connection.execute("CREATE SCHEMA learning")
        with pytest.raises(duckdb.BinderException, match="Ambiguous"):
            connection.execute("CREATE TABLE learning.t (x INTEGER)")
    assert load_settings({"CAPSTONE_DUCKDB_PATH": str(tmp_path / "warehouse.duckdb")}).duckdb_path.name == "warehouse.duckdb"
