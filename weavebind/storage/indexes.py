"""The FAISS indexes of all classes: one per (class, target vector), kept in step with SQL.

Labels are the change-sequence numbers of the writes that stored each vector, so an index maps label → uuid and
uuid → label in memory. A write replaces a uuid's label (the old one is tombstoned at once); new vectors go to the
pending buffer (`pending.py`), which searches scan exactly until the background indexer has moved them into FAISS.
After a restart each index loads its snapshot and catches up with a set difference against `wb_vectors`: labels
that are no longer live are tombstoned, live labels missing from the snapshot become pending. No replay log and no
full rebuild are needed, and the server is ready before the catch-up has finished.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from weavebind.storage import float_file, published
from weavebind.storage.backlog import BacklogLimit
from weavebind.storage.index_persistence import IndexPersistence
from weavebind.storage.indexer import Indexer
from weavebind.storage.records import ObjectRecord, split_key
from weavebind.storage.snapshot_files import delta_path
from weavebind.storage.target_index import TargetIndex
from weavebind.storage.throughput import RateMeter
from weavebind.storage.vector_index import DimensionMismatchError, IndexConfig, VectorIndex


class IndexManager(IndexPersistence):
    """Owns every TargetIndex. Writers call in under the store's write lock, after their SQL commit."""

    def __init__(self, directory: Path, use_gpu: bool = False, role: str = "own", pending_limit_bytes: int = 0):
        self.directory = directory
        self.use_gpu = use_gpu
        self.role = role  # "own", "publish" or "map": see storage/published.py
        self.configs: dict[tuple[str, str], IndexConfig] = {}
        self.indexes: dict[tuple[str, str], TargetIndex] = {}
        # storage key → its configured targets: a write touches its own indexes without walking every tenant's
        self.targets_of: dict[str, set[str]] = {}
        self.lock = threading.RLock()
        self.last_write = 0.0  # monotonic time of the last apply_write; the indexer backs off while it is recent
        self.last_search = 0.0  # monotonic time of the last search; the indexer takes small chunks while recent
        self.written = RateMeter()  # objects committed per second (with or without vectors)
        self.indexed = RateMeter()  # vectors the background indexer moved into FAISS per second
        self.indexer = Indexer(self)
        # worker processes that map worker 0's index never drain their buffers themselves (published.py)
        self.backlog = BacklogLimit(pending_limit_bytes if role != "map" else 0)
        if role != "map":  # float files of compressed indexes left by an earlier run (float_file.py)
            float_file.sweep(directory, keep=set())

    def path(self, class_name: str, target: str) -> Path:
        return self.directory / f"{class_name}.{target or '_'}.faiss"

    def configure(self, class_name: str, targets: dict[str, tuple[str, dict]]) -> None:
        """Register a class's targets: name → (vectorIndexType, vectorIndexConfig)."""
        with self.lock:
            for target, (index_type, config) in targets.items():
                key = (class_name, target)
                self.targets_of.setdefault(class_name, set()).add(target)
                new = IndexConfig.from_weaviate(index_type, config, use_gpu=self.use_gpu,
                                                float_dir=str(self.directory))
                old = self.configs.get(key)
                self.configs[key] = new
                if key not in self.indexes or old is None or old == new:
                    continue
                if old.fingerprint() == new.fingerprint() or _compresses_later(old, new, self.indexes[key].index):
                    self.indexes[key].index.config = new  # search-time settings such as ef: no rebuild
                    self.indexer.wake()
                else:
                    self._rebuild(key, new)

    def _rebuild(self, key: tuple[str, str], config: IndexConfig) -> None:
        """A config change FAISS cannot apply in place (e.g. maxConnections): re-index every live vector."""
        current = self.indexes[key]
        fresh = TargetIndex.empty(config, current.dim)
        indexed = [x for x in current.uuid_by_label if x not in current.pending]
        if indexed:  # an add the indexer is making to `current` meanwhile only reaches the retired index
            fresh.add(indexed, [current.uuid_by_label[x] for x in indexed], current.index.vectors_for(indexed))
        for chunk in [*current.pending.queued, *current.pending.inflight]:
            keep = [i for i, x in enumerate(chunk.labels) if int(x) in current.pending]
            if keep:
                labels = [int(chunk.labels[i]) for i in keep]
                fresh.add(labels, [current.uuid_by_label[x] for x in labels], chunk.vectors[keep])
        self.indexes[key] = fresh
        self.indexer.wake()

    def check_dims(self, records: Sequence[ObjectRecord]) -> None:
        """Raise DimensionMismatchError before anything is written, also for mismatches inside one batch."""
        with self.lock:
            seen: dict[tuple[str, str], int] = {}
            for record in records:
                for target, vector in record.vectors.items():
                    key = (record.key, target)
                    if key not in seen:
                        seen[key] = self.dimension(*key) or len(vector)
                    if len(vector) != seen[key]:
                        raise DimensionMismatchError(
                            f"new node has a vector with length {len(vector)}. "
                            f"Existing nodes have vectors with length {seen[key]}")

    def _target(self, class_name: str, target: str, dim: int) -> TargetIndex:
        key = (class_name, target)
        if key not in self.indexes:
            self.indexes[key] = TargetIndex.empty(self.configs[key], dim)
        return self.indexes[key]

    def knows(self, class_key: str) -> bool:
        """Whether the indexes of a storage key are configured here (a COLD tenant's are not)."""
        return class_key in self.targets_of

    def apply_write(self, records: Sequence[ObjectRecord], first_seq: int) -> None:
        """Mirror a committed upsert numbered first_seq, first_seq + 1, ... (see apply_records)."""
        self.apply_records(records, range(first_seq, first_seq + len(records)))

    def apply_records(self, records: Sequence[ObjectRecord], labels: Sequence[int]) -> None:
        """Mirror committed upserts: every old label of these uuids goes, each record's vectors become pending
        under its change number."""
        class_name = records[0].key if records else ""
        # A change another server made can arrive twice (loaded from SQL, then read from the change feed): a label
        # is never reused, so a record already held under its own number is skipped.
        kept = [i for i, record in enumerate(records) if not self._holds(class_name, record.uuid, labels[i])]
        if len(kept) < len(records):
            records, labels = [records[i] for i in kept], [labels[i] for i in kept]
        if not records:
            return
        uuids = [r.uuid for r in records]
        self.last_write = time.monotonic()
        self.written.add(len(records), self.last_write)
        with self.lock:
            for index in self._indexes_of(class_name):
                index.forget(uuids)
            per_target: dict[str, list[int]] = {}
            for i, record in enumerate(records):
                for target in record.vectors:
                    per_target.setdefault(target, []).append(i)
            for target, positions in per_target.items():
                matrix = np.stack([records[i].vectors[target] for i in positions]).astype(np.float32)
                self.backlog.added(matrix.nbytes)
                self._target(class_name, target, matrix.shape[1]).add(
                    [labels[i] for i in positions], [records[i].uuid for i in positions], matrix)
        self.indexer.wake()

    def _holds(self, class_key: str, uuid: str, label: int) -> bool:
        return any(index.label_by_uuid.get(uuid) == label for index in self._indexes_of(class_key))

    def _indexes_of(self, class_key: str) -> list[TargetIndex]:
        found = (self.indexes.get((class_key, target)) for target in self.targets_of.get(class_key, ()))
        return [index for index in found if index is not None]

    def apply_delete(self, class_name: str, uuids: Sequence[str]) -> None:
        self.last_write = time.monotonic()
        with self.lock:
            for index in self._indexes_of(class_name):
                index.forget(uuids)
        self.indexer.wake()  # deletions may have made an index worth compacting

    def drop_class(self, class_name: str) -> None:
        """Forget a class's indexes and their snapshots, its tenants' included."""
        with self.lock:
            for key in [k for k in self.targets_of if split_key(k)[0] == class_name]:
                self.drop_key(key)

    def drop_key(self, class_key: str, keep_snapshots: bool = False) -> None:
        """Forget the indexes of one storage key; `keep_snapshots` leaves their files for a later `load_keys` (a
        tenant set COLD), otherwise they are deleted too."""
        with self.lock:
            for target in self.targets_of.pop(class_key, ()):
                self.configs.pop((class_key, target), None)
                self.indexes.pop((class_key, target), None)
                if not keep_snapshots:
                    self.path(class_key, target).unlink(missing_ok=True)
                    delta_path(self.path(class_key, target)).unlink(missing_ok=True)
                    shared = published.published_path(self.path(class_key, target))
                    shared.unlink(missing_ok=True)
                    published.floats_note_path(shared).unlink(missing_ok=True)

    def label_of(self, class_key: str, uuid: str) -> int | None:
        """The label the object's vectors are stored under (one change number for all its targets), or None."""
        for index in self._indexes_of(class_key):
            label = index.label_by_uuid.get(uuid)
            if label is not None:
                return label
        return None

    def search(self, class_name: str, target: str, vector: np.ndarray, k: int,
               allowed: Iterable[str] | None = None, allowed_labels: np.ndarray | None = None
               ) -> list[tuple[str, float]]:
        """Nearest objects as (uuid, Weaviate distance), closest first; `allowed` restricts to those uuids, or
        `allowed_labels` (sorted int64; labels of other targets or of replaced vectors are simply never found) to
        those labels, without a lookup per uuid."""
        query = np.asarray(vector, dtype=np.float32)
        self.last_search = time.monotonic()
        with self.lock:
            target_index = self.indexes.get((class_name, target))
            if target_index is None or k <= 0:
                return []
            if allowed is not None:
                allowed_labels = np.sort(np.asarray([target_index.label_by_uuid[u] for u in allowed
                                                     if u in target_index.label_by_uuid], dtype=np.int64))
            pending = target_index.pending.search(query, k, allowed_labels)
        indexed = target_index.index.search(query, k, allowed_labels)
        # Again at the end: a search that waited longer than the indexer's window for an add would otherwise look
        # old by the time the indexer sizes its next chunk, which would then be a full one (storage/indexer.py).
        self.last_search = time.monotonic()
        return _merge(target_index.uuid_by_label, [pending, indexed], k)

    def dimension(self, class_name: str, target: str) -> int | None:
        index = self.indexes.get((class_name, target))
        return index.dim if index is not None else None

    def compressed(self, class_key: str) -> bool:
        """Whether an index of the storage key holds compressed codes (a shard's `compressed` in /v1/nodes)."""
        with self.lock:
            return any(t.index.compressed for t in self._indexes_of(class_key))

    def pending_count(self, class_key: str | None = None) -> int:
        """Vectors committed but not yet in FAISS: of every index, or of one storage key (a class without tenants,
        or one tenant). Cheap: the query path asks it before every search it might run inline."""
        with self.lock:
            indexes = self.indexes.values() if class_key is None else self._indexes_of(class_key)
            return sum(len(t.pending) for t in indexes)

    def snapshot_sizes(self) -> dict[tuple[str, str], tuple[int, int]]:
        """(storage key, target) → (live vectors, vectors waiting for the indexer), for monitoring."""
        with self.lock:
            return {key: (len(t.uuid_by_label), len(t.pending)) for key, t in self.indexes.items()}

    def pending_of_class(self, class_name: str) -> int:
        """Vectors not yet in FAISS of a class and all its active tenants (for /v1/nodes and the shards API)."""
        with self.lock:
            keys = [k for k in self.targets_of if split_key(k)[0] == class_name]
            return sum(len(t.pending) for key in keys for t in self._indexes_of(key))

    def close(self) -> None:
        self.indexer.stop()


