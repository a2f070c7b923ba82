"""A short change does not wait behind a long write: it is put aside and applied as that writer lets go."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from weavebind.storage.rwlock import RWLock
from weavebind.storage.vector_index import IndexConfig, VectorIndex


class HeldWrite:
    """A thread that holds `lock`'s write side until `let_go` (a stand-in for the indexer's long FAISS add)."""

    def __init__(self, lock: RWLock):
        self.holding, self.release = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._hold, args=(lock,))
        self.thread.start()
        self.holding.wait(5)

    def _hold(self, lock: RWLock) -> None:
        with lock.write():
            self.holding.set()
            self.release.wait(5)

    def let_go(self) -> None:
        self.release.set()
        self.thread.join(5)


def test_write_or_defer_defers_while_a_writer_holds_and_the_release_hook_sees_it():
    applied: list[str] = []
    deferred: list[str] = []
    lock = RWLock(on_write_release=lambda: applied.extend(deferred))
    writer = HeldWrite(lock)
    started = time.monotonic()
    with lock.write_or_defer(lambda: deferred.append("tombstone")) as exclusive:
        assert not exclusive
    assert time.monotonic() - started < 1.0 and deferred == ["tombstone"] and applied == []
    writer.let_go()
    assert applied == ["tombstone"]
    with lock.write_or_defer(lambda: deferred.append("never")) as exclusive:  # free: taken at once
        assert exclusive
    assert deferred == ["tombstone"]


def test_a_removal_during_an_add_is_tombstoned_before_any_search_sees_the_index():
    rng = np.random.default_rng(0)
    index = VectorIndex(IndexConfig(index_type="hnsw", distance="l2-squared"))
    first = rng.standard_normal((200, 8)).astype(np.float32)
    index.add(np.arange(200), first)
    adder = HeldWrite(index._rw)
    started = time.monotonic()
    index.remove(np.asarray([5, 7]))  # returns at once
    assert time.monotonic() - started < 1.0
    adder.let_go()
    found, _ = index.search(first[5], 3)
    assert 5 not in found.tolist() and len(index) == 198


@pytest.mark.timeout(30)
def test_the_indexer_leaves_an_index_alone_while_a_snapshot_streams_it_out(tmp_path):
    from weavebind.storage.indexes import IndexManager
    from weavebind.storage.records import ObjectRecord

    manager = IndexManager(tmp_path)
    manager.configure("C", {"": ("hnsw", {"distance": "l2-squared"})})
    rng = np.random.default_rng(1)
    records = [ObjectRecord("C", f"00000000-0000-0000-0000-{i:012d}", {}, 0, 0,
                            {"": rng.standard_normal(4).astype(np.float32)}) for i in range(50)]
    manager.indexer.stopping = True  # no background thread: the steps are driven by hand below
    manager.apply_records(records, list(range(1, 51)))
    target = manager.indexes[("C", "")]
    with target.index._rw.long_read():  # what a snapshot holds while it writes the file
        assert target.index.being_saved
        assert manager.indexer.step() is True and len(target.pending) == 50  # nothing taken, nothing added
        started = time.monotonic()
        assert len(manager.search("C", "", records[0].vectors[""], 3)) == 3
        assert time.monotonic() - started < 1.0
    assert manager.indexer.step() is True and len(target.pending) < 50
