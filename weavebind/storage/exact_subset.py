"""The exact search over a filter's allowed vectors (below flatSearchCutoff), made cheap: FAISS scores only the
allowed rows of its own float storage in place (a bitmap selector over internal rows: no copy of the vectors, no
float64 pass over all of them, one SIMD thread), and hands back a shortlist that `VectorIndex._rank` re-scores in
float64 with Weaviate's definitions, so the distances and their order are those of scoring every allowed vector.

A small share of a large index (at most 1/GATHER_SHARE of its rows) is instead copied out and scored with one
float32 product, keeping every row within float32's error bound of the k-th (prescore.py): the selector would test
every row of the index, which at a million rows costs more than scoring a few thousand.

The shortlist holds 2k + 16 rows. float32 and float64 scores can only order differently inside float32's rounding,
so when the last shortlisted score is within that rounding of the k-th (many equal vectors), None asks the caller to
score everything instead.
"""

from __future__ import annotations

from collections.abc import Callable

import faiss
import numpy as np

from weavebind.storage import faiss_factory as ff
from weavebind.storage import prescore
from weavebind.storage.distances import normalize

_SLACK = 16
GATHER_SHARE = 32  # rows at most 1/32 of the index are copied out and scored in numpy (`_gathered`)
_RTOL = 1e-5  # well above float32's relative rounding over a dot product of a few thousand terms


def row_selector(ntotal: int, rows: np.ndarray) -> tuple[faiss.IDSelector, np.ndarray]:
    """A selector of internal rows (a bitmap: O(1) per test, built in numpy) and the buffer it points into, which
    the caller keeps alive for as long as the selector is used."""
    mask = np.zeros(ntotal, dtype=bool)
    mask[rows] = True
    bits = np.packbits(mask, bitorder="little")
    return faiss.IDSelectorBitmap(ntotal, faiss.swig_ptr(bits)), bits


def shortlist(index: faiss.Index, distance: str, query: np.ndarray, rows: np.ndarray, k: int,
              selector_of_rows: Callable[[], faiss.IDSelector] | None = None,
              matrix: np.ndarray | None = None) -> np.ndarray | None:
    """Internal rows of (a superset of) the k nearest among `rows`, or None when FAISS cannot tell (see above).
    `selector_of_rows` gives a selector of exactly `rows` when the caller keeps one (selections.py); `matrix` is
    the stored vectors by row, when they are plain floats."""
    if rows.size <= 2 * k + _SLACK:
        return None
    if matrix is not None and distance in prescore.FAST_METRICS and rows.size * GATHER_SHARE <= matrix.shape[0]:
        return _gathered(matrix, distance, query, rows, k)
    flat = ff.flat_storage(index)
    if flat is None or distance not in ff.FAISS_METRIC:
        return None
    if selector_of_rows is not None:
        selector = selector_of_rows()
    else:
        selector, _bits = row_selector(flat.ntotal, rows)
    q = normalize(query) if distance == "cosine" else np.asarray(query, dtype=np.float32)
    wanted = 2 * k + _SLACK
    ff.use_threads(1)  # one query: a thread team would only cost its start-up
    scores, found = flat.search(q.reshape(1, -1), wanted, params=faiss.SearchParameters(sel=selector))
    scores, found = scores[0], found[0]
    kept = found >= 0
    if kept.sum() == wanted and abs(scores[-1] - scores[k - 1]) <= _RTOL * max(1.0, abs(scores[k - 1])):
        return None
    return found[kept]


def _gathered(matrix: np.ndarray, distance: str, query: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray | None:
    """A few rows of a large index, scored where they lie (cosine, l2-squared) or copied out and scored with one
    float32 product (dot, whose bound needs the rows' lengths); FAISS's selector would test every row of the index
    (at 1M rows, ~2 ms before the first distance). Every row whose float32 score is within the error bound of the
    k-th is kept (prescore.py), so the float64 re-score is exact."""
    # FAISS reads the rows through a raw pointer: only from one contiguous float32 block
    if distance != "dot" and matrix.dtype == np.float32 and matrix.flags.c_contiguous:
        return _in_place(matrix, distance, query, rows, k)
    vectors = np.asarray(matrix[rows], dtype=np.float32)
    # cosine rows are unit vectors: their lengths are neither scored nor part of the bound, so not computed
    square_norms = None if distance == "cosine" else np.einsum("ij,ij->i", vectors, vectors)
    q = prescore.query_form(distance, query)
    q_norm = float(np.linalg.norm(q.astype(np.float64)))
    max_norm = 1.0 if square_norms is None else float(np.sqrt(square_norms.max()))
    bound = prescore.error_bound(distance, q.size, max_norm, q_norm)
    picked = prescore.candidates(prescore.scores(distance, q, vectors, square_norms), k, bound)
    return None if picked is None else rows[picked]


def _in_place(matrix: np.ndarray, distance: str, query: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray | None:
    """Cosine or l2-squared float32 scores of `rows`, read by FAISS from the matrix itself: copying 10,000 rows of
    256-d out of a 1M-row index took 2.4 ms and their product 0.6 ms; this takes ~1 ms. Cosine rows are unit
    vectors (the absolute bound of prescore.error_bound); a squared l2 summed from squared differences is within a
    relative bound of the exact one (prescore.candidates_within_ratio)."""
    q = np.ascontiguousarray(prescore.query_form(distance, query).reshape(1, -1))
    ids = np.ascontiguousarray(rows, dtype=np.int64)
    out = np.empty(ids.size, dtype=np.float32)
    by_idx = faiss.fvec_inner_products_by_idx if distance == "cosine" else faiss.fvec_L2sqr_by_idx
    by_idx(faiss.swig_ptr(out), faiss.swig_ptr(q), faiss.swig_ptr(matrix), faiss.swig_ptr(ids), q.shape[1], 1,
           ids.size)
    if distance == "cosine":
        picked = prescore.candidates(1.0 - out, k, prescore.error_bound("cosine", q.shape[1], 1.0, 1.0))
    else:
        picked = prescore.candidates_within_ratio(out, k, prescore.relative_error(q.shape[1]))
    return None if picked is None else rows[picked]
