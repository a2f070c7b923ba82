"""The objects a `where` filter allows, from the inverted index where it can answer (filter_plan.py), by a scan
where it cannot: the one place every filtered read goes through (vector search, bm25 and hybrid, Aggregate,
list, batch delete by filter).

- The whole clause answerable: its ids, no object read.
- An `And` some of whose operands are answerable: those narrow the candidates, and only the candidates are read
  and checked against the other operands (unless they are most of the class, where one scan is cheaper).
- Otherwise: the scan (filters_refs.scan_matching), as before the index existed.
Either way the result is exactly the scan's: tests/search/test_filter_index.py compares them on random data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

import numpy as np
from pyroaring import BitMap

from weavebind.schema.models import ClassInfo
from weavebind.search.filter_index import KeyIndex, filter_index
from weavebind.search.filter_plan import needs, split_and
from weavebind.search.filters_eval import AndClause, Clause, FilterableObject
from weavebind.search.filters_refs import resolve_refs, scan_matching
from weavebind.search.filters_text import JoinedTerms
from weavebind.storage.records import ObjectRecord, storage_key
from weavebind.storage.store import Store

# Above this share of the class, checking the candidates object by object reads about as much as one scan, which
# also lets SQL pre-filter: the scan is used instead.
CANDIDATE_SHARE = 0.5
MEMO_ENTRIES = 8  # filters whose answers a key remembers while it does not change
MEMO_CLAUSE_CHARS = 4096  # longer clauses are not remembered: the memo would hold their values


@dataclass
class Allowed:
    """The ids of the objects a filter allows, in one key's index."""

    index: KeyIndex
    ids: BitMap
    kept: bool = False  # remembered for later queries with the same filter (`_remember`)
    derived: dict = field(default_factory=dict, repr=False)  # what other indexes made of a kept answer
    _labels: np.ndarray | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.ids)

    def uuids(self) -> list[str]:
        """Their uuids, sorted."""
        return sorted(self.names())

    def names(self) -> list[str]:
        """Their uuids, in id order (no sort: for sets, such as the keyword index's mask)."""
        names = self.index.uuids
        return [names[i] for i in self.ids]

    def labels(self) -> np.ndarray:
        """Their vector labels, sorted int64: what FAISS's selector takes, with no lookup per uuid. Read-only when
        the answer is kept: a vector index remembers what it made of a read-only array (storage/selections.py)."""
        if self._labels is None:
            labels = self.index.labels_of(self.ids)
            labels.flags.writeable = not self.kept
            self._labels = labels
        return self._labels


def allowed(store: Store, info: ClassInfo, clause: Clause) -> Allowed:
    """The objects of the class (its storage key) that pass `clause`."""
    index = filter_index(store).prepare(info.key, needs(info, clause))
    memo_key = _memo_key(clause)
    with index.lock:
        found = _recall(index, memo_key)
        if found is not None:
            return found
        candidates, rest = split_and(info, index, clause)
        total = len(index.live)
        if not rest and candidates is not None:
            return _remember(index, memo_key, Allowed(index, candidates))
    if candidates is None or len(candidates) > total * CANDIDATE_SHARE:
        uuids = [r.uuid for r in scan_matching(store, info.key, clause, info.tenant)]
    else:
        uuids = _check(store, info, index, candidates, rest)
    with index.lock:
        ids = BitMap(index.ids[u] for u in uuids if u in index.ids)
    return Allowed(index, ids)


def _memo_key(clause: Clause) -> tuple | None:
    """The clause and its text: a clause equals only the same clause (its readers compare by identity, and the
    memo keeps them alive), and the text tells 1, 1.0 and True apart, which compare equal in Python. None where
    the clause cannot be hashed (a value held in a list), or is too long to be worth keeping (a megabyte value)."""
    if _size_left(clause, MEMO_CLAUSE_CHARS) < 0:
        return None
    key = (clause, repr(clause))
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _size_left(part: Any, budget: int) -> int:
    """`budget` less the characters of the values in a clause (negative: over it), stopping as soon as it is spent,
    so a megabyte value is never copied into a text to find that out."""
    if isinstance(part, str):
        return budget - len(part)
    if isinstance(part, JoinedTerms):  # only a long value's terms are joined
        return -1
    if isinstance(part, re.Pattern):
        return budget - len(part.pattern)
    inner = [getattr(part, f.name) for f in fields(part)] if is_dataclass(part) else \
        part if isinstance(part, tuple | list) else ()
    budget -= 8
    for item in inner:
        if budget < 0:
            break
        budget = _size_left(item, budget)
    return budget


def _recall(index: KeyIndex, key: tuple | None) -> Allowed | None:
    """What the index answered for the same clause (`_memo_key`), if nothing in the key changed since (under
    `index.lock`). Repeated filters then hand the vector index the same labels array, whose rows it remembers
    (selections.py)."""
    found = index.remembered.get(key) if key is not None else None
    if found is None or found[0] != index.version:
        return None
    index.remembered.move_to_end(key)
    return found[1]


def _remember(index: KeyIndex, key: tuple | None, found: Allowed) -> Allowed:
    """Keep an answer the index gave alone (a scanned part may read other classes, whose changes do not reach this
    key's version): at most MEMO_ENTRIES, and not more ids in all than twice the key's live objects."""
    if key is None:
        return found
    memo = index.remembered
    if any(version != index.version for version, _ in memo.values()):
        memo.clear()
    found.kept = True
    memo[key] = (index.version, found)
    memo.move_to_end(key)
    while len(memo) > MEMO_ENTRIES or sum(len(a) for _, a in memo.values()) > 2 * len(index.live) + 1024:
        memo.popitem(last=False)
    return found


def _check(store: Store, info: ClassInfo, index: KeyIndex, candidates: BitMap, rest: list[Clause]) -> list[str]:
    """The candidates that also pass the operands the index could not answer, each read once."""
    residual = AndClause(tuple(rest)) if len(rest) > 1 else rest[0]

    def targets(target: str, inner: Clause) -> list[str]:  # reference paths, as scan_matching resolves them
        keys = [storage_key(target, info.tenant), target] if info.tenant else [target]
        return [r.uuid for key in keys for r in scan_matching(store, key, inner, info.tenant)]

    residual = resolve_refs(residual, targets)
    names = index.uuids
    records = store.get_many(info.key, [names[i] for i in candidates])
    return [r.uuid for r in records
            if residual.matches(FilterableObject(r.uuid, r.properties, r.created_ms, r.updated_ms))]


def matching_uuids(store: Store, info: ClassInfo, clause: Clause) -> list[str]:
    """The uuids of the objects that pass `clause`, sorted."""
    return allowed(store, info, clause).uuids()


def records_of(store: Store, info: ClassInfo, found: Allowed) -> list[ObjectRecord]:
    """The allowed objects, in uuid order, without vectors."""
    return sorted(store.get_many(info.key, found.uuids()), key=lambda r: r.uuid)


def matching_records(store: Store, info: ClassInfo, clause: Clause) -> list[ObjectRecord]:
    """The objects that pass `clause`, in uuid order, without vectors."""
    return records_of(store, info, allowed(store, info, clause))
