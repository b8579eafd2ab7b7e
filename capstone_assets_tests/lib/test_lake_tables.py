"""Lake exports on DuckDB: the users' layouts, the catalogue views, and readers never seeing a gap or a bad export."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest

from capstone_assets.lib.lake_tables import ROW_COUNT_CHECK, LakeTable, build_lake_table_asset
from capstone_assets.resources import DuckDBCatalog, DuckDBWarehouse, LocalLake
from capstone_assets.resources.catalog import CatalogColumn, column_types, hive_type
from capstone_assets.settings import load_settings
from capstone_assets.sparkify.lake_export import LAKE_TABLES
from capstone_assets_tests.conftest import SHARED_DATASETS
from capstone_assets_tests.helpers import materialize, query, scalar

LAYOUTS = {"songplays": ("year", "month"), "songs": ("year", "artist_id"), "time": ("year", "month"),
           "users": (), "artists": ()}


@pytest.fixture(scope="module")
def sparkify_sample(tmp_path_factory):
    """The whole sparkify group materialized once on the real sample."""
    if not SHARED_DATASETS.is_dir():
        pytest.skip(f"real sample datasets not present at {SHARED_DATASETS}")
    root = tmp_path_factory.mktemp("sparkify_lake")
    shutil.copytree(SHARED_DATASETS / "sparkify", root / "lake" / "sparkify")
    settings = load_settings({"CAPSTONE_LAKE_DIR": str(root / "lake"), "CAPSTONE_DUCKDB_PATH": str(root / "w.duckdb")})
    report = materialize(settings, "group:sparkify")
    assert report.success, report
    return settings, root / "lake", report


def test_the_five_tables_are_in_the_users_layouts_and_hold_the_tables_rows(sparkify_sample):
    settings, lake_dir, report = sparkify_sample
    assert {spec.table: spec.partition_by for spec in LAKE_TABLES} == LAYOUTS
    for table, partition_by in LAYOUTS.items():
        folder = lake_dir / "sparkify" / "lake_export" / table
        versions = [p for p in folder.iterdir()]
        assert len(versions) == 1 and versions[0].name.startswith("v"), versions  # the previous ones are gone
        files = list(versions[0].rglob("*.parquet"))
        for path in files:  # year=2018/month=11/data_0.parquet: exactly the partition folders, in order
            assert [part.split("=")[0] for part in path.relative_to(versions[0]).parts[:-1]] == list(partition_by)
        in_table = scalar(settings, f'SELECT COUNT(*) FROM sparkify."{table}"')
        assert in_table > 0
        pattern = f"{folder}/*/" + "*/" * len(partition_by) + "*.parquet"
        hive = ", hive_partitioning = true" if partition_by else ""
        assert scalar(settings, f"SELECT COUNT(*) FROM read_parquet('{pattern}'{hive})") == in_table, table
        assert scalar(settings, f'SELECT COUNT(*) FROM sparkify_lake."{table}"') == in_table, table
        outcome = report.assets[f"sparkify/{table}_lake_export"]
        assert outcome.checks_passed == 1 and outcome.rows == in_table
    # songs: one folder per (year, artist); a song of unknown year (NULL) goes to Hive's default partition
    pairs = query(settings, "SELECT COUNT(DISTINCT (COALESCE(year, -1), artist_id)) FROM sparkify.songs")[0][0]
    song_files = list((lake_dir / "sparkify" / "lake_export" / "songs").glob("v*/year=*/artist_id=*/*.parquet"))
    assert len({p.parent for p in song_files}) == pairs
    assert scalar(settings, "SELECT COUNT(*) FROM sparkify.songs WHERE year IS NULL") == \
        scalar(settings, "SELECT COUNT(*) FROM sparkify_lake.songs WHERE year IS NULL") > 0


def test_the_catalogue_views_answer_what_the_tables_answer(sparkify_sample):
    """The README's example query, locally: the same rows from the lake views as from the warehouse tables."""
    settings, _, _ = sparkify_sample
    example = ("SELECT s.year, COUNT(*) AS plays FROM {0}.songplays AS p JOIN {0}.songs AS s ON s.song_id = p.song_id "
               "GROUP BY s.year ORDER BY s.year")
    assert query(settings, example.format("sparkify_lake")) == query(settings, example.format("sparkify"))
    columns = query(settings, "SELECT column_name, data_type FROM information_schema.columns "
                              "WHERE table_schema = 'sparkify_lake' AND table_name = 'songplays'")
    assert dict(columns)["year"] == "INTEGER" and dict(columns)["start_time"].startswith("TIMESTAMP")


class ShortExportWarehouse(DuckDBWarehouse):
    """Writes the export, then loses one partition's file: what a half-finished or corrupted export looks like."""

    def export_parquet(self, select_sql, lake, prefix, partition_by):
        written = super().export_parquet(select_sql, lake, prefix, partition_by)
        lake.delete_key(sorted(o.key for o in lake.list(prefix))[0])
        return written


@pytest.fixture
def small_lake(tmp_path: Path):
    """sparkify.time with two months, a local lake, and the `time` export's asset."""
    warehouse = DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))
    warehouse.execute("CREATE SCHEMA sparkify",
                      "CREATE TABLE sparkify.time AS SELECT ts AS start_time, EXTRACT(hour FROM ts) AS hour, "
                      "EXTRACT(month FROM ts) AS month, EXTRACT(year FROM ts) AS year FROM (SELECT TIMESTAMP '2018-11-01' "
                      "+ n * INTERVAL '1 hour' AS ts FROM generate_series(0, 999) AS g(n)) AS t")
    spec = LakeTable("sparkify", "time", "sparkify/lake_export/time/", partition_by=("year", "month"))
    resources = {"lake": LocalLake(root=str(tmp_path / "lake")), "warehouse": warehouse, "catalog": DuckDBCatalog()}
    return build_lake_table_asset(spec), resources, tmp_path / "lake" / "sparkify" / "lake_export" / "time"


