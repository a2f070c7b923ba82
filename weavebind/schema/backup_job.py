"""A backup or restore job: its status as the API answers it, and as `backup_config.json` stores it beside the
backup's data (so a backup made before a restart, or by another server, can be listed and restored)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import orjson

from weavebind.storage import backup_files
from weavebind.storage.backup_backends import Location

STATUS_FILE = "backup_config.json"
STARTED, SUCCESS, FAILED, CANCELED = "STARTED", "SUCCESS", "FAILED", "CANCELED"
DATA_FILES = (backup_files.DATA_FILE, backup_files.DATA_FILE + ".gz")


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@dataclass
class Job:
    id: str
    backend: str
    path: str
    classes: list[str]
    where: Location = field(default_factory=Location)
    status: str = STARTED
    error: str | None = None
    started_at: str = field(default_factory=now)
    completed_at: str | None = None
    data_file: str = backup_files.DATA_FILE
    aliases: dict[str, str] = field(default_factory=dict)  # alias -> class, of the classes backed up
    cancel: threading.Event = field(default_factory=threading.Event)

    def status_body(self) -> dict[str, Any]:
        body = {"id": self.id, "backend": self.backend, "path": self.path, "status": self.status}
        return {**body, "error": self.error} if self.error else body

    def listed(self) -> dict[str, Any]:
        return {"id": self.id, "classes": self.classes, "status": self.status, "startedAt": self.started_at,
                "completedAt": self.completed_at}

    def stored(self) -> bytes:
        return orjson.dumps({**self.listed(), "backend": self.backend, "path": self.path, "error": self.error,
                             "dataFile": self.data_file, "aliases": self.aliases})

    @classmethod
    def load(cls, raw: bytes, where: Location) -> Job:
        """The stored job; ValueError, KeyError or TypeError when the file is not one weavebind wrote."""
        data = orjson.loads(raw)
        data_file = data.get("dataFile") or backup_files.DATA_FILE
        if data_file not in DATA_FILES:  # the name becomes a path: only ours
            raise ValueError(f"unknown data file {data_file!r}")
        classes, aliases = data["classes"], data.get("aliases") or {}
        if not all(isinstance(c, str) for c in classes) or not all(
                isinstance(a, str) and isinstance(c, str) for a, c in aliases.items()):
            raise TypeError("classes and aliases must be names")
        return cls(data["id"], data["backend"], data["path"], classes, where, data["status"], data.get("error"),
                   data["startedAt"], data.get("completedAt"), data_file, aliases)
