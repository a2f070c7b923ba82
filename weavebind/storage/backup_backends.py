"""Where backups are kept: a small interface of named blobs under a backup id, and the `backup-filesystem` backend.

The backup logic (weavebind.schema.backups) writes a backup as a few named files under its id (the data file and
`backup_config.json`) and never knows where they go; `backup-s3` (backup_s3.py) is the other implementation. Data
files move as local files (copied or streamed, never read whole into memory); the small status file as bytes.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


class BackendError(Exception):
    """The backend could not be reached or refused the operation; the message says what and where."""


@dataclass(frozen=True)
class Location:
    """A request's override of where its backup lives (Weaviate's `config.Bucket` / `config.Path`); empty = the
    backend's configured place."""

    bucket: str = ""
    path: str = ""


class BackupBackend(Protocol):
    """One backup module's storage. Every method takes the backup id and the request's Location."""

    name: str  # the backend's name in URLs: "filesystem", "s3"

    def meta(self) -> dict:
        """What Weaviate's module reports about itself in /v1/meta."""

    def home(self, backup_id: str, where: Location) -> str:
        """Where the backup lives, as reported in the answers' `path`."""

    def check_writable(self, backup_id: str, where: Location) -> None:
        """Raise BackendError unless a backup can be written there now (before a backup is accepted)."""

    def put_file(self, backup_id: str, key: str, source: Path, where: Location, chunk_bytes: int) -> None:
        """Store a local file under the key, streamed in parts of about `chunk_bytes` where the backend has parts."""

    def get_file(self, backup_id: str, key: str, target: Path, where: Location) -> None:
        """Copy the key's content into the local file `target` (streamed)."""

    def put_bytes(self, backup_id: str, key: str, data: bytes, where: Location) -> None: ...

    def get_bytes(self, backup_id: str, key: str, where: Location) -> bytes | None:
        """The key's content, or None when there is no such key."""

    def delete(self, backup_id: str, key: str, where: Location) -> None:
        """Remove the key if it is there."""

    def backup_ids(self, where: Location) -> list[str]:
        """The ids that have something stored at this location."""


class FilesystemBackend:
    """`backup-filesystem`: one directory per backup under BACKUP_FILESYSTEM_PATH, or under the request's `Path`
    (an absolute directory), as Weaviate's module does."""

    name = "filesystem"

    def __init__(self, root: str):
        self.root = Path(root)

    def meta(self) -> dict:
        return {"backupsPath": str(self.root)}

    def _directory(self, backup_id: str, where: Location) -> Path:
        return (Path(where.path) if where.path else self.root) / backup_id

    def home(self, backup_id: str, where: Location) -> str:
        return str(self._directory(backup_id, where))

    def check_writable(self, backup_id: str, where: Location) -> None:
        directory = self._directory(backup_id, where)
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BackendError(f'cannot create "{directory}": {exc.strerror or exc}') from None
        if not os.access(directory, os.W_OK):
            raise BackendError(f'cannot write to "{directory}": permission denied')

    def put_file(self, backup_id: str, key: str, source: Path, where: Location, chunk_bytes: int) -> None:
        target = self._directory(backup_id, where) / key
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(source, target)  # a rename when the staging area is on the same filesystem
        except OSError as exc:
            raise BackendError(f'write "{target}": {exc.strerror or exc}') from None

    def get_file(self, backup_id: str, key: str, target: Path, where: Location) -> None:
        source = self._directory(backup_id, where) / key
        try:
            shutil.copyfile(source, target)
        except OSError as exc:
            raise BackendError(f'read "{source}": {exc.strerror or exc}') from None

    def put_bytes(self, backup_id: str, key: str, data: bytes, where: Location) -> None:
        target = self._directory(backup_id, where) / key
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(target.name + ".partial")
            partial.write_bytes(data)
            partial.replace(target)  # a reader never sees half a status file
        except OSError as exc:
            raise BackendError(f'write "{target}": {exc.strerror or exc}') from None

    def get_bytes(self, backup_id: str, key: str, where: Location) -> bytes | None:
        source = self._directory(backup_id, where) / key
        try:
            return source.read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            raise BackendError(f'read "{source}": {exc.strerror or exc}') from None

    def delete(self, backup_id: str, key: str, where: Location) -> None:
        (self._directory(backup_id, where) / key).unlink(missing_ok=True)

    def backup_ids(self, where: Location) -> list[str]:
        root = Path(where.path) if where.path else self.root
        try:
            return sorted(entry.name for entry in root.iterdir() if entry.is_dir())
        except FileNotFoundError:  # nothing backed up there yet
            return []
        except OSError as exc:
            raise BackendError(f'list "{root}": {exc.strerror or exc}') from None
