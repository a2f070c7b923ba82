"""The FAISS indexes of all classes: one per (class, target vector), kept in step with SQL.

Labels are the change-sequence numbers of the writes that stored each vector, so an index maps label → uuid and
uuid → label in memory. A write replaces a uuid's label (the old one is tombstoned); a delete tombstones it.
After a restart each index loads its snapshot and catches up with a set difference against `wb_vectors`:
labels that are no longer live are tombstoned, live labels missing from the snapshot are added. No replay log and
no full rebuild are needed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import Engine

from weavebind.storage import objects as sql
from weavebind.storage.records import ObjectRecord, vector_from_bytes
from weavebind.storage.vector_index import DimensionMismatchError, IndexConfig, VectorIndex

log = logging.getLogger("weavebind.indexes")


@dataclass
class TargetIndex:
    """A FAISS index plus the label ↔ uuid maps of its live vectors."""

    index: VectorIndex
    uuid_by_label: dict[int, str] = field(default_factory=dict)
    label_by_uuid: dict[str, int] = field(default_factory=dict)
    dirty: bool = False

    def forget(self, uuids: Iterable[str]) -> None:
        stale = [self.label_by_uuid.pop(u) for u in uuids if u in self.label_by_uuid]
        for label in stale:
            del self.uuid_by_label[label]
        if stale:
            self.index.remove(np.asarray(stale, dtype=np.int64))
            self.dirty = True

    def add(self, labels: Sequence[int], uuids: Sequence[str], matrix: np.ndarray) -> None:
        self.index.add(np.asarray(labels, dtype=np.int64), matrix)
        for label, uuid in zip(labels, uuids, strict=True):
            self.uuid_by_label[label] = uuid
            self.label_by_uuid[uuid] = label
        self.dirty = True


class IndexManager:
    """Owns every TargetIndex. Writers call in under the store's write lock, after their SQL commit."""

    def __init__(self, directory: Path, use_gpu: bool = False):
        self.directory = directory
        self.use_gpu = use_gpu
        self.configs: dict[tuple[str, str], IndexConfig] = {}
        self.indexes: dict[tuple[str, str], TargetIndex] = {}
        self.lock = threading.RLock()

    def path(self, class_name: str, target: str) -> Path:
        return self.directory / f"{class_name}.{target or '_'}.faiss"

    def configure(self, class_name: str, targets: dict[str, tuple[str, dict]]) -> None:
        """Register a class's targets: name → (vectorIndexType, vectorIndexConfig)."""
        with self.lock:
            for target, (index_type, config) in targets.items():
                key = (class_name, target)
                new = IndexConfig.from_weaviate(index_type, config, use_gpu=self.use_gpu)
                old = self.configs.get(key)
                self.configs[key] = new
                if key in self.indexes and old is not None and old != new:
                    self.indexes[key] = self._rebuilt(key, new)

    def _rebuilt(self, key: tuple[str, str], config: IndexConfig) -> TargetIndex:
        """A config change that FAISS cannot apply in place (e.g. ef): rebuild from the live vectors."""
        current = self.indexes[key]
        fresh = TargetIndex(VectorIndex(config, current.index.dim))
        labels = list(current.uuid_by_label)
        if labels:
            fresh.add(labels, [current.uuid_by_label[x] for x in labels], current.index.vectors_for(labels))
        return fresh

    def check_dims(self, records: Sequence[ObjectRecord]) -> None:
        """Raise DimensionMismatchError before anything is written, also for mismatches inside one batch."""
        with self.lock:
            seen: dict[tuple[str, str], int] = {}
            for record in records:
                for target, vector in record.vectors.items():
                    key = (record.class_name, target)
                    if key not in seen:
                        existing = self.indexes.get(key)
                        dim = existing.index.dim if existing is not None else None
                        seen[key] = dim if dim is not None else len(vector)
                    if len(vector) != seen[key]:
                        raise DimensionMismatchError(
                            f"new node has a vector with length {len(vector)}. "
                            f"Existing nodes have vectors with length {seen[key]}")

    def _target(self, class_name: str, target: str) -> TargetIndex:
        key = (class_name, target)
        if key not in self.indexes:
            self.indexes[key] = TargetIndex(VectorIndex(self.configs[key]))
        return self.indexes[key]

    def apply_write(self, records: Sequence[ObjectRecord], first_seq: int) -> None:
        """Mirror a committed upsert: every old label of these uuids goes, every new vector comes in."""
        if not records:
            return
        class_name = records[0].class_name
        uuids = [r.uuid for r in records]
        with self.lock:
            for (cls, _target), index in self.indexes.items():
                if cls == class_name:
                    index.forget(uuids)
            per_target: dict[str, list[int]] = {}
            for i, record in enumerate(records):
                for target in record.vectors:
                    per_target.setdefault(target, []).append(i)
            for target, positions in per_target.items():
                matrix = np.stack([records[i].vectors[target] for i in positions]).astype(np.float32)
                self._target(class_name, target).add(
                    [first_seq + i for i in positions], [records[i].uuid for i in positions], matrix)

    def apply_delete(self, class_name: str, uuids: Sequence[str]) -> None:
        with self.lock:
            for (cls, _target), index in self.indexes.items():
                if cls == class_name:
                    index.forget(uuids)

    def drop_class(self, class_name: str) -> None:
        with self.lock:
            for key in [k for k in self.configs if k[0] == class_name]:
                self.configs.pop(key, None)
                self.indexes.pop(key, None)
                self.path(*key).unlink(missing_ok=True)

    def search(self, class_name: str, target: str, vector: np.ndarray, k: int,
               allowed: Iterable[str] | None = None) -> list[tuple[str, float]]:
        """Nearest objects as (uuid, Weaviate distance), closest first; `allowed` restricts to those uuids."""
        with self.lock:
            target_index = self.indexes.get((class_name, target))
            if target_index is None:
                return []
            allowed_labels = None
            if allowed is not None:
                allowed_labels = np.asarray([target_index.label_by_uuid[u] for u in allowed
                                             if u in target_index.label_by_uuid], dtype=np.int64)
            labels, dists = target_index.index.search(np.asarray(vector, dtype=np.float32), k, allowed_labels)
            return [(target_index.uuid_by_label[int(x)], float(d)) for x, d in zip(labels, dists, strict=True)]

    def dimension(self, class_name: str, target: str) -> int | None:
        index = self.indexes.get((class_name, target))
        return index.index.dim if index is not None else None

    def snapshot(self, seq: int) -> None:
        """Persist every index changed since its last snapshot (with the sequence it contains); compact first."""
        with self.lock:
            self.directory.mkdir(parents=True, exist_ok=True)
            for key, target_index in self.indexes.items():
                if target_index.index.needs_compaction:
                    target_index.index.compact()
                if target_index.dirty:
                    target_index.index.save(self.path(*key), seq)
                    target_index.dirty = False

    def load(self, engine: Engine) -> None:
        """Load each configured index from its snapshot and catch up from SQL."""
        with self.lock, engine.connect() as conn:
            for key, config in self.configs.items():
                live = sql.live_labels(conn, *key)
                loaded = VectorIndex.load(self.path(*key), config)
                index = TargetIndex(loaded[0] if loaded else VectorIndex(config))
                in_index = {int(x) for x in index.index.labels()}
                stale = np.asarray(sorted(in_index - live.keys()), dtype=np.int64)
                if len(stale):
                    index.index.remove(stale)
                kept = in_index & live.keys()
                index.uuid_by_label = {label: live[label] for label in kept}
                index.label_by_uuid = {uuid: label for label, uuid in index.uuid_by_label.items()}
                missing = sorted(live.keys() - in_index)
                for start in range(0, len(missing), 5000):
                    rows = sql.vectors_by_labels(conn, *key, missing[start:start + 5000])
                    matrix = np.stack([vector_from_bytes(data) for _, data in rows])
                    index.add([seq for seq, _ in rows], [live[seq] for seq, _ in rows], matrix)
                index.dirty = bool(len(stale) or missing)
                self.indexes[key] = index
                log.info("index %s/%s: %d vectors (%d from snapshot, %d caught up from SQL)",
                         key[0], key[1] or "-", len(index.index), len(kept), len(missing))
