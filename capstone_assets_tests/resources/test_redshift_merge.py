"""resources/redshift_merge.py: which files are merged, what a merged object holds, and where its lines came from."""

from __future__ import annotations

import json

from capstone_assets.resources import redshift_merge
from capstone_assets.resources.local_lake import LocalLake
from capstone_assets.resources.warehouse import LoadRequest


def request_for(lake, files: dict[str, bytes], format: str = "ndjson", source_keys=None) -> LoadRequest:
    for name, data in files.items():
        lake.write_bytes(f"in/{name}", data)
    return LoadRequest(schema="s", table="t", columns=(), file_fields=(("a", "a"),), format=format,
                       files=tuple(o for o in lake.list("in/") if o.key[3:] in files), source_keys=source_keys or {})


def test_records_carry_their_original_key_and_keep_their_text_and_line(tmp_path):
    lake = LocalLake(root=str(tmp_path))
    request = request_for(lake, {"a.json": b'{"a": 1.50}\n\n{"a":2E0}\r\n', "b.json": b'{}\n'},
                          source_keys={"in/a.json": "raw/a.json"})
    merged, alone = redshift_merge.merge_small_files(request, lake, "_manifests/x/")
    assert alone == [] and len(merged) == 1
    assert lake.read_bytes(merged[0].key).decode().splitlines() == [
        '{"_source_file":"raw/a.json","a": 1.50}', '{"_source_file":"raw/a.json","a":2E0}',
        '{"_source_file":"in/b.json"}']  # values as the file writes them, never re-rendered
    assert merged[0].origins == (("raw/a.json", 1), ("raw/a.json", 3), ("in/b.json", 1))
    assert redshift_merge.origin(merged[0].origins, 2) == ("raw/a.json", 3)
    assert redshift_merge.origin(merged[0].origins, 4) is None


def test_files_it_cannot_merge_faithfully_keep_their_own_copy(tmp_path):
    lake = LocalLake(root=str(tmp_path))
    request = request_for(lake, {"ok1.json": b'{"a":1}\n', "ok2.json": b'{"a":2}\n', "array.json": b'[1]\n',
                                 "spans.json": b'{"a":\n3}\n', "tagged.json": b'{"_source_file":"x"}\n',
                                 "latin1.json": b'{"a":"\xe9"}\n', "empty.json": b"", "big.json.gz": b"\x1f\x8b"})
    merged, alone = redshift_merge.merge_small_files(request, lake, "_manifests/x/")
    assert [key for m in merged for key, _ in m.origins] == ["in/ok1.json", "in/ok2.json"]
    assert sorted(o.key[3:] for o in alone) == ["array.json", "big.json.gz", "empty.json", "latin1.json",
                                                "spans.json", "tagged.json"]


def test_merged_objects_are_capped_and_csv_is_never_merged(tmp_path, monkeypatch):
    lake = LocalLake(root=str(tmp_path))
    one_object_files = {f"{i}.json": json.dumps({"a": i}, indent=1).encode() for i in range(5)}
    monkeypatch.setattr(redshift_merge, "MERGED_OBJECT_BYTES", 80)  # a tagged record is 38 bytes: two fit
    merged, alone = redshift_merge.merge_small_files(request_for(lake, one_object_files, "json"), lake, "m/")
    assert alone == [] and [len(m.origins) for m in merged] == [2, 2, 1]
    assert all(m.size <= 80 for m in merged)
    csv_request = request_for(lake, {"a.csv": b"a\n1\n", "b.csv": b"a\n2\n"}, "csv")
    assert redshift_merge.merge_small_files(csv_request, lake, "n/") == ([], list(csv_request.files))
