"""The lake: where raw files land. A local folder by default, an S3 bucket/prefix in production.

Keys are always '/'-separated paths relative to the lake root (`learning/data_science/2019/1/video_log.csv`).
"""

from __future__ import annotations

import abc
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

    def write_bytes(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".partial")
        temporary.write_bytes(data)
        temporary.replace(path)

    def delete_prefix(self, prefix: str) -> None:
        shutil.rmtree(self._path(prefix), ignore_errors=True)

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
    max_attempts: int = 8

    _client = PrivateAttr(default=None)

    @property
    def client(self):
        if self._client is None:
            import boto3
            from botocore.config import Config

            config = Config(retries={"mode": "standard", "max_attempts": self.max_attempts})
            self._client = boto3.client("s3", endpoint_url=self.endpoint_url, region_name=self.region_name, config=config)
        return self._client

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


TRANSIENT_ERROR_CODES = {"SlowDown", "Throttling", "ThrottlingException", "RequestTimeout", "InternalError", "ServiceUnavailable", "503", "500"}


def is_transient(error: BaseException) -> bool:
    """True for S3 errors worth retrying after boto3's own retries gave up (throttling, timeouts, 5xx)."""
    from botocore.exceptions import ClientError, ConnectionError as BotoConnectionError

    if isinstance(error, BotoConnectionError):
        return True
    return isinstance(error, ClientError) and error.response.get("Error", {}).get("Code") in TRANSIENT_ERROR_CODES
