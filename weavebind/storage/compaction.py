"""Compaction of a VectorIndex: tombstoned vectors are dropped for real once they are many (a part of
vector_index.py's VectorIndex, kept apart from searching and persistence). Flat indexes `remove_ids` in place;
HNSW, which cannot delete, is rebuilt from the live vectors outside the write lock, then the adds made meanwhile are
replayed and the index swapped under it."""

from __future__ import annotations

from weavebind.storage import faiss_factory as ff

COMPACT_MIN_TOMBSTONES = 64
COMPACT_MIN_FRACTION = 0.10
GPU_COMPACT_TOMBSTONES = 1024  # flat remove_ids is cheap; compacting early keeps searches on the GPU


class Compaction:
    """Mixed into VectorIndex, whose state (`_index`, `_tombstones`, its locks and caches) it works on."""

    @property
    def needs_compaction(self) -> bool:
        tombstones = len(self._tombstones)
        stored = 0 if self._index is None else self._index.ntotal
        if self._gpu is not None and tombstones >= GPU_COMPACT_TOMBSTONES:
            return True  # the GPU path over-fetches k + tombstones, which FAISS caps at GPU_MAX_K
        return tombstones >= COMPACT_MIN_TOMBSTONES and tombstones > COMPACT_MIN_FRACTION * stored

    def compact(self) -> None:
        """Physically drop tombstoned vectors. Safe to run in a background thread while searches and writes run."""
        with self._compacting:
            if self.config.storage == "flat":
                self._compact_in_place()
            else:
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
            if self._index is None or not self._tombstones:
                return
            old, dropped, mark = self._index, self._tombs(), self._index.ntotal
            live = self._live_subset(self._ids())
            vectors = old.reconstruct_batch(live) if live.size else None
        fresh = ff.new_index(self.config, self._dim)
        if vectors is not None:
            fresh.add_with_ids(vectors, live)  # stored vectors: already normalised for cosine
        with self._rw.write():
            # Only this method replaces the index (under _compacting), so `old` is still current; adds made
            # during the rebuild are exactly its rows appended after `mark`.
            late = ff.stored_ids(old)[mark:]
            if late.size:
                fresh.add_with_ids(ff.stored_rows(old, mark, old.ntotal), late)
            self._index = fresh
            self._generation += 1
            self._tombstones.difference_update(dropped.tolist())
            self._tombs_cache = self._ids_cache = self._rows_cache = None
