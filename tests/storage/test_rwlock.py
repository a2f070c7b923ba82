"""A short change does not wait behind a long write: it is put aside and applied as that writer lets go."""

from __future__ import annotations

import threading
import time

import numpy as np

from weavebind.storage.rwlock import RWLock
from weavebind.storage.vector_index import IndexConfig, VectorIndex


def test_write_or_defer_defers_while_a_writer_holds_and_the_release_hook_sees_it():
    applied: list[str] = []
    deferred: list[str] = []
    lock = RWLock(on_write_release=lambda: applied.extend(deferred))
    holding, release = threading.Event(), threading.Event()

    def long_writer() -> None:
        with lock.write():
            holding.set()
            release.wait(5)

    writer = threading.Thread(target=long_writer)
    writer.start()
    holding.wait(5)
    started = time.monotonic()
    with lock.write_or_defer(lambda: deferred.append("tombstone")) as exclusive:
        assert not exclusive
    assert time.monotonic() - started < 1.0 and deferred == ["tombstone"] and applied == []
    release.set()
    writer.join(5)
    assert applied == ["tombstone"]
    with lock.write_or_defer(lambda: deferred.append("never")) as exclusive:  # free: taken at once
        assert exclusive
    assert deferred == ["tombstone"]


def test_a_removal_during_an_add_is_tombstoned_before_any_search_sees_the_index():
    rng = np.random.default_rng(0)
    index = VectorIndex(IndexConfig(index_type="hnsw", distance="l2-squared"))
    first = rng.standard_normal((200, 8)).astype(np.float32)
    index.add(np.arange(200), first)
    holding, release = threading.Event(), threading.Event()

    def slow_add() -> None:  # stands for the indexer's long FAISS add, which holds the write lock
        with index._rw.write():
            holding.set()
            release.wait(5)

    adder = threading.Thread(target=slow_add)
    adder.start()
    holding.wait(5)
    started = time.monotonic()
    index.remove(np.asarray([5, 7]))  # returns at once
    assert time.monotonic() - started < 1.0
    release.set()
    adder.join(5)
    found, _ = index.search(first[5], 3)
    assert 5 not in found.tolist() and len(index) == 198
