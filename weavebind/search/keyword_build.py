"""Building a property's postings (keyword_postings.py) from a scan of its class, one chunk of objects at a time.

Why chunks: a build that first gathered every object's properties, then every posting as Python ints in per-term
lists, held a few hundred bytes of small objects per object at its peak. glibc and Python's allocator keep most of
that memory once it is freed, because the index's own long-lived objects (its uuid → id entries) were allocated
in between: at 100,000 objects the keyword index's first build left ~40 MB more resident than the index holds.
Here only one chunk's objects and tokens are Python objects at a time; the postings go into numpy arrays per
chunk, and are sorted into per-term lists once at the end.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np

from weavebind.search.keyword_postings import PropertyPostings
from weavebind.search.tokenize import tokenize_value

CHUNK = 10_000  # objects per chunk: the Python objects a build holds at once


class PostingsBuilder:
    """Fills a new PropertyPostings: `add` chunks of (id, value) in any id order, then `finish` once."""

    def __init__(self, tokenization: str) -> None:
        self.postings = PropertyPostings(tokenization)
        self._terms: list[np.ndarray] = []  # per chunk: the term number of each posting
        self._docs: list[np.ndarray] = []   # its object id
        self._tfs: list[np.ndarray] = []    # its term frequency

    def add(self, items: Iterable[tuple[int, object]]) -> None:
        p = self.postings
        docs, lengths, counts, terms, post_docs, tfs = [], [], [], [], [], []
        for doc, value in items:
            tokens = tokenize_value(value, p.tokenization)
            if not tokens:
                continue
            counted = Counter(tokens)
            docs.append(doc)
            lengths.append(len(tokens))
            counts.append(len(counted))
            for term, tf in counted.items():
                terms.append(p.term_number(term))
                post_docs.append(doc)
                tfs.append(tf)
        numbers = np.array(terms, dtype=np.int32)
        # the postings of a chunk are also its objects' forward lists, in the same order
        p.set_docs(np.array(docs, dtype=np.int64), np.array(lengths, dtype=np.int32),
                   np.array(counts, dtype=np.int32), numbers)
        self._terms.append(numbers)
        self._docs.append(np.array(post_docs, dtype=np.int32))
        self._tfs.append(np.array(tfs, dtype=np.int32))

    def finish(self) -> PropertyPostings:
        """Sort every posting into its term's list, by id (keyword_postings.py's invariant); the filled postings."""
        p = self.postings
        terms, docs, tfs = (np.concatenate(parts) if parts else np.empty(0, np.int32)
                            for parts in (self._terms, self._docs, self._tfs))
        self._terms, self._docs, self._tfs = [], [], []
        order = np.lexsort((docs, terms))
        bounds = np.searchsorted(terms[order], np.arange(len(p.terms) + 1))
        for number, term in enumerate(p.terms):
            held = order[bounds[number]:bounds[number + 1]]
            term.set_arrays(docs[held], tfs[held], len(held))
        return p
