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

from weavebind.storage import prescore
from weavebind.storage.distances import distances, normalize
from weavebind.storage.sorted_sets import isin_sorted

MERGE_ROWS = 1000  # small writes are appended to the last chunk up to this size: a search loops over chunks


@dataclass(eq=False)
class _Chunk:
    labels: np.ndarray   # int64
    vectors: np.ndarray  # float32 (n, d), raw
    alive: np.ndarray    # bool (n,): not yet indexed, taken for indexing elsewhere, replaced or deleted
    stored: np.ndarray | None = None  # cosine: the rows as the index will store them (normalised), made lazily
    squares: np.ndarray | None = None  # the searchable rows' squared lengths (float32), made lazily

    @classmethod
    def of(cls, labels: np.ndarray, vectors: np.ndarray) -> _Chunk:
        return cls(labels, vectors, np.ones(len(labels), dtype=bool))

    def searchable(self, metric: str) -> np.ndarray:
        """The rows a search scores: for cosine the unit vectors FAISS will hold (VectorIndex.add normalises the
        same way), so a vector gets the same distance, to the last bit, before and after the indexer moves it."""
        if metric != "cosine":
            return self.vectors
        if self.stored is None:
            self.stored = normalize(self.vectors)
        return self.stored

    def square_norms(self, metric: str) -> np.ndarray:
        if self.squares is None:
            rows = self.searchable(metric)
            self.squares = np.einsum("ij,ij->i", rows, rows)
        return self.squares

    def max_norm(self, metric: str) -> float:
        squares = self.square_norms(metric)
        return float(np.sqrt(squares.max())) if squares.size else 0.0


class PendingVectors:
    """Queued chunks (FIFO) plus the rows being indexed (`inflight`). `where` maps each live label (not yet indexed
    or discarded) to its chunk and row, so discarding one and masking a chunk in a search cost no Python loop over
    the buffer.

    Not thread-safe by itself: the IndexManager's lock guards every call.
    """

    def __init__(self, metric: str):
        self.metric = metric
        self.queued: deque[_Chunk] = deque()
        self.inflight: list[_Chunk] = []
        self.where: dict[int, tuple[_Chunk, int]] = {}

    def __len__(self) -> int:
        return len(self.where)

    def __contains__(self, label: int) -> bool:
        return label in self.where

    def _point(self, chunk: _Chunk) -> None:
        """Record where the chunk's live rows are (rows taken for indexing point to their in-flight chunk)."""
        rows = np.flatnonzero(chunk.alive)
        for row, label in zip(rows.tolist(), chunk.labels[rows].tolist(), strict=True):
            self.where[label] = (chunk, row)

    def put(self, labels: np.ndarray, vectors: np.ndarray) -> None:
        labels, vectors = np.asarray(labels, dtype=np.int64), np.asarray(vectors, dtype=np.float32)
        tail = self.queued[-1] if self.queued else None
        if tail is not None and len(tail.labels) + len(labels) <= MERGE_ROWS:
            merged = _Chunk(np.concatenate([tail.labels, labels]), np.concatenate([tail.vectors, vectors]),
                            np.concatenate([tail.alive, np.ones(len(labels), dtype=bool)]))
            self.queued[-1] = merged
            self._point(merged)
            return
        chunk = _Chunk.of(labels, vectors)
        self.queued.append(chunk)
        self._point(chunk)

    def discard(self, labels) -> None:
        """Forget labels (updated or deleted objects); an in-flight one is removed from FAISS after its add."""
        for label in labels:
            found = self.where.pop(int(label), None)
            if found is not None:
                found[0].alive[found[1]] = False

    def take(self, max_rows: int) -> tuple[np.ndarray, np.ndarray] | None:
        """Move up to `max_rows` live rows in flight, oldest first, and return them for indexing. A chunk is
        taken from in place (its taken rows marked not alive), so a small take never copies a large chunk."""
        taken: list[_Chunk] = []
        rows = 0
        while self.queued and rows < max_rows:
            chunk = self.queued[0]
            positions = np.flatnonzero(chunk.alive)[:max_rows - rows]
            if len(positions):
                part = _Chunk.of(chunk.labels[positions], chunk.vectors[positions])
                chunk.alive[positions] = False
                self._point(part)
                taken.append(part)
                rows += len(positions)
            if not chunk.alive.any():
                self.queued.popleft()
        if not taken:
            return None
        self.inflight = taken
        return np.concatenate([c.labels for c in taken]), np.concatenate([c.vectors for c in taken])

    def done(self, labels: np.ndarray) -> None:
        self.inflight = []
        for label in labels.tolist():
            self.where.pop(label, None)

    def drop(self, labels: np.ndarray) -> None:
        """Forget labels another index holds now (a published one, storage/published.py); a buffer nobody drains
        (`take`) keeps only what is not published yet."""
        self.discard(labels.tolist())
        self.queued = deque(chunk for chunk in self.queued if chunk.alive.any())

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Exact top-k over the live pending vectors (optionally only `allowed` labels, sorted int64), as
        (labels, float32 distances) in (distance, label) order."""
        live = []
        for chunk in [*self.queued, *self.inflight]:
            mask = chunk.alive if allowed is None else chunk.alive & isin_sorted(chunk.labels, allowed)
            if mask.any():
                live.append((chunk, None if mask.all() else np.flatnonzero(mask)))
        if not live:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        if self.metric in prescore.FAST_METRICS:
            live = self._candidates(query, k, live)
        labels = np.concatenate([c.labels if rows is None else c.labels[rows] for c, rows in live])
        matrix = [c.searchable(self.metric) if rows is None else c.searchable(self.metric)[rows] for c, rows in live]
        dists = distances(self.metric, query, matrix[0] if len(matrix) == 1 else np.concatenate(matrix))
        order = np.lexsort((labels, dists))[:k]
        return labels[order], dists[order]

    def _candidates(self, query: np.ndarray, k: int, live: list) -> list:
        """The live rows that may be in the exact top k, by float32 scores (storage/prescore.py)."""
        q = prescore.query_form(self.metric, query)
        q_norm = float(np.linalg.norm(q.astype(np.float64)))
        approx, bound = [], 0.0
        for chunk, rows in live:
            score = prescore.scores(self.metric, q, chunk.searchable(self.metric), chunk.square_norms(self.metric))
            approx.append(score if rows is None else score[rows])
            bound = max(bound, prescore.error_bound(self.metric, len(q), chunk.max_norm(self.metric), q_norm))
        picked = prescore.candidates(np.concatenate(approx), k, bound)
        if picked is None:
            return live
        out, start = [], 0
        for (chunk, rows), score in zip(live, approx, strict=True):
            mine = picked[(picked >= start) & (picked < start + len(score))] - start
            start += len(score)
            if len(mine):
                out.append((chunk, mine if rows is None else rows[mine]))
        return out
