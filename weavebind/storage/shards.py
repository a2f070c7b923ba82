"""Shard status: weavebind keeps each class in one shard, and each tenant of a multi-tenant class in a shard named
after the tenant, as Weaviate does; a shard's status (READY or READONLY) is stored in SQL by its storage key.

Weaviate names a class's shard with a random 12-character id; weavebind derives the id from the class name, so a
shard keeps its name across restarts and on every replica that shares the database. A READONLY shard refuses every
write to it (object create/replace/merge/delete, batch import and batch delete, REST and gRPC) until it is set
READY.
"""

from __future__ import annotations

import hashlib
import string

from sqlalchemy import Connection, delete, insert, or_, select

from weavebind.errors import Unprocessable
from weavebind.storage.records import TENANT_SEPARATOR, split_key
from weavebind.storage.tables import shards

READY, READONLY, INDEXING = "READY", "READONLY", "INDEXING"
SETTABLE = (READY, READONLY)
_ALPHABET = string.ascii_letters + string.digits


def shard_name(class_name: str) -> str:
    """A stable 12-character alphanumeric id (Weaviate's shard names look the same, but are random)."""
    number = int.from_bytes(hashlib.sha256(class_name.encode()).digest()[:12], "big")
    chars = []
    for _ in range(12):
        number, digit = divmod(number, len(_ALPHABET))
        chars.append(_ALPHABET[digit])
    return "".join(chars)


def shard_of_key(key: str) -> str:
    """The shard name of a storage key: the tenant's name, or the class's derived id."""
    class_name, tenant = split_key(key)
    return tenant or shard_name(class_name)


class ShardReadOnlyError(Unprocessable):
    """A write to a READONLY shard. The message carries Weaviate's 'store is read-only'."""

    def __init__(self, key: str):
        class_name, shard = split_key(key)[0], shard_of_key(key)
        super().__init__(f'shard "{shard}" of class "{class_name}": store is read-only; set the shard\'s status to '
                         f"READY (PUT /v1/schema/{class_name}/shards/{shard}) to write again")


def load_read_only(conn: Connection) -> set[str]:
    rows = conn.execute(select(shards.c.class_name).where(shards.c.status == READONLY)).scalars().all()
    return set(rows)


def save_status(conn: Connection, key: str, status: str) -> None:
    """Persist a shard's status by its storage key; READY is the default and is stored as no row."""
    conn.execute(delete(shards).where(shards.c.class_name == key))
    if status != READY:
        conn.execute(insert(shards).values(class_name=key, status=status))


def forget_class(conn: Connection, class_name: str) -> None:
    """Drop the stored status of a class's shard and its tenants' shards."""
    conn.execute(delete(shards).where(or_(
        shards.c.class_name == class_name,
        shards.c.class_name.startswith(f"{class_name}{TENANT_SEPARATOR}", autoescape=True))))
