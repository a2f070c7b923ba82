"""A filter's allowed labels turned into what a filtered search on one index needs (the live ones, their internal
rows, a bitmap selector of those rows), remembered for the next search with the same filter.

Making them is O(allowed labels): at 1M vectors and a filter that keeps half of them, a few milliseconds per query,
more than the HNSW walk itself. The search layer hands the same labels array for a filter while its objects do not
change (search/filtered.py) and marks it read-only, so a selection is kept per read-only labels array (any other
array is made for one query, and would only push out the selections of repeated filters). A selection is valid
while the index's label → row lookup and its tombstones are the very objects it was made from: every add makes a
new lookup and every removal new tombstones (vector_index.py), so a stale selection is never used.

Entries hold their labels array, so an id() key cannot be reused by another array while the entry lives. At most
MAX_ENTRIES are kept, and not more labels in all than MAX_SHARE times the index's rows, which bounds the memory
(at 1M vectors about 16 bytes per label: some 30 MB at most).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import faiss
import numpy as np

from weavebind.storage.exact_subset import row_selector
from weavebind.storage.row_lookup import RowLookup

MAX_ENTRIES = 4
MAX_SHARE = 2


@dataclass
class Selection:
    labels: np.ndarray  # the caller's sorted labels (its identity is the key)
    lookup: RowLookup   # the index's lookup they were resolved with
    tombs: np.ndarray   # the index's tombstones then
    live: np.ndarray    # the live stored labels among them, sorted
    rows: np.ndarray    # their internal rows
    _selector: tuple[faiss.IDSelector, np.ndarray] | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def selector(self) -> faiss.IDSelector:
        """A bitmap selector of the rows, made on first use; it points into a buffer this selection keeps."""
        with self._lock:
            if self._selector is None:
                self._selector = row_selector(self.lookup.row_ids.size, self.rows)
            return self._selector[0]


class SelectionCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[int, Selection] = OrderedDict()

    def get(self, labels: np.ndarray, lookup: RowLookup, tombs: np.ndarray) -> Selection | None:
        with self._lock:
            found = self._entries.get(id(labels))
            if found is None or found.labels is not labels:
                return None
            if found.lookup is not lookup or found.tombs is not tombs:  # the index changed: let go of its memory
                del self._entries[id(labels)]
                return None
            self._entries.move_to_end(id(labels))
            return found

    def put(self, selection: Selection) -> None:
        budget = MAX_SHARE * selection.lookup.row_ids.size
        if selection.labels.size > budget:
            return
        with self._lock:
            self._entries.pop(id(selection.labels), None)
            stale = [key for key, s in self._entries.items()
                     if s.lookup is not selection.lookup or s.tombs is not selection.tombs]
            for key in stale:  # made before the index changed: never valid again
                del self._entries[key]
            self._entries[id(selection.labels)] = selection
            while len(self._entries) > MAX_ENTRIES or sum(s.labels.size for s in self._entries.values()) > budget:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
