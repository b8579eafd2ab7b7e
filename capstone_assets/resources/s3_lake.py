"""The lake in an S3 bucket under a prefix: production (and moto or another S3-compatible store in tests)."""

from __future__ import annotations

import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from pydantic import PrivateAttr

from capstone_assets.resources.lake import Lake, LakeObject


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
