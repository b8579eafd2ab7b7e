"""The lake: where raw files land. A local folder by default, an S3 bucket/prefix in production.

Keys are always '/'-separated paths relative to the lake root (`learning/data_science/2019/1/video_log.csv`).

This module holds what every lake shares: the `Lake` interface, `GroupSourceLake` (a group's raw files read from
their own location) and the S3 retry rule. The two lakes themselves are in local_lake.py (`LocalLake`) and
s3_lake.py (`S3Lake`).
"""

from __future__ import annotations

import abc
import dataclasses
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import dagster as dg


@dataclass(frozen=True)
class LakeObject:
    key: str
    size: int
    version: str  # changes whenever the object's content is replaced (ETag/VersionId, or mtime+size)
    modified: float = 0.0  # last write, seconds since the epoch (orders uploads: the newest wins)


class LakeError(RuntimeError):
    """A lake key or operation the lake refuses (e.g. a key outside its root)."""


class Lake(dg.ConfigurableResource):
    """Lists, reads and writes objects under one root."""

    sources: dict[str, str] = {}  # group -> where its raw files already are (s3://bucket/prefix or a folder), read-only
    settle_seconds: float = 0.0  # sensors request a file only once it has not changed for this long (still written?)

    def for_group(self, group: str) -> Lake:
        """The lake as `group`'s loads and sensors see it: its raw files (`<group>/...` keys) read from the group's
        source location when one is configured, read-only; every other key (manifests, scratch copies) here."""
        root = self.sources.get(group)
        return self if root is None else GroupSourceLake(platform=self, group=group, source=self.lake_at(root))

    def lake_at(self, root: str) -> Lake:
        """A lake rooted at `root` (s3://bucket/prefix or a folder), reached the way this one is."""
        # imported here: both modules import this one for the `Lake` they extend
        from capstone_assets.resources.local_lake import LocalLake
        from capstone_assets.resources.s3_lake import S3Lake

        if root.startswith("s3://"):
            bucket, _, prefix = root[len("s3://"):].partition("/")
            return S3Lake(bucket=bucket, prefix=prefix, endpoint_url=self.s3_endpoint_url)
        return LocalLake(root=root)

    @property
    def s3_endpoint_url(self) -> str | None:
        return None

    @abc.abstractmethod
    def list(self, prefix: str) -> list[LakeObject]:
        ...

    @abc.abstractmethod
    def read_bytes(self, key: str) -> bytes:
        ...

    @abc.abstractmethod
    def read_head(self, key: str, size: int = 65536) -> bytes:
        ...

    @abc.abstractmethod
    def write_bytes(self, key: str, data: bytes) -> None:
        ...

    @abc.abstractmethod
    def delete_prefix(self, prefix: str) -> None:
        ...

    @abc.abstractmethod
    def uri(self, key: str) -> str:
        """Where an engine reads the object from: a filesystem path or an s3:// URL."""
        ...

    @abc.abstractmethod
    @contextmanager
    def local_file(self, key: str) -> Iterator[Path]:
        """A local path holding the object for the duration of the block."""
        ...

    def read_tail(self, key: str, size: int) -> bytes:
        """The last `size` bytes of the object (all of it if smaller): e.g. a Parquet file's footer."""
        return self.read_bytes(key)[-size:]

    def upload_tree(self, local_root: Path, prefix: str = "") -> int:
        count = 0
        for path in sorted(p for p in Path(local_root, prefix).rglob("*") if p.is_file()):
            self.write_bytes(path.relative_to(local_root).as_posix(), path.read_bytes())
            count += 1
        return count

    def replace_prefix(self, local_dir: Path, prefix: str) -> int:
        """Make `prefix` hold exactly the files of `local_dir`: upload them all, then delete what is left over."""
        prefix = prefix.rstrip("/") + "/"
        written = set()
        for path in sorted(p for p in Path(local_dir).rglob("*") if p.is_file()):
            key = prefix + path.relative_to(local_dir).as_posix()
            self.write_bytes(key, path.read_bytes())
            written.add(key)
        for stale in [o.key for o in self.list(prefix) if o.key not in written]:
            self.delete_key(stale)
        return len(written)

    def delete_key(self, key: str) -> None:
        self.delete_prefix(key)


class GroupSourceLake(Lake):
    """A group's raw files from their own location, read-only, over the platform's lake for everything else.

    Keys stay the platform's (`sparkify/log_data/2018/11/...`), so `_source_file`, run keys and messages do not
    change; `sparkify/<rest>` is `<rest>` under the source root (`s3://udacity-dend/log_data/2018/11/...`)."""

    platform: Lake
    group: str
    source: Lake

    def _route(self, key: str) -> tuple[Lake, str, bool]:
        mine = self.group + "/"
        return (self.source, key[len(mine):], True) if key.startswith(mine) else (self.platform, key, False)

    def _writable(self, key: str) -> tuple[Lake, str]:
        lake, inner, is_source = self._route(key)
        if is_source:
            raise LakeError(f"refusing to write or delete {key!r}: {self.group}'s raw files are read from "
                            f"{self.source.uri('')} (CAPSTONE_SOURCE_{self.group.upper()}), which the platform never changes")
        return lake, inner

    def list(self, prefix: str) -> list[LakeObject]:
        lake, inner, is_source = self._route(prefix)
        found = lake.list(inner)
        return [dataclasses.replace(o, key=f"{self.group}/{o.key}") for o in found] if is_source else found

    def read_bytes(self, key: str) -> bytes:
        lake, inner, _ = self._route(key)
        return lake.read_bytes(inner)

    def read_head(self, key: str, size: int = 65536) -> bytes:
        lake, inner, _ = self._route(key)
        return lake.read_head(inner, size)

    def read_tail(self, key: str, size: int) -> bytes:
        lake, inner, _ = self._route(key)
        return lake.read_tail(inner, size)

    def write_bytes(self, key: str, data: bytes) -> None:
        lake, inner = self._writable(key)
        lake.write_bytes(inner, data)

    def delete_prefix(self, prefix: str) -> None:
        lake, inner = self._writable(prefix)
        lake.delete_prefix(inner)

    def delete_key(self, key: str) -> None:
        lake, inner = self._writable(key)
        lake.delete_key(inner)

    def uri(self, key: str) -> str:
        lake, inner, _ = self._route(key)
        return lake.uri(inner)

    @contextmanager
    def local_file(self, key: str) -> Iterator[Path]:
        lake, inner, _ = self._route(key)
        with lake.local_file(inner) as path:
            yield path


TRANSIENT_ERROR_CODES = {"SlowDown", "Throttling", "ThrottlingException", "RequestTimeout", "InternalError", "ServiceUnavailable", "503", "500"}


def is_transient(error: BaseException) -> bool:
    """True for S3 errors worth retrying after boto3's own retries gave up (throttling, timeouts, 5xx)."""
    from botocore.exceptions import ClientError, ConnectionError as BotoConnectionError

    if isinstance(error, BotoConnectionError):
        return True
    return isinstance(error, ClientError) and error.response.get("Error", {}).get("Code") in TRANSIENT_ERROR_CODES
