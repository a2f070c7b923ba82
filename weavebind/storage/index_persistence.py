"""IndexManager's files (a mixin: the state is indexes.py's): snapshots of changed indexes, and at start each index
loaded from its snapshot (or, in a worker that maps worker 0's, from the published file) and caught up with SQL by a
set difference of labels, as indexes.py's docstring describes."""

from __future__ import annotations

import logging
from collections.abc import Iterable

import numpy as np
from sqlalchemy import Engine

from weavebind.storage import objects as sql
from weavebind.storage import published
from weavebind.storage.db import release_page_cache
from weavebind.storage.pending import PendingVectors
from weavebind.storage.records import vector_from_bytes
from weavebind.storage.target_index import TargetIndex
from weavebind.storage.vector_index import IndexConfig, VectorIndex

log = logging.getLogger("weavebind.indexes")
CATCH_UP_ROWS = 5000


class IndexPersistence:
    """Snapshot and load paths of IndexManager; they take its lock as its other methods do."""

    def snapshot(self, seq: int, merge: bool = False) -> None:
        """Persist every index changed since its last snapshot (`merge`: with no delta log left, see snapshots.py).
        Saving runs outside the manager lock (the index's own read lock suffices), so writers are not held up by a
        large file."""
        if self.role == "map":  # worker 0 owns the files
            return
        with self.lock:
            self.directory.mkdir(parents=True, exist_ok=True)
            changed = [(key, t) for key, t in self.indexes.items() if t.dirty or (merge and t.index.has_log)]
            for _key, target_index in changed:
                target_index.dirty = False
        for key, target_index in changed:
            if self.indexes.get(key) is target_index:
                target_index.index.save(self.path(*key), seq, merge)

    def load(self, engine: Engine, class_keys: Iterable[str] | None = None) -> None:
        """Load each configured index (of `class_keys` only, if given) from its snapshot and catch up from SQL."""
        wanted = None if class_keys is None else set(class_keys)
        with self.lock, engine.connect() as conn:
            for key, config in self.configs.items():
                if wanted is None or key[0] in wanted:
                    self.indexes[key] = self._load_one(conn, key, config)
            release_page_cache(conn)  # every label (and the vectors to catch up) was read: a whole-class scan
        self.indexer.wake()

    def snapshot_key(self, class_key: str, seq: int) -> None:
        """Persist the changed indexes of one storage key now (before a tenant's indexes leave memory)."""
        if self.role == "map":
            return
        with self.lock:
            self.directory.mkdir(parents=True, exist_ok=True)
            for target in self.targets_of.get(class_key, ()):
                target_index = self.indexes.get((class_key, target))
                if target_index is not None and target_index.dirty:
                    target_index.index.save(self.path(class_key, target), seq, merge=True)
                    target_index.dirty = False

    def _load_one(self, conn, key: tuple[str, str], config: IndexConfig) -> TargetIndex:
        live = sql.live_labels(conn, *key)
        if self.role == "map":
            mapped = published.map_file(published.published_path(self.path(*key)), config)
            loaded = (mapped, 0) if mapped is not None else None
        else:
            loaded = VectorIndex.load(self.path(*key), config)
        target_index = TargetIndex(loaded[0], PendingVectors(config.distance)) if loaded \
            else TargetIndex.empty(config, None)
        in_index = {int(x) for x in target_index.index.labels()}
        stale = np.asarray(sorted(in_index - live.keys()), dtype=np.int64)
        if len(stale):
            target_index.index.remove(stale)
        kept = in_index & live.keys()
        target_index.uuid_by_label = {label: live[label] for label in kept}
        target_index.label_by_uuid = {uuid: label for label, uuid in target_index.uuid_by_label.items()}
        replayed = _replay(target_index, live)
        missing = sorted(live.keys() - in_index - replayed)
        for start in range(0, len(missing), CATCH_UP_ROWS):
            rows = sql.vectors_by_labels(conn, *key, missing[start:start + CATCH_UP_ROWS])
            matrix = np.stack([vector_from_bytes(data) for _, data in rows])
            target_index.add([seq for seq, _ in rows], [live[seq] for seq, _ in rows], matrix)
        target_index.dirty = bool(len(stale) or missing)
        log.info("index %s/%s: %d vectors from the snapshot, %d from its delta log, %d to catch up from SQL, "
                 "%d stale", key[0], key[1] or "-", len(kept), len(replayed), len(missing), len(stale))
        return target_index


def _replay(target_index: TargetIndex, live: dict[int, str]) -> set[int]:
    """Queue the live rows of the snapshot's delta log (snapshots.py) for the indexer, read from the file rather than
    SQL; returns their labels."""
    replay = target_index.index.take_replay()
    if replay is None:
        return set()
    labels, vectors = replay
    keep = [i for i, label in enumerate(labels.tolist()) if label in live]
    if keep:
        picked = labels[keep].tolist()
        target_index.add(picked, [live[x] for x in picked], vectors[keep])
    return {int(labels[i]) for i in keep}
