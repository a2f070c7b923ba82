"""The exact path's shortlist for a few rows of a large index, scored in place by FAISS (exact_subset._in_place):
it holds every row whose float64 distance is within the exact top k, ties at float32's rounding included, for
cosine and l2-squared; and the relative-bound candidate rule it uses for l2."""

from __future__ import annotations

import faiss
import numpy as np
import pytest

from weavebind.storage import exact_subset, prescore
from weavebind.storage.distances import distances, normalize

K = 10


def _index_and_rows(metric: str, scale: float, seed: int) -> tuple[faiss.Index, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    matrix = (scale * rng.standard_normal((32 * 400, 48))).astype(np.float32)
    rows = np.sort(rng.choice(matrix.shape[0], 400, replace=False))
    query = matrix[rows[3]].copy()
    # near-ties: copies of one allowed row, nudged by one float32 ulp in one component each
    near = matrix[rows[7]]
    for n, row in enumerate(rows[100:160]):
        matrix[row] = near
        matrix[row, n % 48] = np.nextafter(near[n % 48], np.float32(np.inf) if n % 2 else np.float32(-np.inf))
    if metric == "cosine":
        matrix = np.ascontiguousarray(normalize(matrix))  # the index stores unit vectors for cosine
    index = faiss.IndexFlatL2(48)
    index.add(matrix)
    return index, matrix, rows, query


@pytest.mark.parametrize("metric", ["cosine", "l2-squared"])
@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e4])
def test_the_shortlist_holds_every_exact_top_k_row(metric, scale):
    for seed in range(4):
        index, matrix, rows, query = _index_and_rows(metric, scale, seed)
        for q in (query, matrix[rows[120]], matrix[rows[7]] * np.float32(1.0001)):
            short = exact_subset.shortlist(index, metric, q, rows, K, matrix=matrix)
            assert short is not None
            exact = distances(metric, q, matrix[rows])
            kth = np.partition(exact, K - 1)[K - 1]
            assert set(rows[exact <= kth].tolist()) <= set(short.tolist())
            assert short.size < rows.size  # it does shortlist


@pytest.mark.parametrize("metric", ["cosine", "l2-squared"])
def test_rows_tied_in_exact_distance_are_all_kept_whatever_float32_makes_of_them(metric):
    """Permutations of one vector are all at the same distance from a query whose components are equal, but their
    float32 sums round differently (components of mixed magnitudes): a rule without the bound drops some."""
    rng = np.random.default_rng(11)
    base = (rng.standard_normal(48) * 10.0 ** rng.uniform(-2, 2, 48)).astype(np.float32)
    matrix = (1e3 * rng.standard_normal((32 * 200, 48))).astype(np.float32)  # everything else far away
    rows = np.sort(rng.choice(matrix.shape[0], 200, replace=False))
    for row in rows[:60]:
        matrix[row] = rng.permutation(base)
    if metric == "cosine":
        matrix = np.ascontiguousarray(normalize(matrix))
    index = faiss.IndexFlatL2(48)
    index.add(matrix)
    query = np.full(48, 0.5, dtype=np.float32)
    short = exact_subset.shortlist(index, metric, query, rows, K, matrix=matrix)
    exact = distances(metric, query, matrix[rows])
    kth = np.partition(exact, K - 1)[K - 1]
    assert short is not None and set(rows[exact <= kth].tolist()) <= set(short.tolist())


def test_a_matrix_faiss_cannot_read_in_place_is_copied_out_instead():
    index, matrix, rows, query = _index_and_rows("l2-squared", 1.0, 0)
    strided = np.asfortranarray(matrix)  # the same values, not one row-major block
    short = exact_subset.shortlist(index, "l2-squared", query, rows, K, matrix=strided)
    exact = distances("l2-squared", query, matrix[rows])
    kth = np.partition(exact, K - 1)[K - 1]
    assert short is not None and set(rows[exact <= kth].tolist()) <= set(short.tolist()) and short.size < rows.size


def test_candidates_within_ratio_keeps_what_the_bound_allows():
    approx = np.asarray([5.0, 1.0, 2.0, 2.0000002, 3.0, 0.0], dtype=np.float32)
    assert prescore.candidates_within_ratio(approx, 3, 1e-6).tolist() == [1, 2, 3, 5]
    assert prescore.candidates_within_ratio(approx, 3, 0.0).tolist() == [1, 2, 5]
    assert prescore.candidates_within_ratio(np.zeros(4, np.float32), 2, 1e-6).tolist() == [0, 1, 2, 3]
    assert prescore.candidates_within_ratio(approx, 6, 1e-6) is None  # no more rows than k: take all
    assert prescore.candidates_within_ratio(np.asarray([np.inf] * 4, np.float32), 2, 1e-6) is None
