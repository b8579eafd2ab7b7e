"""The Redshift COPY for sparkify: JSONPaths map by position, so the column list must follow log_json_path.json."""

import json
import re

from capstone_assets.resources.local_lake import LocalLake
from capstone_assets.resources.redshift_warehouse import RedshiftWarehouse
from capstone_assets.resources.warehouse import LoadRequest
from capstone_assets.sparkify.generator import generate
from capstone_assets.sparkify.specs import JSONPATHS, stage_specs

ROLE = "arn:aws:iam::123456789012:role/loader"


def copy_for(spec, lake) -> str:
    request = LoadRequest(schema=spec.group, table=spec.name, columns=spec.columns,
                          file_fields=tuple((c.name, spec.field_name(c.name)) for c in spec.file_columns),
                          format=spec.format, files=(), options=dict(spec.options))
    warehouse = RedshiftWarehouse(host="example", database="dev", user="loader", password="unused", iam_role=ROLE)
    return warehouse.copy_statement(request, '"_load"', "s3://bucket/manifest", lake)


def test_events_copy_uses_the_jsonpaths_file_in_column_order_and_songs_use_auto(settings, lake_dir):
    generate(lake_dir, scale=0.01, seed=1)
    lake = LocalLake(root=str(lake_dir))
    events, songs = stage_specs(settings)
    statement = copy_for(events, lake)
    paths = json.loads((lake_dir / JSONPATHS).read_text())["jsonpaths"]
    columns = re.search(r'COPY "_load" \(([^)]*)\)', statement).group(1).replace('"', "").split(", ")
    assert [events.field_name(c) for c in columns] == [re.fullmatch(r"\$\['(\w+)'\]", p).group(1) for p in paths]
    assert f"FORMAT AS JSON '{lake.uri(JSONPATHS)}'" in statement and f"IAM_ROLE '{ROLE}'" in statement
    songs_statement = copy_for(songs, lake)
    assert "FORMAT AS JSON 'auto'" in songs_statement
    assert re.search(r'COPY "_load" \(([^)]*)\)', songs_statement).group(1).replace('"', "").split(", ") == \
        [c.name for c in songs.file_columns]  # 'auto' matches keys to these names, which equal the JSON keys
