"""The inverted index unfiltered bm25 is answered from: per storage key (a class, or "Class#tenant") and per
(property, tokenization), posting lists sorted by object id (keyword_postings.py), searched for the top k with
block-max pruning (keyword_topk.py) instead of scoring every object that holds a query term. Filtered searches
still score their objects in bm25.py: their statistics are those of the filtered objects.

- Built on the first bm25 query of a property (one scan of the class, under the store's write lock, so no write
  slips in between), or loaded from the file keyword_files.py saved, then kept current by the store's write
  listener, which also receives what other servers sharing the database wrote (storage/follower.py). A dropped
  key is forgotten; a key whose dead ids outnumber its live ones is rebuilt on its next use, compactly.
- Scores, order and explanations equal bm25.py's to the bit: the same tokenizer and formula, and every object
  returned is scored by bm25.score_doc (tests/search/test_keyword_index.py and test_keyword_topk.py compare).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from weavebind.schema.models import ClassInfo
from weavebind.search.bm25 import (
    DEFAULT_AVG_LENGTH,
    bm25_parameters,
    query_groups,
    term_idfs,
    uses_block_max,
)
from weavebind.search.keyword_postings import KeyDocs, PropertyPostings
from weavebind.search.keyword_topk import GroupPlan, Result, top_k
from weavebind.search.per_store import PerStore
from weavebind.storage.records import ObjectRecord
from weavebind.storage.store import Store

MIN_DEAD_TO_REBUILD = 4096
PropKey = tuple[str, str]  # (property, tokenization)


class KeywordIndex:
    """The inverted index of one store; see the module docstring."""

    def __init__(self, store: Store):
        self.store = store
        self._lock = threading.Lock()
        self._keys: dict[str, KeyDocs] = {}
        self.builds = 0   # properties built from a scan of SQL (tests assert a restart loads instead)
        self.scored = 0   # objects scored by searches (tests assert pruning skips most)
        store.add_write_listener(self._changed)

    def _changed(self, key: str, upserted: Sequence[ObjectRecord], deleted: Sequence[str], dropped: bool) -> None:
        with self._lock:
            docs = self._keys.get(key)
            if docs is None:
                return
            if dropped:
                del self._keys[key]
                return
            for uid in deleted:
                docs.kill(uid)
            for record in upserted:
                doc = docs.new_id(record.uuid)
                for (prop, _), postings in docs.props.items():
                    postings.add(doc, (record.properties or {}).get(prop))
            if docs.dead() > max(MIN_DEAD_TO_REBUILD, len(docs.ids)):
                del self._keys[key]  # mostly dead postings: rebuild compactly on next use

    def _properties(self, key: str, wanted: list[PropKey]) -> list[PropertyPostings]:
        with self._lock:
            docs = self._keys.get(key)
            if docs is not None and all(w in docs.props for w in wanted):
                return [docs.props[w] for w in wanted]
        with self.store.quiesced():  # no write between the scan and the listener seeing these properties
            with self._lock:
                docs = self._keys.get(key)
            if docs is None:
                docs = KeyDocs()
            missing = list(dict.fromkeys(w for w in wanted if w not in docs.props))
            if missing:
                self._scan(key, docs, missing)
            with self._lock:
                self._keys[key] = docs
                return [docs.props[w] for w in wanted]

    def _scan(self, key: str, docs: KeyDocs, missing: list[PropKey]) -> None:
        """Index `missing` properties with one scan of the key (giving its objects ids if they have none yet)."""
        items: list[tuple[int, dict]] = []
        for record in self.store.iter_class(key):
            doc = docs.ids.get(record.uuid)
            items.append((docs.new_id(record.uuid) if doc is None else doc, record.properties or {}))
        items.sort(key=lambda item: item[0])
        for prop, tokenization in missing:
            postings = PropertyPostings(tokenization)
            postings.build([(doc, props.get(prop)) for doc, props in items])
            docs.props[(prop, tokenization)] = postings
            self.builds += 1

    def search(self, info: ClassInfo, total: int, query: str, properties: list[str] | None = None,
               operator: str = "Or", minimum_match: int = 1, limit: int | None = None) -> list[Result]:
        """(uuid, score, explanation), best first, ties by uuid: bm25_search's answer over the whole class, its
        first `limit` (every match with None)."""
        groups = query_groups(info, query, properties, operator, minimum_match)
        props = [self._properties(info.key, [(name, g.tokenization) for name, _ in g.props])
                 for g, _, _ in groups]
        block = uses_block_max(info)
        with self._lock:
            docs = self._keys.get(info.key)
            if docs is None or not groups:
                return []
            plans = [_plan(info, docs, postings, [boost for _, boost in g.props], terms, total, need, block)
                     for (g, terms, need), postings in zip(groups, props, strict=True)]
            found, scored = top_k(docs, plans, block, limit)
            self.scored += scored
            return found


def _plan(info: ClassInfo, docs: KeyDocs, props: list[PropertyPostings], boosts: list[float], terms,
          total: int, need: int, block: bool) -> GroupPlan:
    """One group's statistics, as bm25._group_scores computes them over the whole class."""
    k1, b = bm25_parameters(info)
    means = [m for m in (p.mean_length() for p in props) if m is not None]
    avg = sum(means) / len(means) if means else DEFAULT_AVG_LENGTH
    df_props = [{t: p.df(t) for t in terms} for p in props]
    df_any = {} if block else {t: _holders(docs, props, t) for t in terms}
    return GroupPlan(props, boosts, terms, need, term_idfs(terms, total, df_props, df_any, block), (k1, b, avg))


def _holders(docs: KeyDocs, props: list[PropertyPostings], term: str) -> int:
    """Live objects holding `term` in any of `props` (BM25F's n): a union of posting lists when several."""
    lists = [p.postings(term) for p in props]
    lists = [tp for tp in lists if tp is not None and tp.df]
    if len(lists) <= 1:
        return lists[0].df if lists else 0
    ids = np.unique(np.concatenate([tp.ids.view() for tp in lists]))
    return int(docs.live.padded(len(docs.uuids))[ids].sum())


keyword_index = PerStore(KeywordIndex)  # the store's keyword index, subscribed to its writes on first use
