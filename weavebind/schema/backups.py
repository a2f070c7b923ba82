"""Backups, Weaviate's API with the `backup-filesystem` backend: create (a consistent cut of some classes' rows,
storage/backup_files.py), status, cancel, list, and restore into a server that lacks those classes.

Each job runs in a thread of its own; its status is kept in memory and, for backups, in `backup_config.json` beside
the data, so a backup made before a restart can still be listed and restored.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from weavebind.errors import NotFound, Unprocessable
from weavebind.schema.service import SchemaService
from weavebind.schema.validation import capitalize_class
from weavebind.storage import backup_files

BACKUP_ID = re.compile(r"^[a-z0-9_-]{1,128}$")
STATUS_FILE = "backup_config.json"
STARTED, SUCCESS, FAILED, CANCELED = "STARTED", "SUCCESS", "FAILED", "CANCELED"


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@dataclass
class Job:
    id: str
    backend: str
    path: str
    classes: list[str]
    status: str = STARTED
    error: str | None = None
    started_at: str = field(default_factory=_now)
    completed_at: str | None = None
    cancel: threading.Event = field(default_factory=threading.Event)

    def status_body(self) -> dict[str, Any]:
        body = {"id": self.id, "backend": self.backend, "path": self.path, "status": self.status}
        return {**body, "error": self.error} if self.error else body

    def listed(self) -> dict[str, Any]:
        return {"id": self.id, "classes": self.classes, "status": self.status, "startedAt": self.started_at,
                "completedAt": self.completed_at}


class BackupService:
    def __init__(self, schema: SchemaService, backends: tuple[str, ...], root: str):
        self.schema = schema
        self.backends = {name.removeprefix("backup-") for name in backends}
        self.root = Path(root) if root else None
        self.backups: dict[str, Job] = {}
        self.restores: dict[str, Job] = {}
        self.lock = threading.Lock()

    # -- create ------------------------------------------------------------------------------------------------
    def create(self, backend: str, body: Any) -> dict[str, Any]:
        directory = self._directory(backend, body.get("id") if isinstance(body, dict) else None)
        names = self._chosen(body, [info.name for info in self.schema.all()], "back up")
        with self.lock:
            if directory.exists() or body["id"] in self.backups:
                raise Unprocessable(f'backup "{body["id"]}" already exists at "{directory}"')
            job = Job(body["id"], backend, str(directory), names)
            self.backups[job.id] = job
            directory.mkdir(parents=True)
            self._save(job)
        threading.Thread(target=self._run_backup, args=(job,), name=f"backup-{job.id}", daemon=True).start()
        return {**job.status_body(), "classes": names}

    def _run_backup(self, job: Job) -> None:
        try:
            backup_files.export_classes(self.schema.store.engine, job.classes, Path(job.path), job.cancel.is_set)
            job.status = SUCCESS
        except backup_files.BackupCanceled:
            job.status = CANCELED
        except Exception as exc:  # noqa: BLE001 -- reported in the job's status, as Weaviate does
            job.status, job.error = FAILED, f"{type(exc).__name__}: {exc}"
        job.completed_at = _now()
        self._save(job)

    def _save(self, job: Job) -> None:
        data = {**job.listed(), "backend": job.backend, "path": job.path, "error": job.error}
        (Path(job.path) / STATUS_FILE).write_bytes(orjson.dumps(data))

    # -- status, cancel, list ------------------------------------------------------------------------------------
    def status(self, backend: str, backup_id: str) -> dict[str, Any]:
        return self._job(backend, backup_id).status_body()

    def cancel(self, backend: str, backup_id: str) -> None:
        job = self._job(backend, backup_id)
        if job.status == STARTED:
            job.cancel.set()

    def list(self, backend: str) -> list[dict[str, Any]]:
        self._check_backend(backend)
        jobs = {job.id: job for job in self._stored()} | self.backups
        return [job.listed() for job in sorted(jobs.values(), key=lambda j: j.started_at)]

    def _job(self, backend: str, backup_id: str) -> Job:
        self._check_backend(backend)
        job = self.backups.get(backup_id) or next((j for j in self._stored() if j.id == backup_id), None)
        if job is None:
            raise NotFound(f'backup "{backup_id}" not found on backend "{backend}"')
        return job

    def _stored(self) -> list[Job]:
        jobs = []
        for status_file in sorted(self.root.glob(f"*/{STATUS_FILE}")) if self.root else []:
            data = orjson.loads(status_file.read_bytes())
            jobs.append(Job(data["id"], data["backend"], data["path"], data["classes"], data["status"],
                            data.get("error"), data["startedAt"], data.get("completedAt")))
        return jobs

    # -- restore -------------------------------------------------------------------------------------------------
    def restore(self, backend: str, backup_id: str, body: Any) -> dict[str, Any]:
        backup = self._job(backend, backup_id)
        if backup.status != SUCCESS:
            raise Unprocessable(f'backup "{backup_id}" cannot be restored: its status is {backup.status}')
        names = self._chosen(body if isinstance(body, dict) else {}, backup.classes, "restore")
        existing = [name for name in names if self.schema.get(name) is not None]
        if existing:
            raise Unprocessable(f"could not restore classes: {', '.join(existing)}: class name already exists; "
                                "delete the class or leave it out (exclude) to restore the others")
        with self.lock:
            running = self.restores.get(backup_id)
            if running is not None and running.status == STARTED:
                raise Unprocessable(f'backup "{backup_id}" is being restored already')
            job = self.restores[backup_id] = Job(backup_id, backend, backup.path, names)
        threading.Thread(target=self._run_restore, args=(job,), name=f"restore-{backup_id}", daemon=True).start()
        return {**job.status_body(), "classes": names}

    def restore_status(self, backend: str, backup_id: str) -> dict[str, Any]:
        self._check_backend(backend)
        job = self.restores.get(backup_id)
        if job is None:
            raise NotFound(f'no restore of backup "{backup_id}" on backend "{backend}"')
        return job.status_body()

    def _run_restore(self, job: Job) -> None:
        engine = backup_files.open_backup(Path(job.path))
        try:
            configs = [c for c in backup_files.class_configs(engine) if c["class"] in job.classes]
            self._restore_schema(configs)
            for config in configs:
                self._restore_objects(engine, config["class"])
            job.status = SUCCESS
        except Exception as exc:  # noqa: BLE001 -- reported in the job's status
            job.status, job.error = FAILED, f"{type(exc).__name__}: {exc}"
        finally:
            engine.dispose()
        job.completed_at = _now()

    def _restore_schema(self, configs: list[dict]) -> None:
        """Classes first without their reference properties, then those: references may point either way."""
        def is_reference(prop: dict) -> bool:
            return prop["dataType"][0][:1].isupper()
        for config in configs:
            props = [p for p in config.get("properties") or [] if not is_reference(p)]
            self.schema.add_class({**config, "properties": props})
        for config in configs:
            for prop in config.get("properties") or []:
                if is_reference(prop):
                    self.schema.add_property(self.schema.get(config["class"]), prop)

    def _restore_objects(self, engine: Any, class_name: str) -> None:
        """The class's tenants (active while their objects are written, then as they were) and objects, with their
        vectors and timestamps; the indexes are built from them as after any write."""
        info = self.schema.get(class_name)
        statuses = backup_files.tenant_statuses(engine, class_name)
        if statuses:
            self.schema.tenants.add(info, [{"name": name, "activityStatus": "HOT"} for name in statuses])
        for chunk in backup_files.records(engine, class_name):
            self.schema.store.put(chunk, keep_created=True)
        cold = [{"name": name, "activityStatus": "COLD"} for name, status in statuses.items() if status == "COLD"]
        if cold:
            self.schema.tenants.update(info, cold)

    # -- input ---------------------------------------------------------------------------------------------------
    def _check_backend(self, backend: str) -> None:
        if backend not in self.backends:
            raise Unprocessable(f'backup backend "{backend}" is not enabled: add backup-{backend} to ENABLE_MODULES '
                                "(weavebind provides backup-filesystem)")

    def _directory(self, backend: str, backup_id: Any) -> Path:
        self._check_backend(backend)
        if not isinstance(backup_id, str) or not BACKUP_ID.match(backup_id):
            raise Unprocessable(f"invalid backup id {backup_id!r}: use 1 to 128 lowercase letters, digits, '-' "
                                "and '_'")
        assert self.root is not None  # settings require BACKUP_FILESYSTEM_PATH with backup-filesystem
        return self.root / backup_id

    def _chosen(self, body: dict, available: list[str], verb: str) -> list[str]:
        include, exclude = body.get("include") or [], body.get("exclude") or []
        for name, value in (("include", include), ("exclude", exclude)):
            if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
                raise Unprocessable(f"'{name}' must be a list of class names")
        if include and exclude:
            raise Unprocessable("malformed request: 'include' and 'exclude' cannot both contain values")
        resolved = [self._name(c) for c in include]
        missing = [c for c in resolved if c not in available]
        if missing:
            raise Unprocessable(f"class {missing[0]!r} is not there to {verb}")
        chosen = resolved or [c for c in available if c not in {self._name(e) for e in exclude}]
        if not chosen:
            raise Unprocessable(f"no classes to {verb}")
        return chosen

    def _name(self, raw: str) -> str:
        """A class (or alias) name as stored: a class that exists by its own name, any other capitalised."""
        info = self.schema.get(raw)
        return info.name if info is not None else capitalize_class(raw)
