"""The enabled backup modules' backends, built from the settings (`ENABLE_MODULES`, BACKUP_*, AWS_*)."""

from __future__ import annotations

from weavebind.server.settings import Settings
from weavebind.storage.backup_backends import BackupBackend, FilesystemBackend


def backup_backends(settings: Settings) -> dict[str, BackupBackend]:
    """Backend name in URLs ("filesystem", "s3") → backend; both modules may be enabled at once."""
    backends: dict[str, BackupBackend] = {}
    if "backup-filesystem" in settings.backup_modules:
        backends["filesystem"] = FilesystemBackend(settings.backup_filesystem_path)
    if "backup-s3" in settings.backup_modules:
        from weavebind.storage.backup_s3 import S3Backend, S3Options  # boto3 is loaded only when it is used

        backends["s3"] = S3Backend(S3Options(
            bucket=settings.backup_s3_bucket, path=settings.backup_s3_path.strip("/"),
            endpoint=settings.backup_s3_endpoint, use_ssl=settings.backup_s3_use_ssl,
            region=settings.aws_region or settings.aws_default_region,
            access_key=settings.aws_access_key_id or settings.aws_access_key,
            secret_key=settings.aws_secret_access_key or settings.aws_secret_key,
            session_token=settings.aws_session_token))
    return backends