def view_count(warehouse: DuckDBWarehouse) -> int:
    with warehouse.connection() as connection:  # the run's own connection while it holds the file
        return connection.execute("SELECT COUNT(*) FROM sparkify_lake.time").fetchone()[0]


def test_a_reader_sees_the_previous_export_until_the_new_one_is_complete(small_lake, monkeypatch):
    asset, resources, folder = small_lake
    assert dg.materialize([asset], resources=resources).success
    [first] = folder.iterdir()
    resources["warehouse"].execute("DELETE FROM sparkify.time WHERE month = 12")
    seen = {}
    register = DuckDBCatalog.register

    def at_the_switch(self, table, warehouse):
        # the new version is complete, the previous one is still there and still what readers see
        seen["before"] = (first.is_dir(), view_count(warehouse), len(list(folder.iterdir())))
        return register(self, table, warehouse)

    monkeypatch.setattr(DuckDBCatalog, "register", at_the_switch)
    result = dg.materialize([asset], resources=resources)
    assert result.success and seen["before"] == (True, 1000, 2)
    assert not first.exists() and len(list(folder.iterdir())) == 1  # the previous version went after the switch
    assert view_count(resources["warehouse"]) == 720  # November only
    metadata = result.get_asset_materialization_events()[0].materialization.metadata
    assert metadata["catalog_table"].value == "sparkify_lake.time" and metadata["partitions_registered"].value == 1


def test_an_export_that_does_not_match_the_table_is_never_shown(small_lake, tmp_path):
    asset, resources, folder = small_lake
    assert dg.materialize([asset], resources=resources).success
    [first] = folder.iterdir()
    resources["warehouse"] = ShortExportWarehouse(path=resources["warehouse"].path)
    result = dg.materialize([asset], resources=resources, raise_on_error=False)
    [check] = result.get_asset_check_evaluations()
    assert check.check_name == ROW_COUNT_CHECK and not check.passed
    assert "year=2018, month=11: 720 rows in the table, 0 in the files" in check.metadata["mismatches"].value
    assert list(folder.iterdir()) == [first] and view_count(resources["warehouse"]) == 1000  # previous export kept


def test_catalogue_types_come_from_the_table_definition():
    assert [hive_type(t) for t in ("character varying(256)", "VARCHAR", "integer", "BIGINT", "double precision",
                                   "timestamp without time zone", "TIMESTAMP WITH TIME ZONE", "DATE", "numeric(12,2)",
                                   "boolean", "smallint", "HUGEINT")] == \
        ["string", "string", "int", "bigint", "double", "timestamp", "timestamp", "date", "decimal(12, 2)", "boolean",
         "smallint", "decimal(38, 0)"]
    types = {"songplay_id": "VARCHAR", "start_time": "TIMESTAMP", "month": "DATE"}
    assert column_types("SELECT songplay_id, start_time, CAST(EXTRACT(year FROM month) AS INTEGER) AS year FROM t",
                        types) == [CatalogColumn("songplay_id", "VARCHAR"), CatalogColumn("start_time", "TIMESTAMP"),
                                   CatalogColumn("year", "INTEGER")]
    assert [c.name for c in column_types("SELECT * FROM t", types)] == list(types)
    with pytest.raises(ValueError, match="cannot type export column 'n'"):
        column_types("SELECT COUNT(*) AS n FROM t", types)


def test_only_what_precedes_the_new_version_is_removed(tmp_path):
    """Older versions and a pre-versioning layout go; a newer version (another run's export) stays."""
    from capstone_assets.lib.lake_tables import new_version, remove_other_versions

    lake = LocalLake(root=str(tmp_path))
    older, mine, newer = sorted(new_version() for _ in range(3))
    for key in (f"t/{older}/year=2018/a.parquet", f"t/{mine}/year=2018/b.parquet", f"t/{newer}/c.parquet",
                "t/year=2018/month=11/legacy.parquet", "t/_schema.json"):
        lake.write_bytes(key, b"x")
    assert remove_other_versions(lake, "t/", f"t/{mine}/") == 3
    assert [o.key for o in lake.list("t/")] == [f"t/{mine}/year=2018/b.parquet", f"t/{newer}/c.parquet"]
    assert sorted(p.name for p in (tmp_path / "t").iterdir()) == [mine, newer]


def test_rows_are_counted_from_the_parquet_footer_alone(tmp_path):
    """A footer larger than the first read (many row groups) is read whole in a second one."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from capstone_assets.lib import lake_tables

    lake = LocalLake(root=str(tmp_path))
    (tmp_path / "t").mkdir()
    pq.write_table(pa.table({"n": list(range(5000)), "text": ["x" * 10] * 5000}), tmp_path / "t" / "a.parquet",
                   row_group_size=10)  # 500 row groups: a footer of well over 64 KiB
    assert int.from_bytes(lake.read_tail("t/a.parquet", 8)[:4], "little") > lake_tables.FOOTER_READ
    assert lake_tables.parquet_rows(lake, "t/a.parquet") == 5000
