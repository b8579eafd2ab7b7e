"""DuckDB rejects what Redshift's COPY rejects: a text longer than its VARCHAR(n)/CHAR(n) column in BYTES (issue 13,
defect 11), naming file, line and column, so both engines load the same rows."""

from __future__ import annotations

import json

import pytest

from capstone_assets.learning.specs import stage_specs
from capstone_assets.lib.byte_lengths import byte_limit
from capstone_assets.lib.sql import Column
from capstone_assets.resources import DuckDBWarehouse, LocalLake
from capstone_assets.resources.warehouse import LoadError, LoadRequest
from capstone_assets.stedi.specs import STAGE_SPECS as STEDI_STAGE_SPECS

USERS = "user_id,user_name,email,country,signup_date,degree\n"


def users_request(settings, lake, max_rejected_rows=0):
    spec = next(s for s in stage_specs(settings) if s.name == "stg_users")
    return LoadRequest(schema="learning", table="stg_users", columns=spec.columns,
                       file_fields=tuple((c.name, spec.field_name(c.name)) for c in spec.file_columns), format="csv",
                       files=tuple(lake.list("learning/dimensional_tables/")), max_rejected_rows=max_rejected_rows)


@pytest.fixture
def warehouse(settings):
    warehouse = DuckDBWarehouse(path=str(settings.duckdb_path))
    warehouse.ensure_table("learning", "stg_users")
    return warehouse


def test_a_value_within_the_characters_but_over_the_bytes_is_rejected_naming_file_line_and_column(settings, lake_dir, warehouse):
    folder = lake_dir / "learning" / "dimensional_tables"
    folder.mkdir(parents=True)
    country = "é" * 100  # 100 characters, 200 bytes: over country VARCHAR(128)
    (folder / "users_dim.csv").write_text(USERS + "1,Ann,a@x.org,France,2019-01-01,data_science\n"
                                          f'2,"Bo\nB",b@x.org,{country},2019-01-02,data_science\n', encoding="utf-8")
    lake = LocalLake(root=str(lake_dir))
    with pytest.raises(LoadError) as error:
        warehouse.load(users_request(settings, lake), lake)
    assert "learning/dimensional_tables/users_dim.csv, line 3, column 'country': String length exceeds DDL length: " \
           "200 bytes in VARCHAR(128)" in str(error.value)
    assert warehouse.row_count("learning", "stg_users") == 0

    outcome = warehouse.load(users_request(settings, lake, max_rejected_rows=1), lake)
    assert outcome.rows == 1 and [(r.line, r.column) for r in outcome.rejected] == [(3, "country")]
    assert warehouse.query("SELECT user_id FROM learning.stg_users") == [(1,)]


def test_json_values_are_measured_in_bytes_too(settings, lake_dir):
    spec = next(s for s in STEDI_STAGE_SPECS if s.name == "customer_landing")
    warehouse = DuckDBWarehouse(path=str(settings.duckdb_path))
    warehouse.ensure_table("stedi", "customer_landing")
    folder = lake_dir / "stedi" / "customer" / "landing"
    folder.mkdir(parents=True)
    good = {"customerName": "Ann", "email": "a@x.org", "phone": "8015551212", "birthDay": "1990-01-01",
            "serialNumber": "s1", "registrationDate": 1, "lastUpdateDate": 2, "shareWithResearchAsOfDate": None,
            "shareWithPublicAsOfDate": None, "shareWithFriendsAsOfDate": None}
    bad = dict(good, email="b@x.org", phone="ü" * 17)  # 17 characters, 34 bytes: over phone VARCHAR(32)
    (folder / "customers.json").write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    lake = LocalLake(root=str(lake_dir))
    request = LoadRequest(schema="stedi", table="customer_landing", columns=spec.columns,
                          file_fields=tuple((c.name, spec.field_name(c.name)) for c in spec.file_columns),
                          format="ndjson", files=tuple(lake.list("stedi/customer/landing/")), max_rejected_rows=1)
    outcome = warehouse.load(request, lake)
    assert outcome.rows == 1 and [(r.file, r.line, r.column) for r in outcome.rejected] == [
        ("stedi/customer/landing/customers.json", 2, "phone")]


@pytest.mark.parametrize("declared, limit", [("VARCHAR(12)", 12), ("VARCHAR", 256), ("TEXT", 256), ("CHAR(3)", 3),
                                             ("CHAR", 1), ("VARCHAR(MAX)", 65535), ("BIGINT", None), ("DATE", None)])
def test_byte_limit_follows_redshift(declared, limit):
    assert byte_limit(Column("c", declared, "VARCHAR", False)) == limit
