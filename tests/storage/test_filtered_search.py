"""Filtered vector search (VectorIndex.search with allowed labels): recall@10 against exact filtered search at 1 %,
10 %, 50 % and 90 % selectivity on HNSW, and the exact path below flatSearchCutoff (storage/exact_subset.py)
giving exactly what scoring every allowed vector in float64 gives, duplicates and ties included."""

from __future__ import annotations

import numpy as np
import pytest

from weavebind.storage.distances import distances
from weavebind.storage.vector_index import IndexConfig, VectorIndex

K = 10


def _exact(vectors: np.ndarray, labels: np.ndarray, allowed: np.ndarray, query: np.ndarray, metric: str) -> list:
    rows = np.searchsorted(labels, allowed)
    d = distances(metric, query, vectors[rows])
    order = np.lexsort((allowed, d))[:K]
    return list(zip(allowed[order].tolist(), d[order].tolist(), strict=True))


@pytest.fixture(scope="module")
def hnsw() -> tuple[VectorIndex, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(5)
    centres = rng.standard_normal((40, 32))
    vectors = (centres[rng.integers(0, 40, 20000)] + 0.6 * rng.standard_normal((20000, 32))).astype(np.float32)
    labels = np.arange(20000, dtype=np.int64) * 2 + 7  # sparse, like change numbers
    # flatSearchCutoff 0: every filter large enough goes through HNSW with the selector (the cutoff is tested below)
    index = VectorIndex(IndexConfig.from_weaviate("hnsw", {"distance": "cosine", "flatSearchCutoff": 0}), 32)
    index.add(labels, vectors)
    return index, vectors, labels


@pytest.mark.parametrize("share", [0.01, 0.1, 0.5, 0.9])
def test_filtered_hnsw_recall_is_at_least_095_at_every_selectivity(hnsw, share):
    index, vectors, labels = hnsw
    rng = np.random.default_rng(int(share * 100))
    allowed = np.sort(rng.choice(labels, int(labels.size * share), replace=False))
    queries = vectors[rng.integers(0, labels.size, 60)] + 0.3 * rng.standard_normal((60, 32)).astype(np.float32)
    hits = 0
    for query in queries:
        found, _ = index.search(query, K, allowed)
        assert np.isin(found, allowed).all()
        hits += len(set(found.tolist()) & {label for label, _ in _exact(vectors, labels, allowed, query, "cosine")})
    assert hits / (K * len(queries)) >= 0.95


@pytest.mark.parametrize("metric", ["cosine", "l2-squared", "dot", "manhattan"])
@pytest.mark.parametrize("kind", ["flat", "hnsw"])
@pytest.mark.parametrize("stride", [3, 100], ids=["dense-labels", "sparse-labels"])  # label → row: table or search
def test_exact_search_below_the_cutoff_equals_scoring_every_allowed_vector(metric, kind, stride):
    rng = np.random.default_rng(9)
    vectors = rng.standard_normal((3000, 16)).astype(np.float32)
    vectors[100:160] = vectors[5]  # 60 equal vectors: ties the shortlist must not cut arbitrarily
    labels = (3000 - np.arange(3000, dtype=np.int64)) * stride + 1  # row order is not label order (as after a rebuild)
    index = VectorIndex(IndexConfig.from_weaviate(kind, {"distance": metric}), 16)  # cutoff 40000: always exact
    index.add(labels, vectors)
    index.remove(labels[::7])  # tombstones are never returned
    live = np.setdiff1d(labels, labels[::7])
    stored = index.vectors_for(live)  # as the index scores them (cosine: unit vectors)
    ties = np.intersect1d(labels[95:165], live)  # the equal vectors and a few around them: ties in few rows
    for share in (0.02, 0.05, 0.5, 1.0, "ties"):  # 0.02 and the ties: few rows of the index, scored in numpy
        allowed = ties if share == "ties" else np.sort(rng.choice(live, int(live.size * share), replace=False))
        allowed = np.concatenate([allowed, [0, 2, labels.max() + 5]])  # labels never stored are ignored
        for query in [vectors[5], *rng.standard_normal((5, 16)).astype(np.float32)]:
            found, dists = index.search(query, K, allowed)
            want = _exact(stored, live, allowed[:-3], query, metric)
            assert list(zip(found.tolist(), dists.tolist(), strict=True)) == want


def test_pending_vectors_are_filtered_by_the_sorted_allowed_labels():
    from weavebind.storage.pending import PendingVectors

    rng = np.random.default_rng(4)
    pending = PendingVectors("l2-squared")
    labels = np.arange(600, dtype=np.int64) * 5 + 3
    vectors = rng.standard_normal((600, 8)).astype(np.float32)
    for start in range(0, 600, 100):  # several chunks, as writes arrive
        pending.put(labels[start:start + 100], vectors[start:start + 100])
    pending.discard(labels[::9].tolist())
    alive = np.setdiff1d(labels, labels[::9])
    for allowed in (np.sort(rng.choice(labels, 50, replace=False)), np.asarray([1, 2, 3], dtype=np.int64),
                    np.empty(0, dtype=np.int64), labels):
        query = rng.standard_normal(8).astype(np.float32)
        found, dists = pending.search(query, K, allowed)
        keep = np.intersect1d(alive, allowed)
        d = distances("l2-squared", query, vectors[np.searchsorted(labels, keep)])
        order = np.lexsort((keep, d))[:K]
        assert found.tolist() == keep[order].tolist() and np.allclose(dists, d[order])
