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
            self._generation += 1  # rows moved: the next snapshot writes a new base (snapshots.py)
            self._tombstones.clear()
            self._tombs_cache = self._ids_cache = self._rows_cache = None
            if self._gpu is not None:
                self._gpu.invalidate()

    def _rebuild(self) -> None:
        with self._rw.read():
            if self._index is None:
                return
            old = self._index
            compress = self._floats is not None or self.needs_compression
        if compress and not compression.is_compressed(old):
            try:
                self._compress_in_place_of(old)
                return
            except (ValueError, RuntimeError) as exc:  # e.g. pq segments that do not divide the dimensions
                log.warning("cannot compress the vector index (%s): it stays uncompressed", exc)
                self._compress_failed = True
                if not self._tombstones:
                    return
                compress = False
        with self._rw.read():
            dropped, mark = self._tombs(), old.ntotal
            live = self._live_subset(self._ids())
            rows = self._rows().rows_of(live)
        if compress and compression.links_by_codes(old):
            fresh, floats = self._relinked(old, live, rows)
        else:
            fresh, floats = self._new_like(old, rows, compress), (FloatFile(self._dim, self.config.float_dir)
                                                                  if compress else None)
            self._copy_rows(rows, live, lambda vectors, labels: _add(fresh, floats, vectors, labels))
        self._swap(old, mark, fresh, floats, dropped)

    def _compress_in_place_of(self, old: faiss.Index) -> None:
        """First compression: the codes of every stored row (tombstones stay tombstones) under the float32 index's
        own graph, which was linked with exact distances; no graph is built again."""
        with self._rw.read():
            mark = old.ntotal
            labels = ff.stored_ids(old)[:mark]
            live_rows = self._rows().rows_of(self._live_subset(self._ids()))
        fresh = self._new_like(old, live_rows, True)
        floats = FloatFile(self._dim, self.config.float_dir)
        rows = np.arange(mark)

        def store(vectors: np.ndarray, _labels: np.ndarray) -> None:
            floats.append(vectors)
            compression.encode(fresh, vectors)
        self._copy_rows(rows, labels, store)
        with self._rw.read():  # only this thread adds, but the graph is read under the lock all the same
            fresh = compression.with_graph(fresh, old, labels)
        self._swap(old, mark, fresh, floats, np.empty(0, dtype=np.int64))

    def _relinked(self, old: faiss.Index, live: np.ndarray, rows: np.ndarray) -> tuple[faiss.Index, FloatFile]:
        """A compressed rebuild for codes that link a poor graph: the graph is linked over 8-bit codes, then the
        target codes are moved under it."""
        fresh = self._new_like(old, rows, True)
        floats = FloatFile(self._dim, self.config.float_dir)
        c = self.config
        with self._rw.read():
            sample = self._row_vectors(rows[:compression.TRAINING_SAMPLE])
        builder = compression.graph_builder(self._dim, c.distance, c.max_connections, c.ef_construction, sample)

        def store(vectors: np.ndarray, labels: np.ndarray) -> None:
            floats.append(vectors)
            compression.encode(fresh, vectors)
            builder.add_with_ids(vectors, labels)
        self._copy_rows(rows, live, store)
        return compression.with_graph(fresh, builder, live), floats

    def _copy_rows(self, rows: np.ndarray, labels: np.ndarray, sink) -> None:
        """Hand the stored vectors of `rows` (and their labels) to `sink` chunk by chunk, each read under the read
        lock so searches go on between chunks."""
        for start in range(0, rows.size, REBUILD_ROWS):
            with self._rw.read():
                vectors = self._row_vectors(rows[start:start + REBUILD_ROWS])
            sink(vectors, labels[start:start + REBUILD_ROWS])

    def _swap(self, old: faiss.Index, mark: int, fresh: faiss.Index, floats: FloatFile | None,
              dropped: np.ndarray) -> None:
        with self._rw.write():
            # Only the rebuild replaces the index (under _compacting), so `old` is still current; adds made
            # during the rebuild are exactly its rows appended after `mark`.
            late = ff.stored_ids(old)[mark:]
            if late.size:
                _add(fresh, floats, self._row_vectors(np.arange(mark, old.ntotal)), late)
            self._index, self._floats = fresh, floats
            self._generation += 1  # rows moved or became codes: the next snapshot is a new base (snapshots.py)
            self._tombstones.difference_update(dropped.tolist())
            self._tombs_cache = self._ids_cache = self._rows_cache = None

    def _new_like(self, old: faiss.Index, rows: np.ndarray, compress: bool) -> faiss.Index:
        """An empty index to rebuild into: float32, or compressed and trained (codebooks kept from `old` when it
        is compressed already, else learnt from the first live vectors)."""
        if not compress:
            return ff.new_index(self.config, self._dim)
        if compression.is_compressed(old):
            return compression.empty_like(old)
        c = self.config
        fresh = compression.new_index(c.compressed, c.distance, self._dim, c.max_connections, c.ef_construction)
        if not fresh.is_trained:
            with self._rw.read():
                sample = self._row_vectors(rows[:compression.TRAINING_SAMPLE])
            compression.train(fresh, sample)
        return fresh


def _add(index: faiss.Index, floats: FloatFile | None, vectors: np.ndarray, labels: np.ndarray) -> None:
    if floats is not None:
        floats.append(vectors)
    index.add_with_ids(vectors, labels)
