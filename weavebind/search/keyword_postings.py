"""The arrays behind the bm25 inverted index (keyword_index.py): per storage key, a dense integer id per object
version; per (property, tokenization), for each term the ids holding it with their term frequencies, sorted by id.

- Ids only grow: a write gives the object a new id, the old one dies (`KeyDocs.live`), so appending keeps every
  posting list sorted without moving anything. Dead postings stay until the key is rebuilt; searches mask them.
- Ids fall in ranges of 2**RANGE_BITS. Each term keeps, per range and class of lengths (an eighth of an octave), the
  largest frequency and the shortest length of the objects holding it there: an upper bound on any of their
  scores, whatever the idf and mean length at query time (keyword_topk.py prunes with it). Deletes never lower a
  maximum or raise a minimum, so the bounds stay valid, only looser.
- A forward list per id (its terms) lets a delete decrement the document frequencies without the old text.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from weavebind.search.tokenize import tokenize_value
from weavebind.storage.records import shared_uuid

RANGE_BITS = 7          # 128 ids per range: small enough for tight bounds, few enough ranges to rank them all
LENGTH_CLASSES_PER_OCTAVE = 8


class Grow:
    """A numpy array that grows by doubling: appends and writes past the end are amortised O(1)."""

    __slots__ = ("a", "n", "fill")

    def __init__(self, dtype, fill: int = 0, data: np.ndarray | None = None):
        self.fill = fill
        self.a = np.full(16, fill, dtype=dtype) if data is None else np.asarray(data, dtype=dtype)
        self.n = 0 if data is None else len(data)

    def _reserve(self, size: int) -> None:
        if size > self.a.size:
            grown = np.full(max(size, self.a.size * 2), self.fill, dtype=self.a.dtype)
            grown[:self.n] = self.a[:self.n]
            self.a = grown

    def append(self, value) -> None:
        self._reserve(self.n + 1)
        self.a[self.n] = value
        self.n += 1

    def extend(self, values) -> None:
        self._reserve(self.n + len(values))
        self.a[self.n:self.n + len(values)] = values
        self.n += len(values)

    def put(self, index: int, value) -> None:
        """Write at `index`, filling any gap with the fill value."""
        self._reserve(index + 1)
        self.a[index] = value
        self.n = max(self.n, index + 1)

    def view(self) -> np.ndarray:
        return self.a[:self.n]

    def padded(self, size: int) -> np.ndarray:
        """The first `size` items, the fill value past the end."""
        self._reserve(size)
        return self.a[:size]


class TermPostings:
    """One term of one property: ids (ascending), frequencies, live document frequency, and (made on demand, kept
    while only appends follow) its bound entries: per id range and length class, the largest frequency and the
    shortest length there."""

    __slots__ = ("ids", "tfs", "df", "entries", "starts")

    def __init__(self) -> None:
        self.ids, self.tfs = Grow(np.int32), Grow(np.int32)
        self.df = 0
        self.entries: tuple[int, np.ndarray, np.ndarray, np.ndarray] | None = None  # (postings covered, r, tf, len)
        self.starts: np.ndarray | None = None  # where each range's entries begin, for the entries above

    def append(self, doc: int, tf: int) -> None:
        self.ids.append(doc)
        self.tfs.append(tf)
        self.df += 1

    def set_arrays(self, ids: np.ndarray, tfs: np.ndarray, df: int) -> None:
        self.ids, self.tfs, self.df, self.entries = Grow(np.int32, data=ids), Grow(np.int32, data=tfs), df, None
        self.starts = None

    def bound_entries(self, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(range, largest frequency, shortest length) per (id range, length class) holding the term, ordered by
        range. Lengths never change for an id (a write gets a new id), so the entries stay valid as postings are
        appended: only the ranges from the first new posting on are recomputed."""
        ids, tfs = self.ids.view(), self.tfs.view()
        if self.entries is not None and self.entries[0] == len(ids):
            return self.entries[1:]
        keep, start = _no_entries(), 0
        if self.entries is not None and self.entries[0]:
            covered, r, most, least = self.entries
            first = int(ids[covered]) >> RANGE_BITS
            start = int(np.searchsorted(ids, first << RANGE_BITS))
            kept = r < first
            keep = (r[kept], most[kept], least[kept])
        tail = _entries(ids[start:], tfs[start:], lengths[ids[start:]])
        merged = tuple(np.concatenate((a, b)) for a, b in zip(keep, tail, strict=True))
        self.entries = (len(ids), *merged)
        r = merged[0]
        self.starts = np.flatnonzero(np.concatenate(([True], r[1:] != r[:-1]))) if len(r) else np.empty(0, np.int64)
        return merged


def _no_entries() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.empty(0, np.int64), np.empty(0, np.int32), np.empty(0, np.int32)


