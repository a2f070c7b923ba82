"""Labels → FAISS internal rows, for filtered searches that hand FAISS a row bitmap (exact_subset.py) instead of
labels: made once from the index's id map, extended by adds at the index's end (`appended`), made again after
anything else.

Two ways to look a label up: a direct table `label - smallest label → row` when the labels are dense enough (at
most DENSE_SPAN times as many numbers as vectors; change numbers are shared by every class, so a class's labels
may be sparse), else a binary search in the sorted labels.
"""

from __future__ import annotations

import numpy as np

from weavebind.storage.growable import Growable

DENSE_SPAN = 8


class RowLookup:
    """Immutable to its readers: `appended` gives a new lookup and leaves this one's values as they are (growable.py
    writes past the end of the newest lookup's arrays only)."""

    def __init__(self, sorted_ids: Growable, order: Growable, row_ids: Growable, dense: Growable | None,
                 size: int, span: int):
        self._sorted, self._order, self._row_ids, self._dense = sorted_ids, order, row_ids, dense
        self.size, self.span = size, span  # stored labels; entries of the dense table

    @property
    def sorted_ids(self) -> np.ndarray:  # stored labels, sorted
        return self._sorted.view(self.size)

    @property
    def order(self) -> np.ndarray:  # their internal rows
        return self._order.view(self.size)

    @property
    def row_ids(self) -> np.ndarray:  # the label of each internal row
        return self._row_ids.view(self.size)

    @property
    def dense(self) -> np.ndarray | None:  # label - smallest label → row, -1 for none
        return None if self._dense is None else self._dense.view(self.span)

    @classmethod
    def of(cls, row_ids: np.ndarray) -> RowLookup:
        order = np.argsort(row_ids, kind="stable")
        sorted_ids = row_ids[order]
        dense = _dense_table(sorted_ids, order)
        return cls(Growable(sorted_ids), Growable(order), Growable(row_ids), dense, len(row_ids),
                   0 if dense is None else dense.length)

    def appended(self, new_ids: np.ndarray) -> RowLookup | None:
        """The lookup after rows holding `new_ids` were appended, in time proportional to them when every new label
        is larger than the stored ones (labels are change numbers: an index grows at its end); None otherwise, to
        be made afresh (`of`) when next needed. A search after each small add would otherwise sort every label
        again (~10 ms at 100,000 vectors, ~0.2 s at 1M), and copying the tables cost ~5 ms per add at 1M."""
        new_ids = np.asarray(new_ids, dtype=np.int64)
        if not new_ids.size:
            return self
        order = np.argsort(new_ids, kind="stable")
        fresh = new_ids[order]
        n = self.size
        if n and fresh[0] <= self._sorted.data[n - 1]:
            return None
        sorted_ids = self._sorted.extended(n, fresh)
        rows = self._order.extended(n, order + n)
        row_ids = self._row_ids.extended(n, new_ids)
        first = int(sorted_ids.data[0])
        span = int(fresh[-1]) - first + 1
        if span > DENSE_SPAN * (n + new_ids.size):
            return RowLookup(sorted_ids, rows, row_ids, None, n + new_ids.size, 0)
        if self._dense is None:  # sparse until now: the table is made whole, once
            dense = _dense_table(sorted_ids.view(n + new_ids.size), rows.view(n + new_ids.size))
        else:
            dense = self._dense.padded(self.span, span)
            dense.data[fresh - first] = order + n
        return RowLookup(sorted_ids, rows, row_ids, dense, n + new_ids.size, span)

    def rows_of(self, labels: np.ndarray) -> np.ndarray:
        """Internal rows of labels that are all stored."""
        return self.order[np.searchsorted(self.sorted_ids, labels)]

    def stored(self, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The labels among sorted unique `labels` that are stored, and their rows."""
        if not self.sorted_ids.size:
            return labels[:0], labels[:0]
        if self.dense is None:
            pos = np.minimum(np.searchsorted(self.sorted_ids, labels), self.sorted_ids.size - 1)
            found = self.sorted_ids[pos] == labels
            return labels[found], self.order[pos[found]]
        offsets = labels - self.sorted_ids[0]
        if labels.size and (offsets[0] < 0 or offsets[-1] >= self.dense.size):  # (sorted: the ends tell)
            inside = (offsets >= 0) & (offsets < self.dense.size)
            labels, offsets = labels[inside], offsets[inside]
        rows = self.dense[offsets]
        found = rows >= 0
        return (labels, rows) if found.all() else (labels[found], rows[found])


def _dense_table(sorted_ids: np.ndarray, order: np.ndarray) -> Growable | None:
    """label - smallest label → row when the labels are dense enough (DENSE_SPAN), else None."""
    if not sorted_ids.size or int(sorted_ids[-1] - sorted_ids[0]) + 1 > DENSE_SPAN * sorted_ids.size:
        return None
    dense = Growable(np.full(int(sorted_ids[-1] - sorted_ids[0]) + 1, -1, dtype=np.int64), fill=-1)
    dense.data[sorted_ids - sorted_ids[0]] = order
    return dense
