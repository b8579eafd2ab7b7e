"""The lake: where raw files land. A local folder by default, an S3 bucket/prefix in production.

Keys are always '/'-separated paths relative to the lake root (`learning/data_science/2019/1/video_log.csv`).
"""

from __future__ import annotations

import abc
import dataclasses
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import dagster as dg
from pydantic import PrivateAttr


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


class LocalLake(Lake):
    root: str
    source_endpoint_url: str | None = None  # for sources in S3 (an S3-compatible store); AWS's own when None

    @property
    def s3_endpoint_url(self) -> str | None:
        return self.source_endpoint_url

    def _path(self, key: str) -> Path:
        root = Path(self.root).resolve()
        path = (root / key).resolve()
        if root != path and root not in path.parents:
            raise LakeError(f"lake key {key!r} points outside the lake root {root}")
        return path

    def list(self, prefix: str) -> list[LakeObject]:
        base = self._path(prefix)
        if not base.is_dir():
            return []
        root = Path(self.root).resolve()
        objects = []
        for path in sorted(p for p in base.rglob("*") if p.is_file()):
            stat = path.stat()
            objects.append(LakeObject(path.relative_to(root).as_posix(), stat.st_size, f"{stat.st_mtime_ns}-{stat.st_size}",
                                      stat.st_mtime))
        return objects

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


class S3Lake(Lake):
    bucket: str
    prefix: str = ""
    endpoint_url: str | None = None
    region_name: str | None = None
    profile_name: str | None = None
    max_attempts: int = 8

    _client = PrivateAttr(default=None)

    @property
    def client(self):
        if self._client is None:
            from dagster_aws.s3 import S3Resource  # region, profile, endpoint and standard-mode retries, as AWS users know them

            self._client = S3Resource(region_name=self.region_name, endpoint_url=self.endpoint_url,
                                      profile_name=self.profile_name, max_attempts=self.max_attempts).get_client()
        return self._client

    def lake_at(self, root: str) -> Lake:
        if not root.startswith("s3://"):
            return super().lake_at(root)
        bucket, _, prefix = root[len("s3://"):].partition("/")
        return S3Lake(bucket=bucket, prefix=prefix, endpoint_url=self.endpoint_url, region_name=self.region_name,
                      profile_name=self.profile_name, max_attempts=self.max_attempts)

    @property
    def s3_endpoint_url(self) -> str | None:
        return self.endpoint_url

    def _key(self, key: str) -> str:
        return f"{self.prefix.strip('/')}/{key}" if self.prefix.strip("/") else key

    def _relative(self, full_key: str) -> str:
        prefix = self.prefix.strip("/")
        return full_key[len(prefix) + 1 :] if prefix else full_key

    def list(self, prefix: str) -> list[LakeObject]:
        paginator = self.client.get_paginator("list_objects_v2")
        objects = []
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self._key(prefix)):
            for item in page.get("Contents", []):
                etag = item["ETag"].strip('"')
                objects.append(LakeObject(self._relative(item["Key"]), item["Size"], etag, item["LastModified"].timestamp()))
        return sorted(objects, key=lambda o: o.key)

    def read_bytes(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()

    def read_head(self, key: str, size: int = 65536) -> bytes:
        response = self.client.get_object(Bucket=self.bucket, Key=self._key(key), Range=f"bytes=0-{size - 1}")
        return response["Body"].read()

    def read_tail(self, key: str, size: int) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=self._key(key), Range=f"bytes=-{size}")["Body"].read()

    def write_bytes(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)

    def delete_prefix(self, prefix: str) -> None:
        for item in self.list(prefix):
            self.client.delete_object(Bucket=self.bucket, Key=self._key(item.key))

    def delete_key(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._key(key)}"

    @contextmanager
    def local_file(self, key: str) -> Iterator[Path]:
        with tempfile.TemporaryDirectory(prefix="capstone-lake-") as folder:
            path = Path(folder) / Path(key).name
            self.client.download_file(self.bucket, self._key(key), str(path))
            yield path


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
