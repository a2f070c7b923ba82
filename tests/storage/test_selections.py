"""A filter's labels resolved to rows are remembered per labels array (storage/selections.py) and never used once
the index changed: searches after adds and removals answer as a fresh array of the same labels does."""

from __future__ import annotations

import numpy as np
import pytest

from weavebind.storage import selections
from weavebind.storage.vector_index import IndexConfig, VectorIndex

DIM = 16


def _index(cutoff: int) -> tuple[VectorIndex, np.ndarray]:
    rng = np.random.default_rng(2)
    vectors = rng.standard_normal((3000, DIM)).astype(np.float32)
    index = VectorIndex(IndexConfig.from_weaviate("hnsw", {"distance": "l2-squared", "flatSearchCutoff": cutoff}),
                        DIM)
    index.add(np.arange(3000, dtype=np.int64) * 3, vectors)
    return index, vectors


def _same_as_fresh(index: VectorIndex, query: np.ndarray, allowed: np.ndarray) -> list:
    found = index.search(query, 10, allowed)
    fresh = index.search(query, 10, allowed.copy())  # a new array: nothing remembered for it
    assert found[0].tolist() == fresh[0].tolist() and np.allclose(found[1], fresh[1])
    return found[0].tolist()


@pytest.mark.parametrize("cutoff", [0, 100_000], ids=["hnsw-walk", "exact"])
def test_a_remembered_selection_is_reused_and_dropped_once_the_index_changes(cutoff):
    index, vectors = _index(cutoff)
    allowed = np.arange(0, 9000, 6, dtype=np.int64)  # every other stored label ...
    allowed = np.concatenate([allowed, [9000, 9003]])  # ... and two not stored yet
    allowed.flags.writeable = False  # as the filter index hands the labels of a filter it keeps
    query = vectors[10]
    first = _same_as_fresh(index, query, allowed)
    assert index._selections.get(allowed, index._rows(), index._tombs()) is not None  # kept for the next search
    assert first[0] == 30  # the query's own vector (label 10 * 3)

    index.remove([30])  # a removal: the remembered selection still lists it, and must not be used
    assert 30 not in _same_as_fresh(index, query, allowed)

    index.add(np.array([9000], dtype=np.int64), (query + 1e-3)[None, :])  # an allowed label gets stored
    assert _same_as_fresh(index, query, allowed)[0] == 9000
    index.add(np.array([9001], dtype=np.int64), query[None, :])  # stored, but not allowed
    assert 9001 not in _same_as_fresh(index, query, allowed)


def test_the_cache_keeps_few_entries_and_lets_go_of_an_old_index_state():
    index, vectors = _index(0)
    arrays = [np.arange(i * 3, 9000, 9, dtype=np.int64) for i in range(selections.MAX_ENTRIES + 2)]
    for allowed in arrays:
        allowed.flags.writeable = False
        index.search(vectors[0], 5, allowed)
    index.search(vectors[0], 5, np.arange(0, 9000, 3, dtype=np.int64))  # writable: made for one query, not kept
    kept = [a for a in arrays if index._selections.get(a, index._rows(), index._tombs()) is not None]
    assert kept == arrays[-selections.MAX_ENTRIES:]  # the least recently used went first
    index.add(np.array([9001], dtype=np.int64), vectors[:1])
    index.search(vectors[0], 5, arrays[0])  # made against the new state: the others are stale and let go
    assert len(index._selections._entries) == 1
