"""Backups, Weaviate's API over the enabled backup backends (`backup-filesystem`, `backup-s3`): create (a consistent
cut of some classes' rows, storage/backup_files.py), status, cancel, list, and restore into a server that lacks those
classes (backup_restore.py).

A backup is staged as a local file (exported, then gzip-compressed) and handed to the backend, which moves or
uploads it; its status is kept in memory and in `backup_config.json` beside the data, so a backup made before a
restart, or by another server, can be listed and restored. Each job runs in a thread of its own.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from weavebind.errors import NotFound, Unprocessable
from weavebind.schema import backup_config
from weavebind.schema.backup_job import CANCELED, FAILED, STARTED, STATUS_FILE, SUCCESS, Job, now
from weavebind.schema.backup_restore import Restorer
from weavebind.schema.service import SchemaService
from weavebind.schema.validation import capitalize_class
from weavebind.storage import backup_files
from weavebind.storage.backup_backends import BackendError, BackupBackend, Location

log = logging.getLogger("weavebind.backups")
BACKUP_ID = re.compile(r"^[a-z0-9_-]{1,128}$")


class BackupService:
    def __init__(self, schema: SchemaService, backends: dict[str, BackupBackend], staging: Path):
        self.schema = schema
        self.backends = backends
        self.staging = staging  # local room for a backup's file between the database and the backend
        self.backups: dict[tuple[str, str, Location], Job] = {}
        self.restores: dict[tuple[str, str], Job] = {}
        self.lock = threading.Lock()
        self.restorer = Restorer(schema)

    # -- create ------------------------------------------------------------------------------------------------
    def create(self, backend: str, body: dict) -> dict[str, Any]:
        store = self._backend(backend)
        backup_id = self._id(body.get("id"))
        options = backup_config.create_options(body.get("config"), backend)
        names = self._chosen(body, [info.name for info in self.schema.all()], "back up")
        home = store.home(backup_id, options.where)
        with self.lock:
            if (backend, backup_id, options.where) in self.backups or self._read(store, backup_id, options.where):
                raise Unprocessable(f'backup "{backup_id}" already exists at "{home}"')
            try:
                store.check_writable(backup_id, options.where)
                job = Job(backup_id, backend, home, names, options.where)
                store.put_bytes(backup_id, STATUS_FILE, job.stored(), options.where)
            except BackendError as exc:
                raise Unprocessable(f"init uploader: {exc}") from None
            self.backups[backend, backup_id, options.where] = job
        threading.Thread(target=self._run_backup, args=(job, store, options), name=f"backup-{job.id}",
                         daemon=True).start()
        return {**job.status_body(), "classes": names}

    def _run_backup(self, job: Job, store: BackupBackend, options: backup_config.CreateOptions) -> None:
        status, error = SUCCESS, None
        try:
            with self._staged(job) as staging:
                data = self._export(job, staging, options.gzip_level)
                if job.cancel.is_set():
                    raise backup_files.BackupCanceled
                store.put_file(job.id, data.name, data, job.where, options.chunk_bytes)
        except backup_files.BackupCanceled:
            status = CANCELED
        except Exception as exc:  # noqa: BLE001 -- reported in the job's status, as Weaviate does
            status, error = FAILED, f"{type(exc).__name__}: {exc}"
        finished = replace(job, status=status, error=error, completed_at=now())
        try:
            store.put_bytes(job.id, STATUS_FILE, finished.stored(), job.where)
        except BackendError as exc:  # the in-memory status still answers; a restart loses it
            log.error("backup %s: could not save its status: %s", job.id, exc)
        # Only now, so that a client told SUCCESS here finds SUCCESS at the backend too (another server restoring).
        job.status, job.error, job.completed_at = status, error, finished.completed_at

    def _export(self, job: Job, staging: Path, gzip_level: int) -> Path:
        """The classes' rows in a local file (compressed unless NoCompression); notes their aliases in the job."""
        backup_files.export_classes(self.schema.store.engine, job.classes, staging, job.cancel.is_set)
        engine = backup_files.open_backup(staging)
        try:
            job.aliases = backup_files.alias_targets(engine)
        finally:
            engine.dispose()
        data = staging / backup_files.DATA_FILE
        if gzip_level:
            packed = data.with_name(data.name + ".gz")
            backup_files.compress(data, packed, gzip_level)
            data.unlink()
            data = packed
        job.data_file = data.name
        return data

    @contextmanager
    def _staged(self, job: Job) -> Iterator[Path]:
        self.staging.mkdir(parents=True, exist_ok=True)
        directory = Path(tempfile.mkdtemp(prefix=f"{job.backend}-{job.id}-", dir=self.staging))
        try:
            yield directory
        finally:
            shutil.rmtree(directory, ignore_errors=True)

    # -- status, cancel, list ------------------------------------------------------------------------------------
    def status(self, backend: str, backup_id: str, query: dict) -> dict[str, Any]:
        return self._job(backend, backup_id, self._query_location(query, backend)).status_body()

    def cancel(self, backend: str, backup_id: str, query: dict) -> None:
        job = self._job(backend, backup_id, self._query_location(query, backend))
        if job.status == STARTED:
            job.cancel.set()

    def list(self, backend: str) -> list[dict[str, Any]]:
        store, where = self._backend(backend), Location()
        jobs = {job.id: job for job in self._stored(store, where)}
        running = list(self.backups.items())  # a snapshot: backups start meanwhile
        jobs.update({job.id: job for (name, _, at), job in running if name == backend and at == where})
        return [job.listed() for job in sorted(jobs.values(), key=lambda j: j.started_at)]

    def _job(self, backend: str, backup_id: str, where: Location) -> Job:
        store = self._backend(backend)
        job = self.backups.get((backend, backup_id, where)) or self._read(store, backup_id, where)
        if job is None:
            raise NotFound(f'backup "{backup_id}" not found on backend "{backend}" at '
                           f'"{store.home(backup_id, where)}"')
        return job

    def _read(self, store: BackupBackend, backup_id: str, where: Location) -> Job | None:
        try:
            raw = store.get_bytes(backup_id, STATUS_FILE, where)
        except BackendError as exc:
            raise Unprocessable(f'check if backup "{backup_id}" exists at "{store.home(backup_id, where)}": '
                                f"{exc}") from None
        if raw is None:
            return None
        try:
            return Job.load(raw, where)
        except (ValueError, KeyError, TypeError):  # not written by weavebind, or damaged
            raise Unprocessable(f'backup "{backup_id}" at "{store.home(backup_id, where)}" has an unreadable '
                                f"{STATUS_FILE}") from None

    def _stored(self, store: BackupBackend, where: Location) -> list[Job]:
        """The backups stored at this location; folders or prefixes that hold none (or an unreadable one) are not
        backups of weavebind's and are left out."""
        try:
            ids = store.backup_ids(where)
        except BackendError as exc:
            raise Unprocessable(f"list backups: {exc}") from None
        jobs = []
        for backup_id in ids:
            try:
                job = self._read(store, backup_id, where)
            except Unprocessable:
                continue
            if job is not None:
                jobs.append(job)
        return jobs

    # -- restore -------------------------------------------------------------------------------------------------
    def restore(self, backend: str, backup_id: str, body: Any) -> dict[str, Any]:
        store = self._backend(backend)
        if not isinstance(body, dict):
            raise Unprocessable('the body must be a JSON object {"include": [...], "exclude": [...], "config": {...}}')
        where, overwrite_alias = backup_config.restore_options(body, backend)
        backup = self._job(backend, backup_id, where)
        if backup.status != SUCCESS:
            raise Unprocessable(f'backup "{backup_id}" cannot be restored: its status is {backup.status}')
        names = self._chosen(body, backup.classes, "restore")
        self.restorer.check(names, backup.aliases)
        with self.lock:
            running = self.restores.get((backend, backup_id))
            if running is not None and running.status == STARTED:
                raise Unprocessable(f'backup "{backup_id}" is being restored already')
            job = Job(backup_id, backend, backup.path, names, where, data_file=backup.data_file)
            self.restores[backend, backup_id] = job
        threading.Thread(target=self._run_restore, args=(job, store, overwrite_alias), name=f"restore-{backup_id}",
                         daemon=True).start()
        return {**job.status_body(), "classes": names}

    def restore_status(self, backend: str, backup_id: str) -> dict[str, Any]:
        return self._restore_job(backend, backup_id).status_body()

    def cancel_restore(self, backend: str, backup_id: str) -> None:
        job = self._restore_job(backend, backup_id)
        if job.status == STARTED:
            job.cancel.set()

    def _restore_job(self, backend: str, backup_id: str) -> Job:
        self._backend(backend)
        job = self.restores.get((backend, backup_id))
        if job is None:
            raise NotFound(f'no restore of backup "{backup_id}" on backend "{backend}"')
        return job

    def _run_restore(self, job: Job, store: BackupBackend, overwrite_alias: bool) -> None:
        try:
            with self._staged(job) as staging:
                fetched = staging / job.data_file
                store.get_file(job.id, job.data_file, fetched, job.where)
                if fetched.suffix == ".gz":
                    backup_files.decompress(fetched, staging / backup_files.DATA_FILE)
                    fetched.unlink()
                self.restorer.run(staging, job.classes, overwrite_alias, job.cancel.is_set)
            job.status = SUCCESS
        except backup_files.BackupCanceled:
            job.status = CANCELED
        except Exception as exc:  # noqa: BLE001 -- reported in the job's status
            job.status, job.error = FAILED, f"{type(exc).__name__}: {exc}"
        job.completed_at = now()

    # -- input ---------------------------------------------------------------------------------------------------
    def _backend(self, backend: str) -> BackupBackend:
        store = self.backends.get(backend)
        if store is None:
            raise Unprocessable(f'backup backend "{backend}" is not enabled: add backup-{backend} to ENABLE_MODULES '
                                "(weavebind provides backup-filesystem and backup-s3)")
        return store

    @staticmethod
    def _query_location(query: dict, backend: str) -> Location:
        return backup_config.location(query, backend, "{} query parameter")

    @staticmethod
    def _id(backup_id: Any) -> str:
        if not isinstance(backup_id, str) or not BACKUP_ID.match(backup_id):
            raise Unprocessable(f"invalid backup id {backup_id!r}: use 1 to 128 lowercase letters, digits, '-' "
                                "and '_'")
        return backup_id

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
