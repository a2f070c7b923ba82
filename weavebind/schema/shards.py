"""The shards of a class as Weaviate lists them: one per class, or one per tenant (named after it) for a multi-tenant
class. Read by the shards API and `/v1/nodes`; a shard's status lives in the store by its storage key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from weavebind.schema.models import ClassInfo
from weavebind.storage.records import storage_key
from weavebind.storage.shards import shard_name


@dataclass(frozen=True)
class Shard:
    name: str
    key: str       # the storage key of its objects and indexes
    loaded: bool   # False for an inactive tenant, whose indexes are not in memory


def shards_of(schema: Any, info: ClassInfo) -> list[Shard]:
    """`schema` is the SchemaService (its `tenants` registry holds the tenants' statuses)."""
    if not info.multi_tenant:
        return [Shard(shard_name(info.name), info.name, True)]
    tenants = schema.tenants.statuses.get(info.name, {})
    return [Shard(name, storage_key(info.name, name), status == "HOT") for name, status in sorted(tenants.items())]
