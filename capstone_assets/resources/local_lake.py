"""The lake in a local folder: the default for development and tests.

Writes are atomic per file (written beside, then renamed), and `replace_prefix` swaps a whole folder in by rename.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from stat import S_ISREG
from typing import Iterator

from pydantic import PrivateAttr

from capstone_assets.resources.lake import Lake, LakeError, LakeObject


class LocalLake(Lake):
    root: str
    source_endpoint_url: str | None = None  # for sources in S3 (an S3-compatible store); AWS's own when None
    _resolved_root: str = PrivateAttr(default="")

    @property
    def s3_endpoint_url(self) -> str | None:
        return self.source_endpoint_url

    def _root(self) -> str:
        if not self._resolved_root:  # once: a backfill asks for thousands of paths
            self._resolved_root = os.path.realpath(self.root)
        return self._resolved_root

    def _path(self, key: str) -> Path:
        root = self._root()
        path = os.path.realpath(os.path.join(root, key))  # symbolic links followed: a link cannot lead out either
        if path != root and not path.startswith(root.rstrip(os.sep) + os.sep):
            raise LakeError(f"lake key {key!r} points outside the lake root {root}")
        return Path(path)

    def list(self, prefix: str) -> list[LakeObject]:
        base = self._path(prefix)
        if not base.is_dir():
            return []
        skip = len(self._root().rstrip(os.sep)) + 1
        objects = []
        for folder, _, names in os.walk(base):  # into linked folders no more than before (a link may loop)
            for name in names:
                path = os.path.join(folder, name)
                with contextlib.suppress(FileNotFoundError):  # deleted since, or a broken link: not a file
                    stat = os.stat(path)
                    if S_ISREG(stat.st_mode):
                        objects.append(LakeObject(path[skip:].replace(os.sep, "/"), stat.st_size,
                                                  f"{stat.st_mtime_ns}-{stat.st_size}", stat.st_mtime))
        return sorted(objects, key=lambda obj: obj.key.split("/"))  # folder by folder, as before

    def read_bytes(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def read_head(self, key: str, size: int = 65536) -> bytes:
        with self._path(key).open("rb") as handle:
            return handle.read(size)

    def read_tail(self, key: str, size: int) -> bytes:
        with self._path(key).open("rb") as handle:
            handle.seek(max(0, handle.seek(0, 2) - size))
            return handle.read()

    def write_bytes(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".partial")
        temporary.write_bytes(data)
        temporary.replace(path)

    def delete_prefix(self, prefix: str) -> None:
        shutil.rmtree(self._path(prefix), ignore_errors=True)

    def delete_key(self, key: str) -> None:
        path = self._path(key)
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)

    def uri(self, key: str) -> str:
        return str(self._path(key))

    @contextmanager
    def local_file(self, key: str) -> Iterator[Path]:
        yield self._path(key)

    def upload_tree(self, local_root: Path, prefix: str = "") -> int:
        if Path(local_root).resolve() == Path(self.root).resolve():
            return 0
        return super().upload_tree(local_root, prefix)

    def replace_prefix(self, local_dir: Path, prefix: str) -> int:
        """Swap the folder in by rename, so readers see the old or the new content, never a mix."""
        target = self._path(prefix.rstrip("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        incoming = Path(tempfile.mkdtemp(prefix=f".{target.name}.incoming-", dir=target.parent))
        outgoing = target.parent / f".{target.name}.outgoing-{incoming.name.rsplit('-', 1)[-1]}"
        shutil.copytree(local_dir, incoming, dirs_exist_ok=True)
        if target.exists():
            target.rename(outgoing)
        incoming.rename(target)
        shutil.rmtree(outgoing, ignore_errors=True)
        return sum(1 for p in target.rglob("*") if p.is_file())
