"""Reference use-cases shared by REST (`/v1/objects/.../references/...`, `/v1/batch/references`) and gRPC
(`BatchReferences`): add one beacon, replace a property's list, delete one beacon, add many.

A reference write reads the source object with its vectors and writes it back through the store's normal path
(SQL first, a new change sequence number, the same vectors), with a new `lastUpdateTimeUnix`: it never calls a
vectorizer. The read and the write happen under the store's write lock, so concurrent reference writes to one
object never lose each other's beacons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from weavebind.errors import ApiError, NotFound, Unprocessable
from weavebind.schema.beacons import (
    Beacon,
    for_property,
    parse_beacon,
    parse_source,
    reference_targets,
    stored_beacons,
)
from weavebind.schema.models import ClassInfo
from weavebind.schema.objects import ObjectService, now_ms
from weavebind.schema.validation import capitalize_class, lower_first
from weavebind.storage.records import ObjectRecord, storage_key


def _stored(record: ObjectRecord, prop: str) -> list[Any]:
    value = record.properties.get(prop)
    return list(value) if isinstance(value, list) else []


def _wrapped(message: str, detail: str) -> str:
    """Weaviate's `usecases/objects.Error` text, which its reference routes answer with."""
    return f"msg:{message} code:400 err:{detail}"


@dataclass
class BatchReference:
    """One parsed `/v1/batch/references` item (or gRPC BatchReference)."""

    position: int
    info: ClassInfo
    uuid: str
    prop: str
    beacon: Beacon


