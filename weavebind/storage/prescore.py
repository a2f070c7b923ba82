"""Float32 scores that pick the candidates of an exact scan (the pending buffer's: storage/pending.py).

Weaviate's distances are computed exactly in float64 (storage/distances.py), so that a vector scores the same bits
before and after the indexer moves it into FAISS. Doing that for every pending row costs a float64 copy of the
buffer per query (5 ms for 18,000 × 128-d); one float32 product costs 0.3 ms. So the float32 scores pick every
row that can be in the exact top k — all within twice their error bound of the k-th best — and only those are
scored exactly. The bound is worst-case (sequential float32 summation), so the result equals the exhaustive
scan's, ties included."""

from __future__ import annotations

import numpy as np

UNIT_ROUNDOFF = 2.0 ** -24  # float32
FAST_METRICS = ("cosine", "dot", "l2-squared")


def query_form(metric: str, query: np.ndarray) -> np.ndarray:
    """The float32 query the rows are scored against: unit length for cosine (the rows are unit vectors)."""
    q = np.asarray(query, dtype=np.float32)
    if metric == "cosine":
        norm = float(np.linalg.norm(q.astype(np.float64)))
        return (q / norm).astype(np.float32) if norm > 0 else np.zeros_like(q)
    return q


def scores(metric: str, query: np.ndarray, rows: np.ndarray, sq_norms: np.ndarray | None) -> np.ndarray:
    """Approximate Weaviate distances (float32) of `rows` to `query` (from query_form); `sq_norms` are the rows'
    squared lengths, needed for l2-squared only."""
    dots = rows @ query
    if metric == "cosine":
        return 1.0 - dots
    if metric == "dot":
        return -dots
    return sq_norms - 2.0 * dots + float(query @ query)


def error_bound(metric: str, dim: int, max_row_norm: float, q_norm: float) -> float:
    """An upper bound of |approximate - exact| for any row (dim terms summed in float32, plus the rounding of the
    normalisations and of the exact distance's float32 result); `q_norm`: the query_form's length."""
    dot_error = (dim + 8) * UNIT_ROUNDOFF
    if metric == "cosine":
        return 2.0 * dot_error + 1e-7  # unit vectors: |u·q| ≤ 1
    if metric == "dot":
        return 2.0 * dot_error * max_row_norm * q_norm + 1e-30
    return 4.0 * dot_error * (max_row_norm + q_norm) ** 2 + 1e-30


def candidates(approx: np.ndarray, k: int, bound: float) -> np.ndarray | None:
    """Positions whose exact distance may be among the k smallest: every approximate score within twice the bound
    of the k-th smallest (an exact k-th best lies within one bound of it, a row that beats it within another).
    None: take every row (no more rows than k, or scores that are not finite, e.g. of infinite components)."""
    if approx.size <= k:
        return None
    kth = np.partition(approx, k - 1)[k - 1]
    if not np.isfinite(kth) or not np.isfinite(bound):
        return None
    return np.flatnonzero(approx <= kth + 2.0 * bound)


def relative_error(dim: int) -> float:
    """A bound of |approximate - exact| / exact for a squared l2 distance summed in float32 from squared differences
    of float32 components (all terms positive, so no cancellation: each term and the sum stay within a relative
    rounding), plus the rounding of the exact distance's float32 result."""
    return (dim + 8) * UNIT_ROUNDOFF


def candidates_within_ratio(approx: np.ndarray, k: int, relative: float) -> np.ndarray | None:
    """Positions whose exact distance may be among the k smallest, for scores within `relative` of exact ones:
    the exact k-th best is at most kth / (1 - r), and a row that beats it scores at most that times (1 + r). The
    small absolute slack covers underflow to subnormals. None as in `candidates`."""
    if approx.size <= k:
        return None
    kth = float(np.partition(approx, k - 1)[k - 1])
    if not np.isfinite(kth) or relative >= 0.5:
        return None
    return np.flatnonzero(approx <= kth * (1.0 + relative) / (1.0 - relative) + 1e-30)
