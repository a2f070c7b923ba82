"""`backup-s3`: backups as objects `<path>/<backup id>/<key>` in an S3 bucket (AWS, or any S3-compatible server such
as MinIO), through boto3, with Weaviate's settings (BACKUP_S3_*, AWS_*). The BackupBackend of backup_backends.py.

Data files go up with `upload_file`, which sends a large file as a multipart upload read from disk part by part,
and come down with `download_file`, which writes to disk as it receives: a backup is never held in memory.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path

import boto3
from boto3.exceptions import Boto3Error
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from weavebind.storage.backup_backends import BackendError, Location

AWS_ENDPOINT = "s3.amazonaws.com"
MIN_PART = 5 * 1024 * 1024  # S3 refuses smaller parts (all but the last) of a multipart upload
MAX_BUFFERED = 64 * 1024 * 1024  # bytes of parts in flight at once, whatever ChunkSize asks for
S3_ERRORS = (ClientError, BotoCoreError, Boto3Error)


@dataclass(frozen=True)
class S3Options:
    bucket: str
    path: str = ""
    endpoint: str = AWS_ENDPOINT
    use_ssl: bool = True
    region: str = ""
    access_key: str = ""
    secret_key: str = ""
    session_token: str = ""


def _describe(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', 'error')}: {error.get('Message') or exc}"
    return str(exc)


def _missing(exc: Exception) -> bool:
    return isinstance(exc, ClientError) and exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404")


class S3Backend:
    name = "s3"

    def __init__(self, options: S3Options):
        self.options = options
        custom = options.endpoint != AWS_ENDPOINT
        scheme = "https" if options.use_ssl else "http"
        self.client = boto3.session.Session().client(
            "s3",
            # AWS itself: boto3 picks the bucket's regional endpoint. Anything else (MinIO, moto) is addressed by
            # its host and takes the bucket in the path, as Weaviate's client does for non-AWS endpoints.
            endpoint_url=f"{scheme}://{options.endpoint}" if custom else None,
            use_ssl=options.use_ssl,
            region_name=options.region or "us-east-1",
            aws_access_key_id=options.access_key or None,
            aws_secret_access_key=options.secret_key or None,
            aws_session_token=options.session_token or None,
            config=Config(s3={"addressing_style": "path" if custom else "auto"}, connect_timeout=5,
                          read_timeout=60, retries={"max_attempts": 3, "mode": "standard"}),
        )

    def meta(self) -> dict:
        """What Weaviate's module reports about itself in /v1/meta."""
        info: dict = {"endpoint": self.options.endpoint, "bucketName": self.options.bucket}
        if self.options.path:
            info["rootName"] = self.options.path
        return {**info, "useSSL": self.options.use_ssl}

    def _bucket(self, where: Location) -> str:
        return where.bucket or self.options.bucket

    def _key(self, backup_id: str, key: str, where: Location) -> str:
        root = (where.path or self.options.path).strip("/")
        return posixpath.join(root, backup_id, key) if root else posixpath.join(backup_id, key)

    def home(self, backup_id: str, where: Location) -> str:
        return "s3://" + posixpath.join(self._bucket(where), self._key(backup_id, "", where)).rstrip("/")

    def check_writable(self, backup_id: str, where: Location) -> None:
        """Weaviate's access check: write and remove an empty object where the backup will go."""
        key = self._key(backup_id, "access-check", where)
        try:
            self.client.put_object(Bucket=self._bucket(where), Key=key, Body=b"")
            self.client.delete_object(Bucket=self._bucket(where), Key=key)
        except S3_ERRORS as exc:
            raise BackendError(f"put object '{key}' in bucket '{self._bucket(where)}': {_describe(exc)}") from None

    def put_file(self, backup_id: str, key: str, source: Path, where: Location, chunk_bytes: int) -> None:
        part = max(chunk_bytes, MIN_PART)
        config = TransferConfig(multipart_threshold=part, multipart_chunksize=part,
                                max_concurrency=max(1, min(4, MAX_BUFFERED // part)))
        name = self._key(backup_id, key, where)
        try:
            self.client.upload_file(str(source), self._bucket(where), name, Config=config)
        except S3_ERRORS as exc:
            raise BackendError(f"put file '{name}' in bucket '{self._bucket(where)}': {_describe(exc)}") from None

    def get_file(self, backup_id: str, key: str, target: Path, where: Location) -> None:
        name = self._key(backup_id, key, where)
        try:
            self.client.download_file(self._bucket(where), name, str(target))
        except S3_ERRORS as exc:
            raise BackendError(f"get file '{name}' in bucket '{self._bucket(where)}': {_describe(exc)}") from None

    def put_bytes(self, backup_id: str, key: str, data: bytes, where: Location) -> None:
        name = self._key(backup_id, key, where)
        try:
            self.client.put_object(Bucket=self._bucket(where), Key=name, Body=data)
        except S3_ERRORS as exc:
            raise BackendError(f"put object '{name}' in bucket '{self._bucket(where)}': {_describe(exc)}") from None

    def get_bytes(self, backup_id: str, key: str, where: Location) -> bytes | None:
        name = self._key(backup_id, key, where)
        try:
            return self.client.get_object(Bucket=self._bucket(where), Key=name)["Body"].read()
        except S3_ERRORS as exc:
            if _missing(exc):
                return None
            raise BackendError(f"get object '{name}' in bucket '{self._bucket(where)}': {_describe(exc)}") from None

    def delete(self, backup_id: str, key: str, where: Location) -> None:
        name = self._key(backup_id, key, where)
        try:
            self.client.delete_object(Bucket=self._bucket(where), Key=name)
        except S3_ERRORS as exc:
            raise BackendError(f"delete object '{name}' in bucket '{self._bucket(where)}': {_describe(exc)}") from None

    def backup_ids(self, where: Location) -> list[str]:
        prefix = self._key("", "", where).lstrip("/")
        ids: list[str] = []
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self._bucket(where), Prefix=prefix, Delimiter="/")
            for page in pages:
                ids.extend(p["Prefix"][len(prefix):].rstrip("/") for p in page.get("CommonPrefixes", []))
        except S3_ERRORS as exc:
            raise BackendError(f"list bucket '{self._bucket(where)}': {_describe(exc)}") from None
        return sorted(ids)
