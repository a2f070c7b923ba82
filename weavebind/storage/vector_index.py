"""One FAISS index for one (class, target vector): derived state, rebuilt from SQL whenever it cannot be loaded.

Contract
    * Labels are int64, unique and never reused: an updated object gets a new label and its old one is removed.
      Adding a label that is (or was) in the index raises ``ValueError``.
    * ``remove`` tombstones a label: it is invisible to the very next search; the vector stays in FAISS until
      ``compact`` drops it (flat: ``remove_ids``; HNSW: rebuild from the live vectors, as FAISS HNSW cannot delete).
    * ``search`` returns Weaviate distances (:mod:`.distances`), ascending, ties broken by label. Every candidate
      FAISS returns is re-scored with :mod:`.distances`, so exact and approximate paths report identical numbers.
    * Filtered search (``allowed``): when at most ``flat_search_cutoff`` allowed labels are live, brute force over
      exactly those vectors (Weaviate's flat-search cutoff). Above it, FAISS with an ``IDSelector``: exact on flat;
      on HNSW with ef scaled by the filter's selectivity, or exact scoring when that is cheaper (``_filtered_ef``).
      Whenever HNSW returns fewer than k results although more exist, the exact path answers instead.
    * Stored vectors: cosine vectors are stored unit-normalised, so ``vectors_for`` returns them normalised; the
      other metrics store and return the raw vectors. The raw cosine vector lives in SQL.
    * ``hamming`` (and ``hnsw`` with hamming) is stored flat and always scored exactly in numpy; see faiss_factory.
    * Compression (``config.compressed``: pq, sq, bq, rq; compression.py): the index starts float32 and is rebuilt
      over codes by ``compact`` once ``needs_compression``; from then on its float32 vectors are in a float file
      (float_file.py, row i = internal row i) that every exact path and the rescoring of FAISS's candidates read.

Thresholds
    * Dynamic ef (``ef == -1``): ``clamp(k * dynamicEfFactor, dynamicEfMin, dynamicEfMax)``; any ef is raised to k.
    * ``needs_compaction``: at least 64 tombstones and more than 10% of the stored vectors tombstoned; with a GPU
      mirror, 1,024 tombstones (so k + tombstones stays under FAISS's GPU k limit of 2,048).

Concurrency
    A readers-writer lock: searches, ``save`` and reads share it; ``add``/``remove`` and index swaps are exclusive
    (FAISS searches are thread-safe with each other, never with ``add``). An HNSW rebuild runs outside the lock on a
    snapshot, then replays the adds made meanwhile and swaps under the write lock, so searches never see a half-built
    index and are blocked only for the replay.

GPU
    With ``use_gpu`` and a GPU visible to FAISS, unfiltered searches on flat indexes go through a lazily made GPU copy
    (``faiss.index_cpu_to_gpu``); the CPU index stays the updated and persisted source of truth and the copy is
    re-made after writes. Filtered searches, k + tombstones > 2048, and HNSW stay on the CPU.

Persistence (snapshots.py, snapshot_files.py): a base file streamed from FAISS plus an append-only delta log of the
rows added and labels tombstoned since, written atomically with checksums; merged into a new base when it grows. A
compressed index's float32 vectors follow its codes in the base, and the delta logs them (index_files.py: wrapping
an index read elsewhere).
"""

from __future__ import annotations

import logging
import threading
import time

import numpy as np

from weavebind.storage import faiss_factory as ff
from weavebind.storage.compaction import Compaction
from weavebind.storage.distances import normalize
from weavebind.storage.faiss_factory import IndexConfig
from weavebind.storage.float_file import FloatFile
from weavebind.storage.growable import Growable
from weavebind.storage.hugepages import back_with_huge_pages
from weavebind.storage.index_files import Persistence
from weavebind.storage.index_search import IndexSearch, empty_result
from weavebind.storage.row_lookup import RowLookup
from weavebind.storage.rwlock import RWLock
from weavebind.storage.selections import SelectionCache
from weavebind.storage.snapshots import Snapshots
from weavebind.storage.sorted_sets import isin_sorted

__all__ = ["DimensionMismatchError", "IndexConfig", "VectorIndex"]

log = logging.getLogger(__name__)


class DimensionMismatchError(ValueError):
    """A vector's length differs from the length of the vectors already in the index."""


