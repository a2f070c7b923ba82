"""The keyword index's build from a scan, a chunk of objects at a time (search/keyword_build.py): the postings it
makes equal those of indexing each object as it is written, whatever the chunk size and the order of the ids, and
a search over a class scanned in many small chunks scores as scoring every object does."""

from __future__ import annotations

import random

import numpy as np
import pytest

from tests.search.test_keyword_index import _compare, _record, class_store
from weavebind.search import keyword_index as keyword_module
from weavebind.search.keyword_build import PostingsBuilder
from weavebind.search.keyword_postings import PropertyPostings

WORDS = ["alpha", "beta", "gamma", "delta", "beta-gamma", "Alpha", "x"]


def _values(rng: random.Random, n: int) -> list[object]:
    return [None if rng.random() < 0.1 else " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 6)))
            for _ in range(n)]


def _one_by_one(values: list[object]) -> PropertyPostings:
    postings = PropertyPostings("word")
    for doc, value in enumerate(values):
        postings.add(doc, value)
    return postings


def _forward(p: PropertyPostings, doc: int) -> list[str]:
    if doc >= p.fcount.n or not p.fcount.a[doc]:
        return []
    start = int(p.fstart.a[doc])
    return sorted(p.names[n] for n in p.fwd.a[start:start + int(p.fcount.a[doc])])


def _assert_same(built: PropertyPostings, expected: PropertyPostings, docs: int) -> None:
    assert sorted(built.vocab) == sorted(expected.vocab)
    for term in expected.vocab:
        got, want = built.postings(term), expected.postings(term)
        assert got.ids.view().tolist() == want.ids.view().tolist(), term
        assert got.tfs.view().tolist() == want.tfs.view().tolist(), term
        assert got.df == want.df, term
    assert np.array_equal(built.lengths.padded(docs), expected.lengths.padded(docs))
    assert (built.length_sum, built.nonzero) == (expected.length_sum, expected.nonzero)
    assert [_forward(built, d) for d in range(docs)] == [_forward(expected, d) for d in range(docs)]


@pytest.mark.parametrize("chunk", [1, 7, 1000])
@pytest.mark.parametrize("shuffled", [False, True], ids=["ascending", "shuffled"])
def test_chunks_in_any_order_make_the_postings_of_one_object_at_a_time(chunk, shuffled):
    rng = random.Random(chunk)
    values = _values(rng, 300)
    items = list(enumerate(values))
    if shuffled:  # a loaded key's ids, met in the scan's order
        rng.shuffle(items)
    builder = PostingsBuilder("word")
    for start in range(0, len(items), chunk):
        builder.add(items[start:start + chunk])
    built = builder.finish()
    assert built.postings("beta").df > 10  # the comparison is not vacuous
    _assert_same(built, _one_by_one(values), len(values))


def test_an_empty_scan_makes_empty_postings():
    built = PostingsBuilder("word").finish()
    assert built.vocab == {} and built.nonzero == 0 and built.length_sum == 0


def test_a_class_scanned_in_small_chunks_scores_exactly_as_a_full_scan(tmp_path, monkeypatch):
    monkeypatch.setattr(keyword_module, "SCAN_CHUNK", 7)
    rng = random.Random(5)
    store = class_store(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path)
    store.put([_record(rng, i) for i in range(120)])
    store.put([_record(rng, i) for i in rng.sample(range(120), 30)])  # rewritten: no longer in first-write order
    assert _compare(store, rng, 80) > 30
    store.close()
