"""Keeping one server current with the changes other servers commit to the shared database (changes.py).

`sync` runs before each request: one read of the counters, and nothing more while no other server wrote. When one
did, the changes since the last applied number are read in one snapshot and applied in order, under the store's
apply lock, which this server's own writes take after their commit (so the two interleave correctly, and a
catch-up never waits for a SQL transaction; a change applied twice is skipped by its label): the vector indexes take
the new vectors as pending (searched exactly until indexed), deleted objects are forgotten, the write listeners
(keyword and filter indexes) see every change, and the object counts are recounted. A schema change is applied
first, by the schema layer's listeners, so the classes and tenants the changes belong to exist by then.
"""

from __future__ import annotations

import logging
import threading
import time
from itertools import groupby
from typing import TYPE_CHECKING

from weavebind.storage import changes
from weavebind.storage import objects as sql
from weavebind.storage.data_version import DataVersionCache
from weavebind.storage.shards import load_read_only

if TYPE_CHECKING:
    from weavebind.storage.store import Store

log = logging.getLogger("weavebind.follower")
RECOUNT_SECONDS = 1.0  # object counts are recounted at most this often after other servers wrote


class ChangeFollower:
    def __init__(self, store: Store, sqlite_path: str | None = None):
        self.store = store
        self.schema_lock = threading.Lock()  # one schema reload at a time
        self.counts_stale = False
        self.counted_at = 0.0
        # On a SQLite file the counters are read again only after a commit to it (data_version.py)
        self.marks = DataVersionCache(sqlite_path, self._read_marks) if sqlite_path else None

    def _read_marks(self) -> changes.Marks:
        with self.store.read_engine.connect() as conn:
            return changes.read_marks(conn)

    def check(self) -> changes.Marks | None:
        """The counters, when other servers changed something this server has not applied; else None. One read
        (on a SQLite file through the calling thread's own connection, so the event loop may call it, and only
        after a commit to the file since this thread's last one)."""
        store = self.store
        marks = self.marks.get() if self.marks is not None else self._read_marks()
        return marks if marks.schema != store.schema_seen or marks.seq > store.applied.horizon else None

    def close(self) -> None:
        if self.marks is not None:
            self.marks.close()

    def sync(self) -> None:
        marks = self.check()
        if marks is None:
            return
        if marks.schema != self.store.schema_seen:
            self._reload_schema(marks.schema)
        if marks.seq > self.store.applied.horizon:
            self._catch_up()

    def _reload_schema(self, version: int) -> None:
        with self.schema_lock:
            if version == self.store.schema_seen:
                return
            for listener in self.store.schema_listeners:  # they take their own locks, then the store's
                listener()
            with self.store.engine.connect() as conn:
                self.store.read_only = load_read_only(conn)
            self.store.schema_seen = max(self.store.schema_seen, version)

    def _catch_up(self) -> None:
        store = self.store
        with store.apply_lock:  # not the write lock: a catch-up never waits for a SQL transaction in progress
            start = store.applied.horizon
            with changes.snapshot_reads(store.engine) as conn, conn.begin():
                marks = changes.read_marks(conn)
                if marks.seq <= start:
                    return
                if marks.deletes_horizon > start:  # too far behind for the deletion log: reload from SQL
                    found = None
                else:
                    found = [change for change in changes.changes_since(conn, start, marks.seq)
                             if not store.applied.is_own(change.seq)]
            if found is None:
                self._reload_indexes()
            else:
                self._apply(found)
            store.applied.advance(marks.seq)
            self.counts_stale = True

    def _apply(self, found: list[changes.Change]) -> None:
        store, indexes = self.store, self.store.indexes
        # Runs of consecutive changes of one key and kind are applied together (an import arrives in batches).
        for (key, is_put), run in groupby(found, key=lambda c: (c.key, c.record is not None)):
            batch = list(run)
            if is_put:
                records = [c.record for c in batch]
                if indexes.knows(key):
                    indexes.apply_records(records, [c.seq for c in batch])
                store._notify(key, records, ())
            else:
                uuids = [c.uuid for c in batch]
                indexes.apply_delete(key, uuids)
                store._notify(key, (), uuids)
        log.debug("applied %d changes of other servers", len(found))

    def _reload_indexes(self) -> None:
        store = self.store
        store.indexes.load(store.engine)
        for key in list(store.indexes.targets_of):
            store._notify(key, (), (), dropped=True)

    def counts(self) -> dict[str, int] | None:
        """Fresh object counts when other servers wrote since the last count (at most once a second)."""
        if not self.counts_stale or time.monotonic() - self.counted_at < RECOUNT_SECONDS:
            return None
        self.counts_stale, self.counted_at = False, time.monotonic()
        with self.store.engine.connect() as conn:
            return sql.count_by_class(conn)
