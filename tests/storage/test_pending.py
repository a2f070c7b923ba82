"""The pending buffer hands the indexer exactly the rows it asks for, splitting large chunks in order."""

from __future__ import annotations

import time

import numpy as np

from weavebind.storage.indexer import CHUNK_ROWS, MIN_ROWS
from weavebind.storage.indexes import IndexManager
from weavebind.storage.pending import PendingVectors


def test_take_splits_a_large_chunk_and_keeps_the_rest_in_order():
    pending = PendingVectors("l2-squared")
    pending.put(np.arange(10), np.arange(20, dtype=np.float32).reshape(10, 2))
    pending.put(np.arange(10, 13), np.zeros((3, 2), dtype=np.float32))
    pending.discard([1])
    labels, vectors = pending.take(4)
    assert labels.tolist() == [0, 2, 3, 4] and vectors[1].tolist() == [4.0, 5.0]
    pending.done(labels)
    labels, _ = pending.take(100)
    assert labels.tolist() == [5, 6, 7, 8, 9, 10, 11, 12]


def test_drop_forgets_published_labels_and_empty_chunks():
    pending = PendingVectors("cosine")
    pending.put(np.arange(4), np.ones((4, 2), dtype=np.float32))
    pending.put(np.arange(4, 6), np.ones((2, 2), dtype=np.float32))
    pending.drop(np.arange(4))
    assert len(pending) == 2 and len(pending.queued) == 1
    found, _ = pending.search(np.ones(2, dtype=np.float32), 10, None)
    assert sorted(found.tolist()) == [4, 5]


def test_the_indexer_takes_small_chunks_only_while_searches_arrive(tmp_path):
    manager = IndexManager(tmp_path)
    indexer = manager.indexer
    indexer.seconds_per_row = 0.001  # 1 ms per row: the 4 ms budget allows 4 rows
    assert indexer.chunk_rows() == CHUNK_ROWS  # nobody searched
    manager.last_search = time.monotonic()
    assert indexer.chunk_rows() == MIN_ROWS
    indexer.seconds_per_row = 1e-6
    assert indexer.chunk_rows() == CHUNK_ROWS


def test_small_writes_merge_into_one_chunk_without_losing_rows_in_flight():
    pending = PendingVectors("l2-squared")
    pending.put(np.arange(5), np.zeros((5, 2), dtype=np.float32))
    labels, _ = pending.take(2)  # 0 and 1 in flight
    pending.discard([3])
    pending.put(np.arange(5, 8), np.ones((3, 2), dtype=np.float32))  # merged into the first chunk
    assert len(pending.queued) == 1
    assert all(label in pending for label in (0, 1, 2, 4, 5, 6, 7)) and 3 not in pending
    found, _ = pending.search(np.zeros(2, dtype=np.float32), 10, None)
    assert sorted(found.tolist()) == [0, 1, 2, 4, 5, 6, 7]
    pending.done(labels)
    assert sorted(pending.take(10)[0].tolist()) == [2, 4, 5, 6, 7]
