"""An in-memory inverted index for unfiltered bm25: per (class, property, tokenization), each object's token counts
and length, and term → objects. Scoring then visits only the objects holding a query term instead of reading and
tokenizing the whole class (bm25.py does that, and still does for filtered searches, whose statistics are those of
the filtered objects).

Built on the first bm25 query of a property (one scan of the class, under the store's write lock, so no write
slips in between) and kept current by the store's write listener; it lives in memory only, so a restart rebuilds
it on first use. Scores, order and explanations equal bm25.py's to the bit: the same tokenizer, the same formula,
the same order of floating-point operations (tests/search/test_keyword_index.py compares the two).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from weavebind.schema.models import ClassInfo
from weavebind.search.bm25 import (
    DEFAULT_AVG_LENGTH,
    bm25_parameters,
    query_groups,
    score_doc,
    term_idfs,
    uses_block_max,
)
from weavebind.search.per_store import PerStore
from weavebind.search.tokenize import tokenize_value
from weavebind.storage.records import ObjectRecord
from weavebind.storage.store import Store


@dataclass
class PropertyTerms:
    tokenization: str
    docs: dict[str, tuple[Counter, int]] = field(default_factory=dict)   # uuid → (token counts, length)
    postings: dict[str, set[str]] = field(default_factory=dict)        # term → uuids holding it
    length_sum: int = 0
    nonzero: int = 0                                                   # objects with a non-empty value

    def add(self, uid: str, value: object) -> None:
        tokens = tokenize_value(value, self.tokenization)
        if not tokens:
            return
        counts = Counter(tokens)
        self.docs[uid] = (counts, len(tokens))
        self.length_sum += len(tokens)
        self.nonzero += 1
        for term in counts:
            self.postings.setdefault(term, set()).add(uid)

    def remove(self, uid: str) -> None:
        found = self.docs.pop(uid, None)
        if found is None:
            return
        counts, length = found
        self.length_sum -= length
        self.nonzero -= 1
        for term in counts:
            holders = self.postings[term]
            holders.discard(uid)
            if not holders:
                del self.postings[term]

    def mean_length(self) -> float | None:
        return self.length_sum / self.nonzero if self.nonzero else None


class KeywordIndex:
    """The inverted index of one store; see the module docstring."""

    def __init__(self, store: Store):
        self.store = store
        self._lock = threading.Lock()
        self._terms: dict[tuple[str, str, str], PropertyTerms] = {}  # (class, property, tokenization)
        store.add_write_listener(self._changed)

    def _changed(self, class_name: str, upserted: Sequence[ObjectRecord], deleted: Sequence[str],
                 dropped: bool) -> None:
        with self._lock:
            for key in [k for k in self._terms if k[0] == class_name]:
                terms = self._terms[key]
                if dropped:
                    del self._terms[key]
                    continue
                for uid in deleted:
                    terms.remove(uid)
                for record in upserted:
                    terms.remove(record.uuid)
                    terms.add(record.uuid, (record.properties or {}).get(key[1]))

    def _property(self, class_name: str, prop: str, tokenization: str) -> PropertyTerms:
        key = (class_name, prop, tokenization)
        with self._lock:
            found = self._terms.get(key)
        if found is not None:
            return found
        with self.store.quiesced():  # no write between the scan and the listener seeing this property
            with self._lock:
                if key in self._terms:
                    return self._terms[key]
            built = PropertyTerms(tokenization)
            for record in self.store.iter_class(class_name):
                built.add(record.uuid, (record.properties or {}).get(prop))
            with self._lock:
                self._terms[key] = built
            return built

    def search(self, info: ClassInfo, total: int, query: str, properties: list[str] | None = None,
               operator: str = "Or", minimum_match: int = 1) -> list[tuple[str, float, str]]:
        """(uuid, score, explanation), best first, ties by uuid: bm25_search's answer over the whole class."""
        combined: dict[str, tuple[float, list[str]]] = {}
        for members, terms, need in query_groups(info, query, properties, operator, minimum_match):
            indexed = [(self._property(info.key, name, members.tokenization), boost)
                       for name, boost in members.props]
            with self._lock:
                scores = _group_scores(info, indexed, terms, total, need)
            for uid, (score, explain) in scores.items():
                before = combined.get(uid, (0.0, []))
                combined[uid] = (before[0] + score, before[1] + explain)
        ranked = sorted(combined.items(), key=lambda item: (-item[1][0], item[0]))
        return [(uid, score, "".join(explain)) for uid, (score, explain) in ranked]


def _group_scores(info: ClassInfo, props: list[tuple[PropertyTerms, float]], terms: Counter, total: int,
                  need: int) -> dict[str, tuple[float, list[str]]]:
    """bm25._group_scores over the objects that hold a query term (the others match no term, and need >= 1)."""
    k1, b = bm25_parameters(info)
    means = [m for m in (terms_.mean_length() for terms_, _ in props) if m is not None]
    avg = sum(means) / len(means) if means else DEFAULT_AVG_LENGTH
    holders = {t: set().union(*(p.postings.get(t, ()) for p, _ in props)) for t in terms}
    df_props = [{t: len(p.postings.get(t, ())) for t in terms} for p, _ in props]
    block = uses_block_max(info)
    idf = term_idfs(terms, total, df_props, {t: len(h) for t, h in holders.items()}, block)
    boosts = [boost for _, boost in props]
    empty: tuple[Counter, int] = (Counter(), 0)
    out: dict[str, tuple[float, list[str]]] = {}
    for uid in sorted(set().union(*holders.values())):
        found = score_doc([p.docs.get(uid, empty) for p, _ in props], boosts, terms, idf, need, (k1, b, avg), block)
        if found is not None:
            out[uid] = found
    return out


keyword_index = PerStore(KeywordIndex)  # the store's keyword index, subscribed to its writes on first use
