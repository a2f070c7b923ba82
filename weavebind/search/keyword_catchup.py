"""Bringing a keyword index of one storage key (loaded from its file, or built by a scan that writes went on
beside) up to date from SQL, by change number: objects written after `since` (wb_objects.seq) are indexed again,
objects deleted after it (wb_deleted) are removed. When the deletion log no longer reaches back to `since`, or the
result does not hold as many objects as SQL (a dropped and recreated class or tenant leaves no deletion rows), the
index's uuids are compared with SQL's instead.
"""

from __future__ import annotations

import logging

from sqlalchemy import Connection, and_, func, select

from weavebind.search.keyword_postings import KeyDocs
from weavebind.storage import changes
from weavebind.storage import objects as sql
from weavebind.storage.records import ObjectRecord
from weavebind.storage.store import Store
from weavebind.storage.tables import deleted, objects

log = logging.getLogger("weavebind.keyword")
PAGE = 2000


def index_record(docs: KeyDocs, record: ObjectRecord) -> None:
    doc = docs.new_id(record.uuid)
    for (prop, _), postings in docs.props.items():
        postings.add(doc, (record.properties or {}).get(prop))


def catch_up(store: Store, key: str, docs: KeyDocs, since: int, schema: int | None = None) -> tuple[int, int]:
    """Apply the key's changes numbered after `since`; returns the change number and schema version it is now
    current to. Given the schema version of an earlier catch-up, and nothing changed it since, the object count is
    not compared (no class or tenant can have been dropped in between): a count reads the whole key."""
    with changes.snapshot_reads(store.engine) as conn, conn.begin():
        marks = changes.read_marks(conn)
        events: list[tuple[int, str, ObjectRecord | None]] = _written(conn, key, since, marks.seq)
        events += [(seq, uuid, None) for seq, uuid in conn.execute(select(deleted.c.seq, deleted.c.uuid).where(
            and_(deleted.c.class_name == key, deleted.c.seq > since, deleted.c.seq <= marks.seq)))]
        for _, uuid, record in sorted(events, key=lambda event: event[0]):
            if record is None:
                docs.kill(uuid)
            else:
                index_record(docs, record)
        if marks.deletes_horizon > since or schema != marks.schema:
            count = conn.execute(select(func.count()).select_from(objects).where(
                objects.c.class_name == key)).scalar_one()
            if marks.deletes_horizon > since or count != len(docs.ids):
                _reconcile(conn, key, docs)
    if events:
        log.info("keyword index of %s: %d changes caught up from SQL after change %d", key, len(events), since)
    return marks.seq, marks.schema


def _written(conn: Connection, key: str, since: int, until: int) -> list[tuple[int, str, ObjectRecord | None]]:
    """The key's objects written in (since, until]. Found through the change-number index alone (with the key in
    the condition, SQLite prefers the primary key and reads the whole key), then read by uuid."""
    out: list[tuple[int, str, ObjectRecord | None]] = []
    last = since
    while True:  # keyset pages: a catch-up after a large import stays bounded in memory per page
        rows = conn.execute(select(objects.c.seq, objects.c.class_name, objects.c.uuid).where(
            and_(objects.c.seq > last, objects.c.seq <= until)).order_by(objects.c.seq).limit(PAGE)).all()
        if not rows:
            return out
        mine = {row.uuid: row.seq for row in rows if row.class_name == key}
        if mine:
            out += [(mine[r.uuid], r.uuid, r) for r in sql.get_objects(conn, key, list(mine), with_vectors=False)]
        last = rows[-1].seq


def _reconcile(conn: Connection, key: str, docs: KeyDocs) -> None:
    stored = set(conn.execute(select(objects.c.uuid).where(objects.c.class_name == key)).scalars())
    stale = [uuid for uuid in docs.ids if uuid not in stored]
    for uuid in stale:
        docs.kill(uuid)
    missing = sorted(stored - docs.ids.keys())
    for start in range(0, len(missing), PAGE):
        for record in sql.get_objects(conn, key, missing[start:start + PAGE], with_vectors=False):
            index_record(docs, record)
    log.info("keyword index of %s compared with SQL: %d stale, %d missing", key, len(stale), len(missing))
