"""The change feed: how a server that shares its database with others (worker processes on one machine, nodes on
several) keeps its in-memory state (vector indexes, keyword indexes, counts, schema) current.

Every write takes its change numbers from one counter row (`wb_kv['seq']`) inside its transaction. Taking them
locks that row (PostgreSQL) or the database (SQLite) until the commit, so writes commit in the order of their
numbers: when a reader sees the counter at S, every change numbered S or less is committed and visible. A change
is either an object row (`wb_objects.seq`: the object as its latest write left it) or a deletion (`wb_deleted`).
A server reads both in one snapshot, from the last number it applied up to S, and applies them in order.

Schema changes bump a second counter (`wb_kv['schema']`); a server that sees it move reloads its schema first.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from weavebind.storage import objects as sql
from weavebind.storage.coordination import singleton_job
from weavebind.storage.db import DELETES_HORIZON_KEY, SCHEMA_KEY, SEQUENCE_KEY
from weavebind.storage.records import ObjectRecord
from weavebind.storage.tables import deleted, kv, objects

DELETES_KEPT_SECONDS = 3600.0  # a server further behind than this reloads its indexes from SQL instead
CHANGE_ROWS = 2000


@dataclass(frozen=True)
class Marks:
    """The two counters a server compares with what it has applied."""

    seq: int
    schema: int
    deletes_horizon: int = 0


@dataclass
class Change:
    """One change numbered `seq` of the object `uuid` stored under `key`: its current record, or None if deleted."""

    seq: int
    key: str
    uuid: str
    record: ObjectRecord | None


def read_marks(conn: Connection) -> Marks:
    values = dict(conn.execute(select(kv.c.key, kv.c.value).where(
        kv.c.key.in_((SEQUENCE_KEY, SCHEMA_KEY, DELETES_HORIZON_KEY)))).all())
    return Marks(values[SEQUENCE_KEY], values[SCHEMA_KEY], values.get(DELETES_HORIZON_KEY, 0))


def bump_schema(conn: Connection) -> int:
    """Tell every server sharing the database that the schema (classes, tenants, aliases, shards) changed; returns
    the new schema version."""
    return conn.execute(update(kv).where(kv.c.key == SCHEMA_KEY).values(value=kv.c.value + 1)
                        .returning(kv.c.value)).scalar_one()


def record_deletes(conn: Connection, key: str, uuids: Sequence[str]) -> int:
    """Number the deletion of `uuids` (one change each) and keep it for the other servers; returns the first."""
    first = sql.allocate_sequence(conn, len(uuids))
    now = int(time.time() * 1000)
    conn.execute(insert(deleted), [{"seq": first + i, "class_name": key, "uuid": uuid, "at_ms": now}
                                   for i, uuid in enumerate(uuids)])
    return first


def changes_since(conn: Connection, after: int, until: int) -> list[Change]:
    """The changes numbered in (after, until], in order. Call inside one snapshot (`snapshot_reads`) that also
    read `until`, so that nothing numbered up to `until` is missing."""
    changes: list[Change] = []
    last = after
    while True:  # keyset pages keep memory bounded when a server catches up a large import
        rows = conn.execute(select(objects).where((objects.c.seq > last) & (objects.c.seq <= until))
                            .order_by(objects.c.seq).limit(CHANGE_ROWS)).all()
        if not rows:
            break
        for row, record in zip(rows, sql.records_from_rows(conn, rows, with_vectors=True), strict=True):
            changes.append(Change(row.seq, row.class_name, row.uuid, record))
        last = rows[-1].seq
    for seq, key, uuid in conn.execute(select(deleted.c.seq, deleted.c.class_name, deleted.c.uuid).where(
            (deleted.c.seq > after) & (deleted.c.seq <= until))):
        changes.append(Change(seq, key, uuid, None))
    changes.sort(key=lambda change: change.seq)
    return changes


def snapshot_reads(engine: Engine) -> Connection:
    """A connection whose reads all see one snapshot of the database (PostgreSQL: REPEATABLE READ; SQLite: one
    read transaction in WAL mode, which is a snapshot by itself)."""
    conn = engine.connect()
    if conn.dialect.name == "postgresql":
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
    return conn


def prune_deletes(engine: Engine, kept_seconds: float = DELETES_KEPT_SECONDS) -> int:
    """Forget deletions older than `kept_seconds` (one server at a time); returns how many went."""
    cutoff = int((time.time() - kept_seconds) * 1000)
    with engine.begin() as conn, singleton_job(conn, "prune-deletes") as mine:
        if not mine:
            return 0
        newest = conn.execute(select(func.max(deleted.c.seq)).where(deleted.c.at_ms < cutoff)).scalar()
        if newest is None:
            return 0
        gone = conn.execute(delete(deleted).where(deleted.c.seq <= newest)).rowcount
        conn.execute(update(kv).where(kv.c.key == DELETES_HORIZON_KEY).values(value=newest))
        return gone


class AppliedChanges:
    """Which change numbers this server's in-memory state reflects: every one up to `horizon`, and above it the
    ranges this server wrote itself (applied as it wrote them). Guarded by the store's write lock."""

    def __init__(self, horizon: int = 0):
        self.horizon = horizon
        self.own: list[tuple[int, int]] = []

    def wrote(self, first: int, last: int) -> None:
        if first == self.horizon + 1 and not self.own:  # nobody else wrote in between: the usual, one-server case
            self.horizon = last
        else:
            self.own.append((first, last))
            self.own.sort()

    def is_own(self, seq: int) -> bool:
        return any(first <= seq <= last for first, last in self.own)

    def advance(self, to: int) -> None:
        self.horizon = max(self.horizon, to)
        self.own = [(first, last) for first, last in self.own if last > self.horizon]
        while self.own and self.own[0][0] == self.horizon + 1:  # own writes right above: contiguous now
            self.horizon = self.own.pop(0)[1]
