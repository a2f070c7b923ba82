"""Shard status: weavebind keeps each class in one shard, whose status (READY or READONLY) is stored in SQL.

Weaviate names a shard with a random 12-character id; weavebind derives the id from the class name, so a shard keeps
its name across restarts and on every replica that shares the database. A READONLY shard refuses every write to its
class (object create/replace/merge/delete, batch import and batch delete, REST and gRPC) until it is set READY.
"""

from __future__ import annotations

import hashlib
import string

from sqlalchemy import Connection, delete, insert, select

from weavebind.errors import Unprocessable
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


class ShardReadOnlyError(Unprocessable):
    """A write to a class whose shard is READONLY. The message carries Weaviate's 'store is read-only'."""

    def __init__(self, class_name: str):
        super().__init__(f'shard "{shard_name(class_name)}" of class "{class_name}": store is read-only; set the '
                         f"shard's status to READY (PUT /v1/schema/{class_name}/shards/{shard_name(class_name)}) "
                         "to write again")


def load_read_only(conn: Connection) -> set[str]:
    rows = conn.execute(select(shards.c.class_name).where(shards.c.status == READONLY)).scalars().all()
    return set(rows)


def save_status(conn: Connection, class_name: str, status: str) -> None:
    """Persist a class's shard status; READY is the default and is stored as no row."""
    conn.execute(delete(shards).where(shards.c.class_name == class_name))
    if status != READY:
        conn.execute(insert(shards).values(class_name=class_name, status=status))
