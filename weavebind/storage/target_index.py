"""One (class, target vector)'s FAISS index with its pending vectors and the label <-> uuid maps of its live vectors
(indexes.py's unit of state)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from weavebind.storage.pending import PendingVectors
from weavebind.storage.records import shared_uuid
from weavebind.storage.vector_index import IndexConfig, VectorIndex


@dataclass
class TargetIndex:
    """A FAISS index, its pending vectors, and the label ↔ uuid maps of its live vectors."""

    index: VectorIndex
    pending: PendingVectors
    uuid_by_label: dict[int, str] = field(default_factory=dict)
    label_by_uuid: dict[str, int] = field(default_factory=dict)
    dirty: bool = False

    @classmethod
    def empty(cls, config: IndexConfig, dim: int | None) -> TargetIndex:
        return cls(VectorIndex(config, dim), PendingVectors(config.distance))

    def forget(self, uuids: Iterable[str]) -> None:
        stale = [self.label_by_uuid.pop(u) for u in uuids if u in self.label_by_uuid]
        if not stale:
            return
        for label in stale:
            del self.uuid_by_label[label]
        in_faiss = [x for x in stale if x not in self.pending]
        self.pending.discard(stale)
        if in_faiss:
            self.index.remove(np.asarray(in_faiss, dtype=np.int64))
        self.dirty = True

    def add(self, labels: Sequence[int], uuids: Sequence[str], matrix: np.ndarray) -> None:
        if self.index.dim is None:  # still empty: fix the dimension now, so the next write is checked against it
            self.index = VectorIndex(self.index.config, matrix.shape[1])
        self.pending.put(np.asarray(labels, dtype=np.int64), matrix)
        for label, uuid in zip(labels, uuids, strict=True):
            uuid = shared_uuid(uuid)
            self.uuid_by_label[label] = uuid
            self.label_by_uuid[uuid] = label
        self.dirty = True

    @property
    def dim(self) -> int | None:
        return self.index.dim
