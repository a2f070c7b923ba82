"""Restoring a backup's classes from its local data file: definitions (reference properties last), tenants, objects
with their vectors and timestamps, then the classes' aliases (Weaviate >= 1.32: an alias that exists already is
kept, or repointed to the restored class with `overwriteAlias`). The indexes are built from the restored vectors as
after any write."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from weavebind.errors import Unprocessable
from weavebind.schema.service import SchemaService
from weavebind.storage import backup_files


class Restorer:
    def __init__(self, schema: SchemaService):
        self.schema = schema

    def check(self, names: list[str], aliases: dict[str, str]) -> None:
        """Refuse, before anything is written, what the restore could not do: classes that exist, and aliases whose
        name is now a class's (Weaviate fails such a restore halfway)."""
        existing = [name for name in names if self._is_class(name)]
        if existing:
            raise Unprocessable(f"could not restore classes: {', '.join(existing)}: class name already exists; "
                                "delete the class or leave it out (exclude) to restore the others")
        taken = sorted(alias for alias, target in aliases.items() if target in names and self._is_class(alias))
        if taken:
            raise Unprocessable(f"could not restore alias {taken[0]}: a class named {taken[0]} exists, and an alias "
                                "cannot take the name of a class")

    def run(self, staging: Path, names: list[str], overwrite_alias: bool, canceled: Callable[[], bool]) -> None:
        """Restore the classes; a restore that fails or is canceled (BackupCanceled) deletes the classes it created,
        so that it can be run again: a restore is all or nothing."""
        engine = backup_files.open_backup(staging)
        created: list[str] = []
        try:
            configs = [c for c in backup_files.class_configs(engine) if c["class"] in names]
            self._schema(configs, created)
            for config in configs:
                self._objects(engine, config["class"], canceled)
            self._aliases(backup_files.alias_targets(engine), names, overwrite_alias)
        except BaseException:
            for name in created:
                self.schema.delete_class(name)
            raise
        finally:
            engine.dispose()

    def _is_class(self, name: str) -> bool:
        info = self.schema.get(name)
        return info is not None and info.name == name

    def _schema(self, configs: list[dict], created: list[str]) -> None:
        """Classes first without their reference properties, then those: references may point either way."""
        def is_reference(prop: dict) -> bool:
            return prop["dataType"][0][:1].isupper()
        for config in configs:
            props = [p for p in config.get("properties") or [] if not is_reference(p)]
            created.append(self.schema.add_class({**config, "properties": props}).name)
        for config in configs:
            for prop in config.get("properties") or []:
                if is_reference(prop):
                    self.schema.add_property(self.schema.get(config["class"]), prop)

    def _objects(self, engine: Any, class_name: str, canceled: Callable[[], bool]) -> None:
        """The class's tenants (active while their objects are written, then as they were) and objects."""
        info = self.schema.get(class_name)
        statuses = backup_files.tenant_statuses(engine, class_name)
        if statuses:
            self.schema.tenants.add(info, [{"name": name, "activityStatus": "HOT"} for name in statuses])
        for chunk in backup_files.records(engine, class_name):
            if canceled():
                raise backup_files.BackupCanceled
            self.schema.store.put(chunk, keep_created=True)
        cold = [{"name": name, "activityStatus": "COLD"} for name, status in statuses.items() if status == "COLD"]
        if cold:
            self.schema.tenants.update(info, cold)

    def _aliases(self, targets: dict[str, str], names: list[str], overwrite: bool) -> None:
        registry = self.schema.aliases
        for alias, target in sorted(targets.items()):
            if target not in names:
                continue
            if alias in registry.targets:
                if overwrite:
                    registry.update(alias, {"class": target})
                continue
            registry.create({"alias": alias, "class": target})
