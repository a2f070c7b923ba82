"""Arrays that grow at their end in amortised O(added) time, for the label tables a vector index extends on every
add (its sorted labels, row_lookup.py). Copying a whole table per add cost ~10 ms at 1M vectors, held under the
index's write lock, so a search waited that long for an add of 4 rows.

A `Growable` is a buffer with spare capacity; `view(n)` is its first n values. An extension writes past the end
of the newest view only, so every view handed out earlier (to a search, a remembered selection) keeps its values:
extending from an older view, which would overwrite what a newer one holds, copies instead.
"""

from __future__ import annotations

import numpy as np


class Growable:
    def __init__(self, values: np.ndarray, fill: int = 0):
        self.fill = fill
        self.data = np.asarray(values).copy()
        self.length = len(values)

    def view(self, n: int | None = None) -> np.ndarray:
        return self.data[:self.length if n is None else n]

    def extended(self, n: int, values: np.ndarray) -> Growable:
        """The buffer whose first n + len(values) entries are view(n) then `values`: this one, grown in place when
        n is its length, else a copy."""
        return self.padded(n, n + len(values)).put(n, values)

    def padded(self, n: int, size: int) -> Growable:
        """The buffer holding view(n) then `fill` up to `size` entries (in place when n is its length)."""
        target = self if n == self.length else Growable(self.view(n), self.fill)
        if size > target.data.size:
            grown = np.full(max(size, 2 * target.data.size), self.fill, dtype=target.data.dtype)
            grown[:n] = target.data[:n]
            target.data = grown
        else:
            target.data[n:size] = self.fill
        target.length = size
        return target

    def put(self, start: int, values: np.ndarray) -> Growable:
        self.data[start:start + len(values)] = values
        return self
