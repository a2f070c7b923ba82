"""The exact search over a filter's allowed vectors (below flatSearchCutoff), made cheap: FAISS scores only the
allowed rows of its own float storage in place (a bitmap selector over internal rows: no copy of the vectors, no
float64 pass over all of them, one SIMD thread), and hands back a shortlist that `VectorIndex._rank` re-scores in
float64 with Weaviate's definitions, so the distances and their order are those of scoring every allowed vector.

The shortlist holds 2k + 16 rows. float32 and float64 scores can only order differently inside float32's rounding,
so when the last shortlisted score is within that rounding of the k-th (many equal vectors), None asks the caller to
score everything instead.
"""

from __future__ import annotations

import faiss
import numpy as np

from weavebind.storage import faiss_factory as ff
from weavebind.storage.distances import normalize

_SLACK = 16
_RTOL = 1e-5  # well above float32's relative rounding over a dot product of a few thousand terms


def row_selector(ntotal: int, rows: np.ndarray) -> tuple[faiss.IDSelector, np.ndarray]:
    """A selector of internal rows (a bitmap: O(1) per test, built in numpy) and the buffer it points into, which
    the caller keeps alive for as long as the selector is used."""
    mask = np.zeros(ntotal, dtype=bool)
    mask[rows] = True
    bits = np.packbits(mask, bitorder="little")
    return faiss.IDSelectorBitmap(ntotal, faiss.swig_ptr(bits)), bits


def shortlist(index: faiss.Index, distance: str, query: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray | None:
    """Internal rows of (a superset of) the k nearest among `rows`, or None when FAISS cannot tell (see above)."""
    flat = ff.flat_storage(index)
    if flat is None or distance not in ff.FAISS_METRIC or rows.size <= 2 * k + _SLACK:
        return None
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