def _entries(ids: np.ndarray, tfs: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not len(ids):
        return _no_entries()
    # length classes an eighth of an octave wide: a bound pairs the class's largest frequency with its shortest length
    classes = np.floor(np.log2(np.maximum(lengths, 1)) * LENGTH_CLASSES_PER_OCTAVE).astype(np.int64)
    key = (ids.astype(np.int64) >> RANGE_BITS) * 256 + classes
    order = np.argsort(key, kind="stable")
    key = key[order]
    starts = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
    r, most, least = key[starts] >> 8, np.maximum.reduceat(tfs[order], starts), np.minimum.reduceat(lengths[order],
                                                                                                    starts)
    # An entry no more frequent than a shorter class of its range bounds nothing that one does not: drop it. (The
    # running maximum of range * 2**32 + frequency restarts at each range, larger ranges weighing more.)
    ranked = r * 2**32 + most
    kept = np.concatenate(([True], ranked[1:] > np.maximum.accumulate(ranked)[:-1]))
    return r[kept], most[kept], least[kept]


class PropertyPostings:
    """The postings of one (storage key, property, tokenization). Writers run under the index's lock."""

    def __init__(self, tokenization: str):
        self.tokenization = tokenization
        self.vocab: dict[str, int] = {}          # term → term number
        self.terms: list[TermPostings] = []      # term number → postings
        self.names: list[str] = []               # term number → term
        self.lengths = Grow(np.int32)            # id → token count (0: no value)
        self.fwd = Grow(np.int32)                # term numbers, per id from fstart, fcount of them
        self.fstart, self.fcount = Grow(np.int64), Grow(np.int32)
        self.length_sum = 0
        self.nonzero = 0                         # live objects with a non-empty value

    def postings(self, term: str) -> TermPostings | None:
        found = self.vocab.get(term)
        return None if found is None else self.terms[found]

    def df(self, term: str) -> int:
        found = self.postings(term)
        return 0 if found is None else found.df

    def term_number(self, term: str) -> int:
        """The term's number, given (with empty postings) if it is new."""
        number = self.vocab.get(term)
        if number is None:
            number = self.vocab[term] = len(self.terms)
            self.terms.append(TermPostings())
            self.names.append(term)
        return number

    def add(self, doc: int, value: object) -> None:
        tokens = tokenize_value(value, self.tokenization)
        if not tokens:
            return
        counts = Counter(tokens)
        self.lengths.put(doc, len(tokens))
        self.fstart.put(doc, self.fwd.n)
        self.fcount.put(doc, len(counts))
        for term, tf in counts.items():
            number = self.term_number(term)
            self.terms[number].append(doc, tf)
            self.fwd.append(number)
        self.length_sum += len(tokens)
        self.nonzero += 1

    def set_docs(self, docs: np.ndarray, lengths: np.ndarray, counts: np.ndarray, fwd: np.ndarray) -> None:
        """Lengths and forward lists of objects `docs` (new ids, in any order), each with `counts` terms of `fwd`."""
        if not len(docs):
            return
        size = int(docs.max()) + 1
        self.lengths.padded(size)[docs] = lengths
        self.lengths.n = max(self.lengths.n, size)
        self.fcount.padded(size)[docs] = counts
        self.fcount.n = max(self.fcount.n, size)
        self.fstart.padded(size)[docs] = self.fwd.n + np.concatenate(([0], np.cumsum(counts)[:-1]))
        self.fstart.n = max(self.fstart.n, size)
        self.fwd.extend(fwd)
        self.length_sum += int(lengths.sum())
        self.nonzero += len(docs)

    def remove(self, doc: int) -> None:
        if doc >= self.fcount.n or not self.fcount.a[doc]:
            return
        start, count = int(self.fstart.a[doc]), int(self.fcount.a[doc])
        for number in self.fwd.a[start:start + count]:
            self.terms[number].df -= 1
        self.fcount.a[doc] = 0
        self.length_sum -= int(self.lengths.a[doc])
        self.nonzero -= 1

    def mean_length(self) -> float | None:
        return self.length_sum / self.nonzero if self.nonzero else None


class KeyDocs:
    """The ids of one storage key and its properties' postings (keyed by (property, tokenization))."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}     # uuid → its live id
        self.uuids: list[str] = []        # id → uuid (dead ids keep theirs)
        self.live = Grow(np.bool_)
        self.props: dict[tuple[str, str], PropertyPostings] = {}
        self.range_min: list[str] = []    # range → the smallest uuid ever given an id there (ties are by uuid)
        self._mins: np.ndarray | None = None
        self.dirty = True                 # changed since its file was saved
        self.changes = 0                  # ids given or killed so far: what a filter's mask was made for

    def set_loaded(self, uuids: list[str], live: np.ndarray) -> None:
        """The ids read back from a file (of a new KeyDocs): uuid and liveness per id."""
        self.uuids = [shared_uuid(u) for u in uuids]
        uuids = self.uuids
        self.live = Grow(np.bool_, data=live.astype(np.bool_))
        alive = np.flatnonzero(live)
        self.ids = dict(zip([uuids[i] for i in alive.tolist()], alive.tolist(), strict=True))
        size = 1 << RANGE_BITS
        self.range_min = [min(uuids[i:i + size]) for i in range(0, len(uuids), size)]
        self._mins = None

    def _note_range(self, doc: int, uuid: str) -> None:
        r = doc >> RANGE_BITS
        if r == len(self.range_min):
            self.range_min.append(uuid)
        elif uuid < self.range_min[r]:
            self.range_min[r] = uuid
        self._mins = None

    def range_mins(self) -> np.ndarray:
        """range_min as a numpy array of strings (compared with a uuid at once), made again after a change."""
        if self._mins is None:
            self._mins = np.array(self.range_min, dtype=str)
        return self._mins

    def new_id(self, uuid: str) -> int:
        uuid = shared_uuid(uuid)
        self.kill(uuid)
        self.dirty = True
        self.changes += 1
        doc = len(self.uuids)
        self._note_range(doc, uuid)
        self.uuids.append(uuid)
        self.ids[uuid] = doc
        self.live.put(doc, True)
        return doc

    def kill(self, uuid: str) -> None:
        old = self.ids.pop(uuid, None)
        if old is not None:
            self.dirty = True
            self.changes += 1
            self.live.a[old] = False
            for postings in self.props.values():
                postings.remove(old)

    def dead(self) -> int:
        return len(self.uuids) - len(self.ids)

    def ranges(self) -> int:
        return (len(self.uuids) >> RANGE_BITS) + 1
