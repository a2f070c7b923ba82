"""Cross-references: the objects a reference property's beacons point to. Shared by GraphQL (`... on Class`
fragments under a reference field) and gRPC (`ref_properties` of a Search request)."""

from __future__ import annotations

from typing import Any

from weavebind.search.query_vectors import BEACON
from weavebind.storage.records import ObjectRecord, storage_key


def referenced_records(store: Any, value: Any, with_vectors: bool = True, target_class: str | None = None,
                       tenant: str | None = None) -> list[ObjectRecord]:
    """The objects a cross-reference property value (a list of `{"beacon": ...}`) points to, in its order;
    dangling ones left out, and with `target_class` only those of that class. An object of tenant `tenant` points
    into the same tenant of a multi-tenant class, or into a class without tenants."""
    wanted: list[tuple[str | None, str]] = []
    for item in value if isinstance(value, list) else []:
        match = BEACON.match(item.get("beacon", "")) if isinstance(item, dict) else None
        if match:
            wanted.append((match.group("cls"), match.group("id").lower()))
    found = {}
    for cls in {c for c, _ in wanted}:
        uuids = [u for c, u in wanted if c == cls]
        for key in [storage_key(cls, tenant), cls] if tenant and cls else [cls]:
            for record in store.get_many(key, uuids, with_vectors=with_vectors):
                found.setdefault((cls, record.uuid), record)
    records = [found[key] for key in wanted if key in found]
    return [r for r in records if target_class is None or r.class_name == target_class]
