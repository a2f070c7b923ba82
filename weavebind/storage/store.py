"""The storage facade: SQL (source of truth) and the FAISS indexes, written under one lock.

A write commits to SQL first and then updates the in-memory indexes before it returns, so the very next query sees
it; a crash between the two loses nothing because indexes catch up from SQL on start (`IndexManager.load`).
Snapshots of changed indexes are written every `snapshot_seconds` by a background thread and at close.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import orjson
from sqlalchemy import delete, func, insert, select, update

from weavebind.storage import background, backlog, changes, shards
from weavebind.storage import objects as sql
from weavebind.storage.data_version import sqlite_file
from weavebind.storage.db import create_db_engine, create_read_engine, release_page_cache
from weavebind.storage.follower import ChangeFollower
from weavebind.storage.indexes import IndexManager
from weavebind.storage.large_rows import parsed_back
from weavebind.storage.prefilter import Prefilter
from weavebind.storage.records import ObjectRecord, split_key, storage_key
from weavebind.storage.tables import aliases, classes, tenants

log = logging.getLogger("weavebind.store")

TargetSpec = dict[str, tuple[str, dict]]  # target name → (vectorIndexType, vectorIndexConfig)
# (storage key, objects written, uuids deleted, key dropped): called after each commit, under the write lock. The
# storage key is the class name, or "Class#tenant" for a tenant of a multi-tenant class (records.storage_key).
WriteListener = Callable[[str, Sequence[ObjectRecord], Sequence[str], bool], None]


class Store:
    def __init__(self, url: str, data_path: Path, use_gpu: bool = False, snapshot_seconds: float = 30,
                 sqlite_synchronous: str = "NORMAL", shared: bool = False, index_role: str = "own",
                 pending_limit_bytes: int = 0):
        self.engine = create_db_engine(url, sqlite_synchronous)
        read_engine = create_read_engine(url, sqlite_synchronous)
        # Object reads by id go through a connection per thread where the database allows it (SQLite files).
        self.local_reads = read_engine is not None
        self.read_engine = read_engine or self.engine
        self.indexes = IndexManager(data_path / "indexes", use_gpu=use_gpu and index_role == "own", role=index_role,
                                    pending_limit_bytes=pending_limit_bytes)
        self.write_lock = threading.RLock()  # one write at a time, its SQL transaction included
        # In-memory state (indexes, listeners, counts) changes under this one: a write's apply after its commit,
        # and the catch-up with other servers' changes, which so never waits for a SQL transaction in progress.
        self.apply_lock = threading.RLock()
        self.snapshot_seconds = snapshot_seconds
        self._stop = threading.Event()
        self._snapshotter: threading.Thread | None = None
        self._write_listeners: list[WriteListener] = []
        self.read_only: set[str] = set()  # storage keys whose shard is READONLY (storage/shards.py)
        # Objects per class, counted once at open and kept by the writers: /v1/nodes is polled every second by the
        # clients' dynamic batching, and a SQL count of a large class per poll would compete with the import.
        self.object_counts: dict[str, int] = {}
        # Other servers may write to the same database (worker processes, nodes): `sync` applies their changes.
        self.applied = changes.AppliedChanges()
        self.schema_seen = 0
        self.schema_listeners: list[Callable[[], None]] = []  # reload the schema another server changed
        # Derived state kept beside the vector indexes (search's keyword index) saves itself with each snapshot.
        self.snapshot_listeners: list[Callable[[], None]] = []
        self.follower = ChangeFollower(self, sqlite_file(url) if self.local_reads else None) if shared else None

    # -- lifecycle -------------------------------------------------------------------------------------------
    def open(self, class_targets: dict[str, TargetSpec]) -> None:
        """Register every class's indexes, load snapshots, catch up from SQL, start the snapshot thread."""
        for class_name, targets in class_targets.items():
            self.indexes.configure(class_name, targets)
        with self.write_lock, self.apply_lock:
            with self.engine.connect() as conn:  # before the indexes load: a change made meanwhile is applied twice
                marks = changes.read_marks(conn)
            self.applied.horizon, self.schema_seen = marks.seq, marks.schema
            self.indexes.load(self.engine)
            with self.engine.connect() as conn:
                self.read_only = shards.load_read_only(conn)
                self.object_counts = sql.count_by_class(conn)
        loop = background.LOOPS[self.indexes.role]
        self._snapshotter = threading.Thread(target=loop, args=(self, self._stop), name="weavebind-snapshots",
                                             daemon=True)
        self._snapshotter.start()

    def close(self) -> None:
        self._stop.set()
        if self._snapshotter is not None:
            self._snapshotter.join(timeout=60)
        self.indexes.close()
        self.snapshot(merge=True)  # a clean restart then loads every vector into FAISS, none into the pending buffer
        if self.follower is not None:
            self.follower.close()
        if self.local_reads:
            self.read_engine.dispose()
        self.engine.dispose()

    def snapshot(self, merge: bool = False) -> None:
        """Write changed indexes to disk; writers are not blocked (catch-up never trusts the recorded seq).
        `merge`: fold delta logs into new base files (storage/snapshots.py)."""
        with self.engine.connect() as conn:
            seq = sql.current_sequence(conn)
        self.indexes.snapshot(seq, merge)
        for listener in self.snapshot_listeners:
            listener()

    # -- other servers' changes -------------------------------------------------------------------------------
    def sync(self) -> None:
        """Apply every change other servers sharing the database committed before now (a no-op when this
        server is the database's only writer). Called before each request that reads."""
        if self.follower is not None:
            self.follower.sync()

    def behind(self) -> bool:
        """Whether other servers changed something this server has not applied yet (one read of the counters)."""
        return self.follower is not None and self.follower.check() is not None

    def _schema_changed(self, conn) -> None:
        """Inside a schema-changing transaction: bump the schema version the other servers watch."""
        version = changes.bump_schema(conn)
        if version == self.schema_seen + 1:  # no other server changed it in between: nothing to reload here
            self.schema_seen = version

    # -- schema ----------------------------------------------------------------------------------------------
    def load_classes(self) -> list[dict]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(classes.c.config).order_by(classes.c.position)).scalars().all()
        return [orjson.loads(row) for row in rows]

    def save_class(self, name: str, config: dict, targets: TargetSpec, keys: Sequence[str] | None = None) -> None:
        """Insert or replace a class definition and (re)configure its indexes: those of `keys` (the storage keys of
        a multi-tenant class's active tenants), or the class's own."""
        data = orjson.dumps(config).decode()
        with self.write_lock, self.apply_lock, self.engine.begin() as conn:
            self._schema_changed(conn)
            exists = conn.execute(select(classes.c.name).where(classes.c.name == name)).first()
            if exists:
                conn.execute(update(classes).where(classes.c.name == name).values(config=data))
            else:
                position = conn.execute(select(func.coalesce(func.max(classes.c.position), 0))).scalar_one() + 1
                conn.execute(insert(classes).values(name=name, position=position, config=data))
            for key in (name,) if keys is None else keys:
                self.indexes.configure(key, targets)

    def delete_class(self, name: str) -> None:
        with self.write_lock, self.apply_lock:
            with self.engine.begin() as conn:
                self._schema_changed(conn)
                names = conn.execute(select(tenants.c.name).where(tenants.c.class_name == name)).scalars().all()
                conn.execute(delete(classes).where(classes.c.name == name))
                conn.execute(delete(tenants).where(tenants.c.class_name == name))
                conn.execute(delete(aliases).where(aliases.c.class_name == name))
                sql.delete_class_rows(conn, name)
                shards.forget_class(conn, name)
            self.read_only = {key for key in self.read_only if split_key(key)[0] != name}
            self.object_counts.pop(name, None)
            self.indexes.drop_class(name)
            for key in [name, *(storage_key(name, tenant) for tenant in names)]:
                self._notify(key, (), (), dropped=True)

    def reconcile(self, specs: dict[str, TargetSpec]) -> None:
        """Make the configured indexes those of `specs` (storage key → targets), after another server changed the
        schema: keys that appeared are loaded from SQL, keys that went are dropped (their snapshots stay)."""
        with self.write_lock, self.apply_lock:
            for key in [k for k in self.indexes.targets_of if k not in specs]:
                self.indexes.drop_key(key, keep_snapshots=True)
                self._notify(key, (), (), dropped=True)
            for key, targets in specs.items():
                known = self.indexes.knows(key)
                self.indexes.configure(key, targets)
                if not known:
                    self.indexes.load(self.engine, [key])

    # -- aliases ---------------------------------------------------------------------------------------------------
    def load_aliases(self) -> dict[str, str]:
        with self.engine.connect() as conn:
            return dict(conn.execute(select(aliases.c.name, aliases.c.class_name)).all())

    def save_alias(self, name: str, class_name: str) -> None:
        with self.write_lock, self.apply_lock, self.engine.begin() as conn:
            self._schema_changed(conn)
            conn.execute(delete(aliases).where(aliases.c.name == name))
            conn.execute(insert(aliases).values(name=name, class_name=class_name))

    def delete_alias(self, name: str) -> None:
        with self.write_lock, self.apply_lock, self.engine.begin() as conn:
            self._schema_changed(conn)
            conn.execute(delete(aliases).where(aliases.c.name == name))

    # -- tenants (their SQL rows and the indexes of the active ones; the schema layer validates) ------------------
    def load_tenants(self) -> dict[str, dict[str, str]]:
        """class → tenant name → activity status ("HOT" or "COLD")."""
        found: dict[str, dict[str, str]] = {}
        with self.engine.connect() as conn:
            for class_name, name, status in conn.execute(select(tenants.c.class_name, tenants.c.name,
                                                                tenants.c.status)):
                found.setdefault(class_name, {})[name] = status
        return found

    def add_tenants(self, class_name: str, statuses: dict[str, str], targets: TargetSpec) -> None:
        """Create tenants (name → status); the active ones get empty indexes at once."""
        with self.write_lock, self.apply_lock:
            with self.engine.begin() as conn:
                self._schema_changed(conn)
                conn.execute(insert(tenants), [{"class_name": class_name, "name": name, "status": status}
                                               for name, status in statuses.items()])
            for name, status in statuses.items():
                if status == "HOT":
                    self.indexes.configure(storage_key(class_name, name), targets)

    def set_tenant_status(self, class_name: str, name: str, status: str, targets: TargetSpec) -> None:
        """HOT loads the tenant's indexes (snapshot, then catch-up from SQL); COLD writes its changed indexes to
        disk and releases them from memory. Its objects stay in SQL either way."""
        key = storage_key(class_name, name)
        with self.write_lock, self.apply_lock:
            with self.engine.begin() as conn:
                self._schema_changed(conn)
                conn.execute(update(tenants).where((tenants.c.class_name == class_name) & (tenants.c.name == name))
                             .values(status=status))
                seq = sql.current_sequence(conn)
            if status == "HOT":
                self.indexes.configure(key, targets)
                self.indexes.load(self.engine, [key])
            else:
                self.indexes.snapshot_key(key, seq)
                self.indexes.drop_key(key, keep_snapshots=True)
                self._notify(key, (), (), dropped=True)

    def delete_tenants(self, class_name: str, names: Sequence[str]) -> None:
        with self.write_lock, self.apply_lock:
            with self.engine.begin() as conn:
                self._schema_changed(conn)
                for name in names:
                    conn.execute(delete(tenants).where((tenants.c.class_name == class_name) & (tenants.c.name == name)))
                    gone = sql.count_objects(conn, storage_key(class_name, name))
                    self.object_counts[class_name] = self.object_counts.get(class_name, 0) - gone
                    sql.delete_key_rows(conn, storage_key(class_name, name))
                    shards.save_status(conn, storage_key(class_name, name), shards.READY)
                    self.read_only.discard(storage_key(class_name, name))
            for name in names:
                self.indexes.drop_key(storage_key(class_name, name))
                self._notify(storage_key(class_name, name), (), (), dropped=True)

    def shard_status(self, class_name: str) -> str:
        """READONLY, INDEXING (vectors still wait for the background indexer) or READY, of the shard that holds a
        storage key (a class without tenants, or one tenant)."""
        if class_name in self.read_only:
            return shards.READONLY
        return shards.INDEXING if self.indexes.pending_count(class_name) else shards.READY

    def set_shard_status(self, class_name: str, status: str) -> None:
        """Persist READY or READONLY; under the write lock, so no write of the class is half-way through."""
        with self.write_lock, self.apply_lock:
            with self.engine.begin() as conn:
                self._schema_changed(conn)
                shards.save_status(conn, class_name, status)
            if status == shards.READONLY:
                self.read_only.add(class_name)
            else:
                self.read_only.discard(class_name)

    def check_writable(self, class_name: str) -> None:
        """Raise ShardReadOnlyError when the shard of a storage key is READONLY."""
        if class_name in self.read_only:
            raise shards.ShardReadOnlyError(class_name)

    @contextlib.contextmanager
    def quiesced(self) -> Iterator[None]:
        """No write and no catch-up with other servers' changes while held: for a listener's owner that scans SQL
        and must see every later change through the listener (keyword and filter indexes)."""
        with self.write_lock, self.apply_lock:
            yield

    def add_write_listener(self, listener: WriteListener) -> None:
        """Call `listener` after every committed write (in-memory structures kept beside SQL, e.g. search's
        keyword index); it runs under the write lock, so it sees writes one at a time and in order."""
        self._write_listeners.append(listener)

    def _notify(self, class_name: str, upserted: Sequence[ObjectRecord], deleted: Sequence[str],
                dropped: bool = False) -> None:
        for listener in self._write_listeners:
            listener(class_name, upserted, deleted, dropped)

    # -- objects ---------------------------------------------------------------------------------------------
    def put(self, records: Sequence[ObjectRecord], keep_created: bool = True) -> None:
        """Upsert objects of one class. Raises DimensionMismatchError before writing anything."""
        if not records:
            return
        if any(r.vectors for r in records) and not self.indexes.backlog.wait_for_room():
            log.warning("the vector indexer's backlog stayed over WEAVEBIND_PENDING_LIMIT_MB for %.0f s: writing "
                        "anyway", backlog.WAIT_SECONDS)
        with self.write_lock:
            self.check_writable(records[0].key)
            self.indexes.check_dims(records)
            # Large properties are parsed back from their JSON once the connection is back in the pool (large_rows).
            with parsed_back() as released, self.engine.begin() as conn:
                created = sql.existing_created(conn, records[0].key, [r.uuid for r in records])
                if keep_created:
                    for record in records:
                        record.created_ms = created.get(record.uuid, record.created_ms)
                first_seq = sql.allocate_sequence(conn, len(records))
                sql.write_objects(conn, records, first_seq, replacing=list(created), released=released)
            with self.apply_lock:
                self.applied.wrote(first_seq, first_seq + len(records) - 1)
                class_name, added = records[0].class_name, len({r.uuid for r in records}) - len(created)
                self.object_counts[class_name] = self.object_counts.get(class_name, 0) + added
                self.indexes.apply_write(records, first_seq)
                self._notify(records[0].key, records, ())

    def delete(self, class_name: str, uuids: Sequence[str]) -> list[str]:
        """Delete objects of one storage key (a class, or a class's tenant: records.storage_key)."""
        owner = split_key(class_name)[0]
        with self.write_lock:
            self.check_writable(class_name)
            with self.engine.begin() as conn:
                existed = sql.delete_objects(conn, class_name, uuids)
                first_seq = changes.record_deletes(conn, class_name, existed) if existed else 0
            with self.apply_lock:
                if existed:
                    self.applied.wrote(first_seq, first_seq + len(existed) - 1)
                    self.object_counts[owner] = self.object_counts.get(owner, 0) - len(existed)
                self.indexes.apply_delete(class_name, existed)
                self._notify(class_name, (), existed)
            return existed

    def get(self, class_name: str, uuid: str, with_vectors: bool = False) -> ObjectRecord | None:
        with self.read_engine.connect() as conn:
            found = sql.get_objects(conn, class_name, [uuid], with_vectors)
        return found[0] if found else None

    def get_many(self, class_name: str | None, uuids: Sequence[str], with_vectors: bool = False) -> list[ObjectRecord]:
        with self.read_engine.connect() as conn:
            return sql.get_objects(conn, class_name, uuids, with_vectors)

    def list(self, class_name: str | None, limit: int, offset: int = 0, after: str | None = None,
             with_vectors: bool = False) -> list[ObjectRecord]:
        with self.engine.connect() as conn:
            return sql.list_objects(conn, class_name, limit, offset, after, with_vectors)

    def count(self, class_name: str | None = None) -> int:
        with self.engine.connect() as conn:
            return sql.count_objects(conn, class_name)

    def counts_by_tenant(self, class_name: str) -> dict[str, int]:
        """Objects per tenant of a class (one SQL count grouped by tenant; for verbose node status)."""
        with self.engine.connect() as conn:
            return sql.count_tenants(conn, class_name)

    def counts_by_class(self) -> dict[str, int]:
        """Objects per class as this server has written them (exact unless another server writes to the same
        database, where it is recounted at most once a second after they wrote)."""
        fresh = self.follower.counts() if self.follower is not None else None
        if fresh is not None:
            self.object_counts = fresh
        return dict(self.object_counts)

    def iter_class(self, class_name: str, prefilter: Prefilter | None = None) -> Iterator[ObjectRecord]:
        """Every object of the class; `prefilter` may skip rows that cannot match (prefilter.py)."""
        with self.engine.connect() as conn:
            try:
                yield from sql.iter_class(conn, class_name, prefilter=prefilter)
            finally:
                release_page_cache(conn)  # a scan's pages are rarely wanted again (db.py)

    def search(self, class_name: str, target: str, vector: np.ndarray, k: int,
               allowed: Sequence[str] | None = None) -> list[tuple[str, float]]:
        return self.indexes.search(class_name, target, vector, k, allowed)
