"""Labels → FAISS internal rows, for filtered searches that hand FAISS a row bitmap (exact_subset.py) instead of
labels: made once from the index's id map and kept until its next write (VectorIndex drops it then).

Two ways to look a label up: a direct table `label - smallest label → row` when the labels are dense enough (at
most DENSE_SPAN times as many numbers as vectors; change numbers are shared by every class, so a class's labels
may be sparse), else a binary search in the sorted labels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DENSE_SPAN = 8


@dataclass(frozen=True)
class RowLookup:
    sorted_ids: np.ndarray  # stored labels, sorted
    order: np.ndarray       # their internal rows
    row_ids: np.ndarray     # the label of each internal row
    dense: np.ndarray | None

    @classmethod
    def of(cls, row_ids: np.ndarray) -> RowLookup:
        order = np.argsort(row_ids, kind="stable")
        sorted_ids = row_ids[order]
        dense = None
        if sorted_ids.size and int(sorted_ids[-1] - sorted_ids[0]) + 1 <= DENSE_SPAN * sorted_ids.size:
            dense = np.full(int(sorted_ids[-1] - sorted_ids[0]) + 1, -1, dtype=np.int64)
            dense[sorted_ids - sorted_ids[0]] = order
        return cls(sorted_ids, order, row_ids, dense)

    def appended(self, new_ids: np.ndarray) -> RowLookup | None:
        """The lookup after rows holding `new_ids` were appended, without sorting again when every new label is
        larger than the stored ones (labels are change numbers: an index grows at its end); None otherwise, to be
        made afresh (`of`) when next needed. A search after each small add would otherwise sort every label
        again (~10 ms at 100,000 vectors, ~0.2 s at 1M)."""
        new_ids = np.asarray(new_ids, dtype=np.int64)
        if not new_ids.size:
            return self
        order = np.argsort(new_ids, kind="stable")
        fresh = new_ids[order]
        if self.sorted_ids.size and fresh[0] <= self.sorted_ids[-1]:
            return None
        sorted_ids = np.concatenate([self.sorted_ids, fresh])
        start = self.row_ids.size
        rows = np.concatenate([self.order, order + start])
        row_ids = np.concatenate([self.row_ids, new_ids])
        dense = None
        span = int(sorted_ids[-1] - sorted_ids[0]) + 1
        if span <= DENSE_SPAN * sorted_ids.size:
            dense = np.full(span, -1, dtype=np.int64)
            if self.dense is not None:
                dense[:self.dense.size] = self.dense
            else:
                dense[self.sorted_ids - sorted_ids[0]] = self.order
            dense[fresh - sorted_ids[0]] = order + start
        return RowLookup(sorted_ids, rows, row_ids, dense)

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