class VectorIndex(IndexSearch, Compaction, Snapshots, Persistence):
    """See the module docstring for the contract, thresholds, locking and file format."""

    def __init__(self, config: IndexConfig, dim: int | None = None) -> None:
        self.config = config
        self._rw = RWLock(on_write_release=self._apply_deferred_removals)
        self._deferred_removals: list[np.ndarray] = []  # removals made while a writer held the index
        self._compacting = threading.Lock()
        self._saving = threading.Lock()  # one snapshot of this index at a time (snapshots.py)
        self._saved = None  # what the snapshot files hold of this index (snapshots.Saved)
        self._replay = None  # rows of the delta log found by load, for the pending buffer (snapshots.py)
        self._generation = 0  # bumped whenever rows move (compaction): the files must be rewritten whole
        use_gpu = config.use_gpu and config.storage == "flat" and config.distance in ff.FAISS_METRIC
        self._gpu = ff.GpuMirror() if use_gpu and ff.gpu_count() > 0 else None
        self._index = None
        self._dim: int | None = None
        self._tombstones: set[int] = set()
        self._tombs_cache: np.ndarray | None = None  # sorted tombstones
        self._ids_cache: Growable | None = None  # sorted stored labels, live and tombstoned (growable.py)
        self._sel_cache = None  # (tombstone array it was built from, selector hiding them)
        # (sorted stored labels, their internal rows, labels in row order)
        self._rows_cache: RowLookup | None = None  # labels → internal rows (row_lookup.py)
        self._selections = SelectionCache()  # filters' labels resolved to rows (selections.py)
        self._huge: list[tuple[int, int]] = []  # buffers last backed with huge pages (hugepages.py)
        self._floats: FloatFile | None = None  # a compressed index's float32 vectors, by internal row
        self._compress_failed = False  # compression was refused for these vectors (compaction.py): stay float32
        if dim is not None:
            self._create(dim)

    def _create(self, dim: int) -> None:
        if dim <= 0:
            raise ValueError(f"vector length must be positive, got {dim}")
        self._index = ff.new_index(self.config, dim)  # compressed later, by the indexer (compaction.py)
        self._dim = dim

    def _matrix(self) -> np.ndarray | None:
        """The stored float vectors by internal row, without a copy (the float file of a compressed index, else
        FAISS's own buffer), or None where FAISS holds them otherwise."""
        return self._floats.matrix() if self._floats is not None else ff.stored_matrix(self._index)

    def _row_vectors(self, rows: np.ndarray) -> np.ndarray:
        """Stored float vectors of internal rows (a copy)."""
        matrix = self._matrix()
        if matrix is not None:
            return np.ascontiguousarray(matrix[rows], dtype=np.float32)
        return self._index.reconstruct_batch(self._rows().row_ids[rows])

    @property
    def compressed(self) -> bool:
        """Whether the index holds compressed codes now (a compressed config starts float32: compaction.py)."""
        return self._floats is not None

    def use_huge_pages(self) -> int:
        """Back the index's memory with huge pages where it moved or grew since the last call (the indexer calls
        this when it goes idle). Returns the bytes advised."""
        with self._rw.read():  # the buffers cannot be freed meanwhile; searches go on
            if self._index is None or self._gpu is not None:
                return 0
            buffers = ff.memory_buffers(self._index)
            if all(any(a == b and size <= done for b, done in self._huge) for a, size in buffers):
                return 0
            self._huge = [(a, 2 * size) for a, size in buffers]  # what hugepages.py covers: up to twice the size
            return back_with_huge_pages(buffers)

    @property
    def dim(self) -> int | None:
        return self._dim

    def check_dim(self, dim: int) -> None:
        if self._dim is not None and dim != self._dim:
            raise DimensionMismatchError(
                f"new node has a vector with length {dim}. Existing nodes have vectors with length {self._dim}")

    # -- caches (computed under either lock; writers invalidate them) --------------------------------------------
    def _ids(self) -> np.ndarray:
        if self._ids_cache is None:
            ids = ff.stored_ids(self._index) if self._index is not None else np.empty(0, dtype=np.int64)
            self._ids_cache = Growable(np.sort(ids))
        return self._ids_cache.view()

    def _tombs(self) -> np.ndarray:
        if self._tombs_cache is None:
            self._tombs_cache = np.sort(np.fromiter(self._tombstones, dtype=np.int64, count=len(self._tombstones)))
        return self._tombs_cache

    def _tomb_selector(self):
        """Cached: building a selector over many tombstones on every search would cost more than the search."""
        tombs = self._tombs()
        if not tombs.size:
            return None
        cached = self._sel_cache  # concurrent searches may both rebuild it; either result is right
        if cached is None or cached[0] is not tombs:
            cached = self._sel_cache = (tombs, ff.excluding(tombs))  # an IDSelector is safe to share
        return cached[1]

    def _live_count(self) -> int:
        return 0 if self._index is None else self._index.ntotal - len(self._tombstones)

    def _live_subset(self, labels) -> np.ndarray:
        """Sorted unique labels among ``labels`` that are stored and not tombstoned."""
        a = np.asarray(labels, dtype=np.int64).reshape(-1)
        if a.size > 1 and not (a[1:] > a[:-1]).all():  # a filter's labels come sorted: no need to sort again
            a = np.unique(a)
        a = a[isin_sorted(a, self._ids())]
        return a[~isin_sorted(a, self._tombs())]

    # -- writes ---------------------------------------------------------------------------------------------------
    def add(self, labels: np.ndarray, vectors: np.ndarray) -> float:
        """Add vectors under new labels; returns the seconds searches were held off (the write lock's hold, not
        the wait for it: the indexer sizes its chunks by it)."""
        labels = np.ascontiguousarray(labels, dtype=np.int64).reshape(-1)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != labels.size:
            raise ValueError(f"expected {labels.size} vectors of shape (n, d), got shape {vectors.shape}")
        if labels.size == 0:
            return 0.0
        self.check_dim(vectors.shape[1])
        if not np.isfinite(vectors).all():
            raise ValueError("vectors must not contain NaN or infinite values")
        if self.config.distance == "cosine":
            vectors = normalize(vectors)
        with self._rw.write():
            held_from = time.perf_counter()
            if self._index is None:
                self._create(vectors.shape[1])
            self.check_dim(vectors.shape[1])  # another thread may have created the index meanwhile
            new = np.sort(labels)
            ids = self._ids()
            if np.any(new[1:] == new[:-1]) or isin_sorted(new, ids).any():
                raise ValueError("labels must be unique and never reused")
            if self._floats is not None:
                self._floats.append(vectors)  # first, so row i of the file is FAISS's internal row i
            self._index.add_with_ids(vectors, labels)
            if not ids.size or new[0] > ids[-1]:  # labels are change numbers: an index grows at its end
                self._ids_cache = self._ids_cache.extended(ids.size, new)
            else:
                self._ids_cache = Growable(np.sort(np.concatenate([ids, new]), kind="stable"))  # two sorted runs
            if self._rows_cache is not None:
                self._rows_cache = self._rows_cache.appended(labels)
            if self._gpu is not None:
                self._gpu.invalidate()
            return time.perf_counter() - held_from

    @property
    def being_saved(self) -> bool:
        """Whether a snapshot is streaming this index to a file: an add would wait for it, holding off searches."""
        return self._rw.long_read_held

    def remove(self, labels) -> None:
        """Tombstone stored labels (others are ignored). Never waits for an add or a compaction in progress: the
        labels are then put aside and tombstoned as that writer lets go, before any search can run (a delete
        would otherwise wait, holding the index manager's lock, for the indexer's whole chunk)."""
        labels = np.asarray(labels, dtype=np.int64).reshape(-1)
        with self._rw.write_or_defer(lambda: self._deferred_removals.append(labels)) as exclusive:
            if exclusive:
                self._tombstone(labels)

    def _tombstone(self, labels: np.ndarray) -> None:
        known = np.unique(labels)
        known = known[isin_sorted(known, self._ids())]
        if known.size:
            self._tombstones.update(known.tolist())
            self._tombs_cache = None

    def _apply_deferred_removals(self) -> None:
        if self._deferred_removals:
            deferred, self._deferred_removals = self._deferred_removals, []
            self._tombstone(np.concatenate(deferred))

    # -- reads ----------------------------------------------------------------------------------------------------
    def search(self, query: np.ndarray, k: int,
               allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        q = np.ascontiguousarray(query, dtype=np.float32).reshape(-1)
        with self._rw.read():
            if self._index is None or k <= 0:
                return empty_result()
            if q.size != self._dim:
                raise DimensionMismatchError(f"vector lengths don't match: {q.size} vs {self._dim}")
            if self._live_count() == 0:
                return empty_result()
            # more than the live vectors cannot come back; a larger k would only size FAISS's result buffers
            # (and efSearch, a C int) after a number the caller chose
            k = min(k, self._live_count())
            chosen = None if allowed is None else self._selection(allowed)
            if chosen is not None and self._filtered_ef(k, chosen.live.size) is None:
                return self._rank(q, chosen.live, k, chosen.rows, chosen.selector)
            if self.config.distance not in ff.FAISS_METRIC:
                return self._scan(q, k)
            found = self._faiss_labels(q, k, chosen)
            if found.size < min(k, self._live_count() if chosen is None else chosen.live.size):
                # HNSW ran out of reachable qualifying nodes: answer exactly rather than short
                return self._scan(q, k) if chosen is None else \
                    self._rank(q, chosen.live, k, chosen.rows, chosen.selector)
            return self._rank(q, found, k)

    def __len__(self) -> int:
        with self._rw.read():
            return self._live_count()

    def labels(self) -> np.ndarray:
        """All live labels, sorted."""
        with self._rw.read():
            ids = self._ids()
            return ids[~isin_sorted(ids, self._tombs())]

    def vectors_for(self, labels) -> np.ndarray:
        """Stored vectors of live labels, in the given order (cosine: unit-normalised). KeyError if one is not live."""
        labels = np.ascontiguousarray(labels, dtype=np.int64).reshape(-1)
        with self._rw.read():
            missing = labels[~isin_sorted(labels, self._live_subset(labels))]
            if missing.size:
                raise KeyError(f"no live vector for labels {missing[:5].tolist()}")
            if labels.size == 0:
                return np.empty((0, self._dim or 0), dtype=np.float32)
            return self._row_vectors(self._rows().rows_of(labels))
