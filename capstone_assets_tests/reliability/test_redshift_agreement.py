"""Issue 14, classes 1 and 5 on the production path: the same files through `RedshiftWarehouse` (the prod_path
emulation: real redshift_connector, PostgreSQL, COPY with Redshift's conversion rules over moto S3). A misfit is
refused as the DuckDB path refuses it, and a `.gz` upload is COPYed with GZIP."""

from __future__ import annotations

import gzip

import pytest

from capstone_assets.learning.generator import FACT_COLUMNS
from capstone_assets.lib.loading import load_partition
from capstone_assets.resources.warehouse import LoadError
from capstone_assets_tests.prod_path.conftest import (  # noqa: F401  (fixtures)
    _emulated_cluster, prod_env, prod_lake, prod_settings, prod_warehouse, redshift_emulator,
)
from capstone_assets_tests.reliability.lakes import csv_text, fact_key, partition, spec_for, video_rows

pytestmark = pytest.mark.prod_path
HEADER = FACT_COLUMNS["video_log"]


def load(settings, lake, warehouse, run_id):
    spec = spec_for(settings, "stg_video_log")
    warehouse.ensure_table(spec.group, spec.name)
    return load_partition(spec, partition(), lake, warehouse, run_id)


def test_redshift_refuses_a_misfit_as_duckdb_does(prod_settings, prod_lake, prod_warehouse):
    rows = video_rows(3) + [(99, 1, 2, "2019-01-05 10:00:00", "3.7")]
    prod_lake.write_bytes(fact_key("video_log"), csv_text(HEADER, rows).encode())
    with pytest.raises(LoadError, match=r"line 5.*watched_seconds"):
        load(prod_settings, prod_lake, prod_warehouse, "misfit")
    assert prod_warehouse.query("SELECT COUNT(*) FROM learning.stg_video_log")[0][0] == 0


def test_redshift_copies_a_gzip_upload(prod_settings, prod_lake, prod_warehouse, redshift_emulator):
    prod_lake.write_bytes(fact_key("video_log") + ".gz", gzip.compress(csv_text(HEADER, video_rows(4)).encode()))
    assert load(prod_settings, prod_lake, prod_warehouse, "gz").rows == 4
    copies = [s.sql for s in redshift_emulator.statements if s.sql.lstrip().upper().startswith("COPY")]
    assert copies and all(" GZIP" in s for s in copies)