class ReferenceService:
    def __init__(self, objects: ObjectService):
        self.objects = objects
        self.store = objects.store
        self.schema = objects.schema

    # -- lookups (the one place a class name on a reference path is resolved) -------------------------------
    def source_class(self, name: str, tenant: str | None = None) -> ClassInfo:
        """The class of a by-class path, bound to the request's tenant (multi-tenancy's checks)."""
        info = self.schema.get(name)
        if info is None:
            cls = capitalize_class(name)
            raise Unprocessable(_wrapped("collection not found", f'collection "{cls}" not found in schema'))
        return self.schema.tenants.scope(info, tenant)

    def _source(self, info: ClassInfo | None, uid: str) -> tuple[ClassInfo, ObjectRecord]:
        """The object (with its vectors) a reference is written on; `info` None: any class (legacy paths)."""
        found = self.store.get_many(info.key if info else None, [uid], with_vectors=True)
        if not found:
            where = f" in class '{info.name}'" if info else ""
            raise NotFound(f"source object: no object with id '{uid}'{where}")
        return info or self.schema.get(found[0].class_name), found[0]

    def _checked(self, info: ClassInfo, prop: str, raw: Any) -> Beacon:
        """One reference body → the beacon as the property stores it; the target must exist."""
        try:
            targets = reference_targets(info, prop)
            if not isinstance(raw, dict):
                raise Unprocessable('invalid reference: a reference is an object {"beacon": "weaviate://..."}')
            beacon = for_property(parse_beacon(raw.get("beacon")), info, prop, targets)
        except Unprocessable as exc:
            raise Unprocessable(_wrapped("validate inputs", exc.message)) from None
        # From a tenant's object a reference may point into the same tenant of a multi-tenant class.
        keys = [storage_key(beacon.class_name, info.tenant), beacon.class_name] if info.tenant else \
            [beacon.class_name]
        if not any(self.store.get_many(key, [beacon.uuid]) for key in keys):
            raise Unprocessable(_wrapped("validate existence",
                                         f"validate reference: no object with id {beacon.uuid} found"))
        return beacon

    def _save(self, record: ObjectRecord, prop: str, items: list[Any]) -> None:
        record.properties[prop] = items
        record.updated_ms = now_ms()
        self.objects.put([record])

    def _loaded(self, info: ClassInfo, uid: str, record: ObjectRecord | None) -> ObjectRecord:
        return record if record is not None else self._source(info, uid)[1]

    # -- use-cases -------------------------------------------------------------------------------------------
    # Stored items are kept as they are (also any this code cannot parse): a reference write never loses data.
    def add(self, class_name: str | None, uid: str, prop: str, body: Any, tenant: str | None = None) -> None:
        """POST: append one beacon to the property."""
        with self.store.write_lock:
            info, record = self._resolve(class_name, uid, tenant)
            prop = lower_first(prop)
            beacon = self._checked(info, prop, body)
            record = self._loaded(info, uid, record)
            self._save(record, prop, [*_stored(record, prop), {"beacon": beacon.render()}])

    def replace(self, class_name: str | None, uid: str, prop: str, body: Any, tenant: str | None = None) -> None:
        """PUT: the property's references become the given list (which may be empty)."""
        with self.store.write_lock:
            info, record = self._resolve(class_name, uid, tenant)
            prop = lower_first(prop)
            self._wrap_schema(info, prop)
            if not isinstance(body, list):
                raise Unprocessable(_wrapped("validate inputs", "invalid references: the body must be a list of "
                                             'references [{"beacon": "weaviate://..."}]'))
            beacons = [self._checked(info, prop, item) for item in body]
            record = self._loaded(info, uid, record)
            self._save(record, prop, [{"beacon": b.render()} for b in beacons])

    def delete(self, class_name: str | None, uid: str, prop: str, body: Any, tenant: str | None = None) -> None:
        """DELETE: remove every occurrence of one beacon (written with or without its class); nothing to remove is
        no change, and no new timestamp."""
        with self.store.write_lock:
            info, record = self._resolve(class_name, uid, tenant)
            prop = lower_first(prop)
            targets = self._wrap_schema(info, prop)
            try:
                raw = body.get("beacon") if isinstance(body, dict) else None
                gone = for_property(parse_beacon(raw), info, prop, targets)
            except Unprocessable as exc:
                raise Unprocessable(_wrapped("cannot parse beacon", exc.message)) from None
            record = self._loaded(info, uid, record)
            current = _stored(record, prop)
            kept = [item for item in current if stored_beacons([item], targets) != [gone]]
            if len(kept) != len(current):
                self._save(record, prop, kept)

    def _resolve(self, class_name: str | None, uid: str, tenant: str | None = None
                 ) -> tuple[ClassInfo, ObjectRecord | None]:
        """The class of a by-class path (the object is read after the inputs are checked, in Weaviate's order),
        or, on a legacy by-id path, the object itself, whose class is only known once it is found."""
        if class_name is not None:
            return self.source_class(class_name, tenant), None
        return self._source(None, uid)

    def _wrap_schema(self, info: ClassInfo, prop: str) -> list[str]:
        try:
            return reference_targets(info, prop)
        except Unprocessable as exc:
            raise Unprocessable(_wrapped("validate inputs", exc.message)) from None

    # -- batch -----------------------------------------------------------------------------------------------
    def add_many(self, items: Sequence[Any]) -> list[str | None]:
        """`/v1/batch/references`: append each `{from, to}`; per item None (stored) or its error. As in Weaviate,
        targets are not required to exist yet (an import may add them later); sources must."""
        errors: list[str | None] = [None] * len(items)
        parsed: list[BatchReference] = []
        for position, item in enumerate(items):
            try:
                parsed.append(self._batch_item(position, item))
            except ApiError as exc:
                errors[position] = exc.message
        by_class: dict[str, list[BatchReference]] = {}
        for ref in parsed:
            by_class.setdefault(ref.info.key, []).append(ref)
        with self.store.write_lock:
            for refs in by_class.values():
                self._append_class(refs, errors)
        return errors

    def _batch_item(self, position: int, item: Any) -> BatchReference:
        if not isinstance(item, dict):
            raise Unprocessable("a batch reference is an object {\"from\": ..., \"to\": ...}")
        tenant = item.get("tenant")
        if tenant is not None and not isinstance(tenant, str):
            raise Unprocessable("tenant must be a string")
        cls, uid, prop = parse_source(item.get("from"))
        info = self.schema.get(cls)
        if info is None:
            raise Unprocessable(f"class {cls} does not exist")
        info = self.schema.tenants.scope(info, tenant or None)
        prop = lower_first(prop)
        if prop not in info.properties:
            raise Unprocessable(f"property {prop} does not exist for class {info.name}")
        targets = reference_targets(info, prop)
        beacon = for_property(parse_beacon(item.get("to")), info, prop, targets)
        return BatchReference(position, info, uid, prop, beacon)

    def _append_class(self, refs: list[BatchReference], errors: list[str | None]) -> None:
        info = refs[0].info
        found = {r.uuid: r for r in self.store.get_many(info.key, list({ref.uuid for ref in refs}),
                                                        with_vectors=True)}
        changed: dict[str, ObjectRecord] = {}
        stamp = now_ms()
        for ref in refs:
            record = found.get(ref.uuid)
            if record is None:
                errors[ref.position] = f"source object {info.name}/{ref.uuid} not found"
                continue
            record.properties[ref.prop] = [*_stored(record, ref.prop), {"beacon": ref.beacon.render()}]
            record.updated_ms = stamp
            changed[ref.uuid] = record
        try:
            self.objects.put(list(changed.values()))
        except ApiError as exc:
            for ref in refs:
                if ref.uuid in changed:
                    errors[ref.position] = exc.message
