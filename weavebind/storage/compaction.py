"""Compaction and compression of a VectorIndex (a part of vector_index.py's VectorIndex, kept apart from searching
and persistence).

Compaction drops tombstoned vectors for real once they are many: flat indexes `remove_ids` in place; HNSW, which
cannot delete, is rebuilt from the live vectors. Compression (storage/compression.py) uses the same rebuild: once a
class configured for pq/sq/rq holds `trainingLimit` live vectors, the float32 HNSW index is trained on them and
rebuilt over codes, its float32 vectors moving to an on-disk file (float_file.py).

A rebuild runs outside the write lock: the live vectors are read chunk by chunk under the read lock (searches go
on) and added to the new index; then, under the write lock, the adds made meanwhile are replayed and the index
swapped.
"""

from __future__ import annotations

import logging

import faiss
import numpy as np

from weavebind.storage import compression
from weavebind.storage import faiss_factory as ff
from weavebind.storage.float_file import FloatFile

log = logging.getLogger(__name__)
COMPACT_MIN_TOMBSTONES = 64
COMPACT_MIN_FRACTION = 0.10
GPU_COMPACT_TOMBSTONES = 1024  # flat remove_ids is cheap; compacting early keeps searches on the GPU
REBUILD_ROWS = 16384  # vectors read per chunk while rebuilding


class Compaction:
    """Mixed into VectorIndex, whose state (`_index`, `_floats`, `_tombstones`, locks, caches) it works on."""

    @property
    def needs_compaction(self) -> bool:
        tombstones = len(self._tombstones)
        stored = 0 if self._index is None else self._index.ntotal
        if self._gpu is not None and tombstones >= GPU_COMPACT_TOMBSTONES:
            return True  # the GPU path over-fetches k + tombstones, which FAISS caps at GPU_MAX_K
        return tombstones >= COMPACT_MIN_TOMBSTONES and tombstones > COMPACT_MIN_FRACTION * stored

    @property
    def needs_compression(self) -> bool:
        """A compressed config whose float32 index now holds enough live vectors to train on."""
        comp = self.config.compressed
        return comp is not None and self._index is not None and self._floats is None \
            and not self._compress_failed and self._live_count() >= comp.threshold()

    def compact(self) -> None:
        """Physically drop tombstoned vectors, and compress when due. Safe in a background thread while searches and
        writes run."""
        with self._compacting:
            if self.config.storage == "flat":
                self._compact_in_place()
            elif self._tombstones or self.needs_compression:
                self._rebuild()

    def _compact_in_place(self) -> None:
        with self._rw.write():
            if self._index is None or not self._tombstones:
                return
            self._index.remove_ids(ff.selector(self._tombs()))
            self._tombstones.clear()
            self._tombs_cache = self._ids_cache = self._rows_cache = None
            if self._gpu is not None:
                self._gpu.invalidate()

    def _rebuild(self) -> None:
        with self._rw.read():
            if self._index is None:
                return
            old, dropped, mark = self._index, self._tombs(), self._index.ntotal
            live = self._live_subset(self._ids())
            rows = self._rows().rows_of(live)
            compress = self._floats is not None or self.needs_compression
        try:
            fresh, floats = self._new_like(old, rows, compress)
        except (ValueError, RuntimeError) as exc:  # e.g. pq segments that do not divide the dimensions
            log.warning("cannot compress the vector index (%s): it stays uncompressed", exc)
            self._compress_failed = True
            if not dropped.size:
                return
            fresh, floats = self._new_like(old, rows, False)
        for start in range(0, rows.size, REBUILD_ROWS):
            chunk = rows[start:start + REBUILD_ROWS]
            with self._rw.read():
                vectors = self._row_vectors(chunk)
            _add(fresh, floats, vectors, live[start:start + REBUILD_ROWS])
        with self._rw.write():
            # Only this method replaces the index (under _compacting), so `old` is still current; adds made
            # during the rebuild are exactly its rows appended after `mark`.
            late = ff.stored_ids(old)[mark:]
            if late.size:
                _add(fresh, floats, self._row_vectors(np.arange(mark, old.ntotal)), late)
            self._index, self._floats = fresh, floats
            self._tombstones.difference_update(dropped.tolist())
            self._tombs_cache = self._ids_cache = self._rows_cache = None

    def _new_like(self, old: faiss.Index, rows: np.ndarray,
                  compress: bool) -> tuple[faiss.Index, FloatFile | None]:
        """An empty index to rebuild into: float32, or compressed (trained: codebooks kept from `old` when it is
        compressed already, else learnt from the first live vectors) with a new float file."""
        if not compress:
            return ff.new_index(self.config, self._dim), None
        if compression.is_compressed(old):
            fresh = compression.empty_like(old)
        else:
            c = self.config
            fresh = compression.new_index(c.compressed, c.distance, self._dim, c.max_connections, c.ef_construction)
            with self._rw.read():
                sample = self._row_vectors(rows[:compression.TRAINING_SAMPLE]) if not fresh.is_trained else None
            if sample is not None:
                compression.train(fresh, sample)
        return fresh, FloatFile(self._dim, self.config.float_dir)


def _add(index: faiss.Index, floats: FloatFile | None, vectors: np.ndarray, labels: np.ndarray) -> None:
    if floats is not None:
        floats.append(vectors)
    index.add_with_ids(vectors, labels)
