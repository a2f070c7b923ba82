"""The `config` of backup create and restore requests (Weaviate's BackupConfig / RestoreConfig), validated with
Weaviate's bounds and go-openapi's messages, and the `bucket` / `path` query parameters of status and cancel.

Keys are matched without regard to case, as Go's JSON decoding does: Weaviate's clients send `CPUPercentage` but
the v4 Python client's backup_location sends `bucket` and `path`. Keys Weaviate knows and weavebind has no use for
(`Endpoint`, `rolesOptions`, `usersOptions`) are accepted and ignored, and unknown keys are ignored, as Weaviate
ignores them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from weavebind.errors import Unprocessable
from weavebind.storage.backup_backends import Location

# gzip levels; weavebind compresses with gzip only, so the zstd levels take the gzip level of the same intent.
COMPRESSION_LEVELS = {"DefaultCompression": 6, "BestSpeed": 1, "BestCompression": 9, "ZstdDefaultCompression": 6,
                      "ZstdBestSpeed": 1, "ZstdBestCompression": 9, "NoCompression": 0}
DEFAULT_CHUNK_MB = 8  # the part size of S3 uploads when the request names none (boto3's own default)
MB = 1024 * 1024


@dataclass(frozen=True)
class CreateOptions:
    where: Location = field(default_factory=Location)
    compression: str = "DefaultCompression"
    chunk_bytes: int = DEFAULT_CHUNK_MB * MB

    @property
    def gzip_level(self) -> int:
        return COMPRESSION_LEVELS[self.compression]


def _fields(config: Any) -> dict[str, Any]:
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise Unprocessable(f"config in body must be of type object: {type(config).__name__!r}")
    return {str(key).lower(): value for key, value in config.items()}


def _bounded(fields: dict, name: str, low: int, high: int) -> int:
    """An optional integer in [low, high]; 0 or absent means "not set", as in Weaviate's models."""
    value = fields.get(name.lower())
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise Unprocessable(f"{name} in body must be of type integer: {value!r}")
    if value != 0 and value < low:
        raise Unprocessable(f"{name} in body should be greater than or equal to {low}")
    if value > high:
        raise Unprocessable(f"{name} in body should be less than or equal to {high}")
    return value


def _text(source: Mapping, name: str, label: str) -> str:
    value = source.get(name)
    if value is None:
        return ""
    if not isinstance(value, str) or "\x00" in value:
        raise Unprocessable(f"{label} in body must be of type string: {value!r}")
    return value.strip()


def location(source: Mapping, backend: str, label: str = "{}") -> Location:
    """The Bucket/Path override. The filesystem backend has no buckets (a Bucket is ignored, as in Weaviate), and
    its Path is a directory, which must be absolute as BACKUP_FILESYSTEM_PATH must."""
    bucket, path = _text(source, "bucket", label.format("Bucket")), _text(source, "path", label.format("Path"))
    if backend == "filesystem":
        if path and not PurePosixPath(path).is_absolute():
            raise Unprocessable(f"{label.format('Path')} must be an absolute directory for the filesystem backend, "
                                f"got {path!r}")
        return Location("", str(PurePosixPath(path)) if path else "")
    return Location(bucket, path.strip("/"))


def create_options(config: Any, backend: str) -> CreateOptions:
    fields = _fields(config)
    _bounded(fields, "CPUPercentage", 1, 80)  # accepted; weavebind's backup is one thread already
    chunk_mb = _bounded(fields, "ChunkSize", 2, 512)
    level = fields.get("compressionlevel") or "DefaultCompression"
    if level not in COMPRESSION_LEVELS:
        raise Unprocessable(f"CompressionLevel in body should be one of [{' '.join(COMPRESSION_LEVELS)}]")
    return CreateOptions(location(fields, backend), level, (chunk_mb or DEFAULT_CHUNK_MB) * MB)


def restore_options(body: dict, backend: str) -> tuple[Location, bool]:
    """The restore's location and `overwriteAlias` (Weaviate >= 1.32: repoint aliases that exist already)."""
    fields = _fields(body.get("config"))
    _bounded(fields, "CPUPercentage", 1, 80)
    overwrite = body.get("overwriteAlias", False)
    if overwrite is None:
        overwrite = False
    if not isinstance(overwrite, bool):
        raise Unprocessable(f"overwriteAlias in body must be of type boolean: {overwrite!r}")
    return location(fields, backend), overwrite
