"""Weaviate's vector distance metrics, in numpy.

These are the definitions every search path is re-scored with, so that an exact (brute-force) search and a FAISS
search report the same numbers, and those numbers are Weaviate's (spec section 1.8):

* ``cosine``: ``1 - dot(a/|a|, b/|b|)`` clamped to [0, 2]; a zero vector normalises to zero (distance 1).
* ``dot``: ``-dot(a, b)``.
* ``l2-squared``: ``sum((a - b)^2)``.
* ``manhattan``: ``sum(|a - b|)``.
* ``hamming``: the number of components that differ.

Arithmetic is done in float64 and the result returned as float32 (Weaviate's wire type): float32 accumulation over
hundreds of dimensions would otherwise make parallel vectors such as ``[0.7, 0.3]`` and ``[1.4, 0.6]`` land visibly
above distance 0.
"""

from __future__ import annotations

import numpy as np

METRICS = ("cosine", "dot", "l2-squared", "manhattan", "hamming")


def check_metric(metric: str) -> None:
    """Raise ValueError naming the allowed values when ``metric`` is not one of Weaviate's."""
    if metric not in METRICS:
        raise ValueError(f"unknown distance metric {metric!r}: allowed values are {', '.join(METRICS)}")


def normalize(vectors: np.ndarray) -> np.ndarray:
    """Scale each row (or a single 1-D vector) to unit length; a zero vector stays zero. Returns float32."""
    v = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(v, axis=-1, keepdims=True)
    out = np.divide(v, norms, out=np.zeros_like(v), where=norms > 0)
    return out.astype(np.float32)


def _unit64(v: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(v, axis=-1, keepdims=True)
    return np.divide(v, norms, out=np.zeros_like(v), where=norms > 0)


def _norms(v: np.ndarray) -> np.ndarray:
    # np.linalg.norm(v, axis=-1, keepdims=True) computes exactly this; calling it costs more than the arithmetic
    # on a search's handful of rows.
    return np.sqrt(np.add.reduce(v * v, axis=-1, keepdims=True))


def _cosine(q64: np.ndarray, v64: np.ndarray) -> np.ndarray:
    q_norm, v_norms = _norms(q64), _norms(v64)
    if q_norm[0] > 0 and (v_norms > 0).all():
        similarity = (v64 / v_norms) @ (q64 / q_norm)
    else:  # a zero vector normalises to zero
        similarity = _unit64(v64) @ _unit64(q64)
    return np.minimum(np.maximum(1.0 - similarity, 0.0), 2.0)


def distances(metric: str, query: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Weaviate distance between ``query`` (d,) and every row of ``vectors`` (n, d), as float32 (n,)."""
    check_metric(metric)
    q = np.asarray(query)
    v = np.asarray(vectors)
    if q.ndim != 1 or v.ndim != 2 or v.shape[1] != q.shape[0]:
        raise ValueError(f"expected a query of shape (d,) and vectors of shape (n, d), got {q.shape} and {v.shape}")
    if metric == "hamming":
        # Exact component equality, as Weaviate compares float32 values: no widening needed.
        return np.count_nonzero(v.astype(np.float32) != q.astype(np.float32), axis=1).astype(np.float32)
    q64 = q.astype(np.float64)
    v64 = v.astype(np.float64)
    if metric == "cosine":
        out = _cosine(q64, v64)
    elif metric == "dot":
        out = 0.0 - (v64 @ q64)  # not -(...): a zero product must read 0, not -0, on the wire
    elif metric == "l2-squared":
        diff = v64 - q64
        out = np.einsum("ij,ij->i", diff, diff)
    else:  # manhattan
        out = np.abs(v64 - q64).sum(axis=1)
    return out.astype(np.float32)


def certainty_from_distance(d):
    """Weaviate's certainty for a (cosine) distance: ``1 - d/2``. Works on scalars and arrays."""
    return 1 - d / 2


def distance_from_certainty(c):
    """Inverse of :func:`certainty_from_distance`: ``(1 - c) * 2``."""
    return (1 - c) * 2
