"""A real local S3-compatible server for the backup-s3 tests: moto's server mode on a loopback port, spoken to over
HTTP by boto3 exactly as AWS or MinIO would be. Each test takes its own bucket."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import boto3

from tests.live_server import free_port

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "weavebind-test", "AWS_SECRET_ACCESS_KEY": "weavebind-test-secret",
               "AWS_REGION": "us-east-1"}



@dataclass
class LocalS3:
    endpoint: str  # host:port

    def client(self):
        return boto3.client("s3", endpoint_url=f"http://{self.endpoint}", region_name="us-east-1",
                            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"])

    def new_bucket(self) -> str:
        name = f"wb-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def env(self, bucket: str, path: str = "", modules: str = "backup-s3") -> dict[str, str]:
        """The server settings of backup-s3 writing to `bucket` on this server."""
        return {"ENABLE_MODULES": modules, "BACKUP_S3_BUCKET": bucket, "BACKUP_S3_PATH": path,
                "BACKUP_S3_ENDPOINT": self.endpoint, "BACKUP_S3_USE_SSL": "false", **CREDENTIALS}

    def keys(self, bucket: str) -> list[str]:
        listed = self.client().list_objects_v2(Bucket=bucket)
        return sorted(item["Key"] for item in listed.get("Contents", []))


@contextmanager
def local_s3() -> Iterator[LocalS3]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield LocalS3(f"127.0.0.1:{port}")
    finally:
        server.stop()
