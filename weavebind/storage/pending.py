"""Vectors that are committed to SQL but not yet inside FAISS.

Building an HNSW graph costs far more than a durable SQL insert (about 5,000 512-d vectors/s on 2 cores against
tens of thousands of rows/s), so imports do not wait for it: the background indexer moves pending vectors into FAISS
in small chunks, and until then every search scans them exactly and merges them with the FAISS results. A search
therefore always sees every acknowledged write, and an import is as fast as SQL.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from weavebind.storage.distances import distances, normalize


@dataclass
class _Chunk:
    labels: np.ndarray   # int64
    vectors: np.ndarray  # float32 (n, d), raw
    stored: np.ndarray | None = None  # cosine: the rows as the index will store them (normalised), made lazily

    def searchable(self, metric: str) -> np.ndarray:
        """The rows a search scores: for cosine the unit vectors FAISS will hold (VectorIndex.add normalises the
        same way), so a vector gets the same distance, to the last bit, before and after the indexer moves it."""
        if metric != "cosine":
            return self.vectors
        if self.stored is None:
            self.stored = normalize(self.vectors)
        return self.stored


def _live_mask(labels: np.ndarray, live: set[int]) -> np.ndarray:
    return np.fromiter((int(x) in live for x in labels), dtype=bool, count=len(labels))


class PendingVectors:
    """Queued chunks (FIFO) plus the chunk being indexed; `live` holds the labels not yet indexed or discarded.

    Not thread-safe by itself: the IndexManager's lock guards every call.
    """

    def __init__(self, metric: str):
        self.metric = metric
        self.queued: deque[_Chunk] = deque()
        self.inflight: list[_Chunk] = []
        self.live: set[int] = set()

    def __len__(self) -> int:
        return len(self.live)

    def __contains__(self, label: int) -> bool:
        return label in self.live

    def put(self, labels: np.ndarray, vectors: np.ndarray) -> None:
        self.queued.append(_Chunk(np.asarray(labels, dtype=np.int64), np.asarray(vectors, dtype=np.float32)))
        self.live.update(int(x) for x in labels)

    def discard(self, labels) -> None:
        """Forget labels (updated or deleted objects); an in-flight one is removed from FAISS after its add."""
        self.live.difference_update(int(x) for x in labels)

    def take(self, max_rows: int) -> tuple[np.ndarray, np.ndarray] | None:
        """Move up to about `max_rows` live rows in flight and return them for indexing."""
        taken: list[_Chunk] = []
        rows = 0
        while self.queued and (rows == 0 or rows + len(self.queued[0].labels) <= max_rows):
            chunk = self.queued.popleft()
            mask = _live_mask(chunk.labels, self.live)
            if mask.any():
                taken.append(_Chunk(chunk.labels[mask], chunk.vectors[mask]))
                rows += int(mask.sum())
        if not taken:
            return None
        self.inflight = taken
        return np.concatenate([c.labels for c in taken]), np.concatenate([c.vectors for c in taken])

    def done(self, labels: np.ndarray) -> None:
        self.inflight = []
        self.live.difference_update(int(x) for x in labels)

    def drop(self, labels: np.ndarray) -> None:
        """Forget labels another index holds now (a published one, storage/published.py) and the rows no longer
        live; a buffer nobody drains (`take`) stays as small as what is not published yet."""
        self.live.difference_update(labels.tolist())
        kept: deque[_Chunk] = deque()
        for chunk in self.queued:
            mask = _live_mask(chunk.labels, self.live)
            if mask.all():
                kept.append(chunk)
            elif mask.any():
                kept.append(_Chunk(chunk.labels[mask], chunk.vectors[mask]))
        self.queued = kept

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Exact top-k over the live pending vectors (optionally only `allowed` labels, sorted int64)."""
        found_labels, found_dists = [], []
        for chunk in [*self.queued, *self.inflight]:
            mask = _live_mask(chunk.labels, self.live)
            if allowed is not None:
                mask &= np.isin(chunk.labels, allowed)
            if not mask.any():
                continue
            found_labels.append(chunk.labels[mask])
            found_dists.append(distances(self.metric, query, chunk.searchable(self.metric)[mask]))
        if not found_labels:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        labels, dists = np.concatenate(found_labels), np.concatenate(found_dists)
        order = np.lexsort((labels, dists))[:k]
        return labels[order], dists[order]
