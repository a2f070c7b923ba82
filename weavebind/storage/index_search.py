"""VectorIndex's search paths (a mixin: the state is vector_index.py's): a filter's labels resolved to live rows,
efSearch for a filtered HNSW walk, exact ranking of a set of labels, FAISS's own search, and the exhaustive scan.
vector_index.py's docstring states the contract they keep; the module-level helpers are shared with it."""

from __future__ import annotations

import faiss
import numpy as np

from weavebind.storage import exact_subset
from weavebind.storage import faiss_factory as ff
from weavebind.storage.distances import distances, normalize
from weavebind.storage.row_lookup import RowLookup
from weavebind.storage.selections import Selection
from weavebind.storage.sorted_sets import isin_sorted, positions_in_sorted

_CORES = faiss.omp_get_max_threads()  # read at import, before any thread lowers its own team size
_SCAN_ROWS = 16384  # rows per chunk of exact scoring: bounds the float64 scratch memory


def _top_k(labels: np.ndarray, dists: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k smallest distances, ties broken by label so every search path agrees on the order."""
    if dists.size > k:
        keep = dists <= np.partition(dists, k - 1)[k - 1]
        labels, dists = labels[keep], dists[keep]
    order = np.lexsort((labels, dists))[:k]
    return labels[order].astype(np.int64), dists[order].astype(np.float32)


def empty_result() -> tuple[np.ndarray, np.ndarray]:
    return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)


class IndexSearch:
    """The read paths of VectorIndex; callers hold its read lock."""

    def _filtered_ef(self, k: int, n_allowed: int) -> int | None:
        """efSearch for FAISS restricted to ``n_allowed`` live labels, or None when exact scoring of them is the way.

        Exact below ``flat_search_cutoff`` (Weaviate's rule) and for hamming. On HNSW, a filter that keeps a fraction
        s of the nodes leaves about s of the ef nodes a search reaches qualifying, so ef is divided by s to keep
        unfiltered recall; when that search would cost more distance computations (about ef * maxConnections) than
        scoring the allowed vectors directly, exact scoring is both cheaper and exact.
        """
        c = self.config
        if n_allowed <= c.flat_search_cutoff or c.distance not in ff.FAISS_METRIC:
            return None
        if c.storage != "hnsw":
            return c.search_ef(k)  # flat + IDSelector is exact already
        ef = -(-c.search_ef(k) * self._live_count() // n_allowed)
        return None if ef * c.max_connections >= n_allowed else ef

    def _rows(self) -> RowLookup:
        cached = self._rows_cache
        if cached is None:
            cached = self._rows_cache = RowLookup.of(ff.stored_ids(self._index))
        return cached

    def _selection(self, labels) -> Selection:
        """``_live_subset`` of a filter's labels and their internal rows (selections.py: remembered while neither
        the labels nor the index change)."""
        lookup, tombs = self._rows(), self._tombs()
        # only a read-only array can be the same set next time (selections.py); others are made for one query
        given = labels if isinstance(labels, np.ndarray) and not labels.flags.writeable else None
        if given is not None and (found := self._selections.get(given, lookup, tombs)) is not None:
            return found
        a = np.asarray(labels, dtype=np.int64).reshape(-1)
        if a.size > 1 and not (a[1:] > a[:-1]).all():
            a = np.unique(a)
        a, rows = lookup.stored(a)
        dead = positions_in_sorted(a, tombs)
        if dead.size:
            live = np.ones(a.size, dtype=bool)
            live[dead] = False
            a, rows = a[live], rows[live]
        made = Selection(a if given is None else given, lookup, tombs, a, rows)
        if given is not None:
            self._selections.put(made)
        return made

    def _rank(self, q: np.ndarray, labels: np.ndarray, k: int, rows: np.ndarray | None = None,
              selector=None) -> tuple[np.ndarray, np.ndarray]:
        """Exact top-k among ``labels`` (live; ``rows``: their internal rows, when known), re-scored with Weaviate's
        definitions. Where the vectors are plain floats they are read from FAISS's own buffer (reconstruct_batch
        copies them one by one: ~2 µs each); a compressed index's come from its float file."""
        rows = self._rows().rows_of(labels) if rows is None else rows
        matrix = self._matrix()
        short = exact_subset.shortlist(self._index, self.config.distance, q, rows, k, selector, matrix)
        if short is not None:
            labels, rows = self._rows().row_ids[short], short
        best = empty_result()
        for start in range(0, labels.size, _SCAN_ROWS):
            chunk = labels[start:start + _SCAN_ROWS]
            vectors = matrix[rows[start:start + _SCAN_ROWS]] if matrix is not None \
                else self._index.reconstruct_batch(chunk)
            d = distances(self.config.distance, q, vectors)
            best = _top_k(np.concatenate([best[0], chunk]), np.concatenate([best[1], d]), k)
        return best

    def _faiss_labels(self, q: np.ndarray, k: int, chosen: Selection | None) -> np.ndarray:
        fq = (normalize(q) if self.config.distance == "cosine" else q).reshape(1, -1)
        if chosen is None and self._gpu is not None:
            found = self._gpu.search_live(self._index, fq, k, self._tombs())
            if found is not None:
                return found
        ef = self.config.search_ef(k) if chosen is None else self._filtered_ef(k, chosen.live.size)
        if self._floats is not None:
            # compressed: FAISS ranks candidates by their codes; _rank rescores them with the float32 vectors
            comp = self.config.compressed
            k = comp.rescore_count(k, ef) if comp is not None else max(k, ef)
            ef = max(ef, k)
        ef = min(ef, max(k, self._index.ntotal))  # a larger efSearch visits nothing more, it only costs memory
        k = min(k, self._index.ntotal)
        # OpenMP team size is per calling thread. One query on HNSW gains nothing from a team, and IndexIDMap's
        # label-mapping loop would start one per query (about 1 ms on 2 cores); flat scans do use every core.
        ff.use_threads(1 if self.config.storage == "hnsw" else _CORES)
        if chosen is not None:
            # The allowed labels as a bitmap of internal rows, searched on the inner index: cheaper to build than a
            # hash set of labels, and no label translation per visited node.
            params = ff.search_params(self.config.storage, chosen.selector(), ef)
            _, rows = self._index.index.search(fq, k, params=params)
            return self._rows().row_ids[rows[0][rows[0] >= 0]]
        params = ff.search_params(self.config.storage, self._tomb_selector(), ef)
        _, ids = self._index.search(fq, k, params=params)
        return ids[0][ids[0] >= 0]

    def _scan(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Exact search over all live stored rows, chunk by chunk (unfiltered hamming, HNSW's last resort)."""
        ids, tombs = ff.stored_ids(self._index), self._tombs()
        best = empty_result()
        for start in range(0, ids.size, _SCAN_ROWS):
            chunk = ids[start:start + _SCAN_ROWS]
            keep = ~isin_sorted(chunk, tombs)
            if keep.any():
                rows = self._row_vectors(np.arange(start, start + chunk.size)[keep])
                d = distances(self.config.distance, q, rows)
                best = _top_k(np.concatenate([best[0], chunk[keep]]), np.concatenate([best[1], d]), k)
        return best
