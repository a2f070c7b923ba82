"""k and ef that reach FAISS are bounded by what is stored: a caller's huge k neither overflows efSearch (a C int)
nor sizes FAISS's result buffers."""

from __future__ import annotations

import numpy as np
import pytest

from weavebind.storage.vector_index import IndexConfig, VectorIndex


@pytest.mark.parametrize("index_type", ["flat", "hnsw"])
@pytest.mark.parametrize("k", [2**31 - 1, 2**32 - 1, 2**40])
def test_a_k_far_beyond_the_stored_vectors_returns_them_all(index_type, k):
    index = VectorIndex(IndexConfig(index_type=index_type))
    index.add(np.arange(5, dtype=np.int64), np.eye(5, dtype=np.float32) + 0.1)
    labels, _ = index.search(np.ones(5, dtype=np.float32), k)
    assert sorted(labels.tolist()) == [0, 1, 2, 3, 4]
    subset, _ = index.search(np.ones(5, dtype=np.float32), k, allowed=np.array([1, 3], dtype=np.int64))
    assert sorted(subset.tolist()) == [1, 3]


def test_a_stored_ef_beyond_a_c_int_is_capped():
    # a class saved before vectorIndexConfig.ef had an upper bound still searches
    index = VectorIndex(IndexConfig(index_type="hnsw", ef=2**40))
    index.add(np.arange(3, dtype=np.int64), np.eye(3, dtype=np.float32))
    assert index.search(np.array([1, 0, 0], dtype=np.float32), 1)[0].tolist() == [0]
    assert IndexConfig(ef=2**40).search_ef(10) == 2**31 - 1