def _compresses_later(old: IndexConfig, new: IndexConfig, index: VectorIndex) -> bool:
    """Compression switched on (or changed) for an index that holds float32 vectors and is otherwise the same:
    it is kept, and the indexer compresses it in place (compaction.py) instead of re-indexing every vector."""
    return not index.compressed and new.compressed is not None and \
        replace(old, compression=None).fingerprint() == replace(new, compression=None).fingerprint()


def _merge(uuid_by_label: dict[int, str], results: list[tuple[np.ndarray, np.ndarray]],
           k: int) -> list[tuple[str, float]]:
    """Merge pending and FAISS results; drop labels replaced or deleted while the search ran."""
    found = [r for r in results if r[0].size]
    if len(found) == 1:  # the usual case (nothing pending): one list, already in (distance, label) order
        labels, dists = found[0]
        return [(uuid_by_label[label], dist) for label, dist in zip(labels.tolist()[:k], dists.tolist()[:k],
                                                                   strict=True) if label in uuid_by_label]
    best: dict[int, float] = {}
    for labels, dists in results:
        for label, dist in zip(labels.tolist(), dists.tolist(), strict=True):
            if label in uuid_by_label and (label not in best or dist < best[label]):
                best[label] = dist
    ordered = sorted(best.items(), key=lambda item: (item[1], item[0]))[:k]
    return [(uuid_by_label[label], dist) for label, dist in ordered if label in uuid_by_label]
