"""LocalLake: what a listing holds, and keys that would lead out of the root (through `..` or a symbolic link)."""

from __future__ import annotations

import os

import pytest

from capstone_assets.resources import LocalLake
from capstone_assets.resources.lake import LakeError


def test_a_listing_holds_every_file_under_the_prefix_folder_by_folder(tmp_path):
    lake = LocalLake(root=str(tmp_path / "lake"))
    for key, data in {"learning/a/2019/01/x.csv": b"12", "learning/a/2019/01/.hidden": b"1",
                      "learning/a-b/y.csv": b"123", "learning/a/2019/02/z.csv": b"", "other/w.csv": b"1"}.items():
        lake.write_bytes(key, data)
    (tmp_path / "lake" / "learning" / "a" / "2019" / "03").mkdir()  # an empty folder: nothing to list
    os.symlink(tmp_path / "lake" / "other" / "w.csv", tmp_path / "lake" / "learning" / "linked.csv")
    os.symlink(tmp_path / "nowhere.csv", tmp_path / "lake" / "learning" / "broken.csv")

    listed = lake.list("learning/")

    assert [(obj.key, obj.size) for obj in listed] == [
        ("learning/a/2019/01/.hidden", 1), ("learning/a/2019/01/x.csv", 2), ("learning/a/2019/02/z.csv", 0),
        ("learning/a-b/y.csv", 3), ("learning/linked.csv", 1)]
    stat = os.stat(tmp_path / "lake" / "learning" / "a-b" / "y.csv")
    assert listed[3].version == f"{stat.st_mtime_ns}-{stat.st_size}" and listed[3].modified == stat.st_mtime
    assert lake.list("learning/a/2019/03/") == [] and lake.list("missing/") == []


def test_a_key_cannot_lead_out_of_the_root(tmp_path):
    (tmp_path / "secret.txt").write_text("not the lake's")
    lake = LocalLake(root=str(tmp_path / "lake"))
    lake.write_bytes("learning/inside.csv", b"a\n")
    os.symlink(tmp_path, tmp_path / "lake" / "learning" / "escape")
    for key in ("../secret.txt", "learning/../../secret.txt", "learning/escape/secret.txt"):
        with pytest.raises(LakeError, match="outside the lake root"):
            lake.read_bytes(key)
    assert lake.read_bytes("learning/./inside.csv") == b"a\n"
    assert [obj.key for obj in lake.list("learning/")] == ["learning/inside.csv"]  # a linked folder is not walked
