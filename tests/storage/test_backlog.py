"""Writes with vectors wait while the indexer's backlog is over WEAVEBIND_PENDING_LIMIT_MB (storage/backlog.py)."""

from __future__ import annotations

import threading
import time
import uuid

import numpy as np

from weavebind.storage.backlog import BacklogLimit
from weavebind.storage.records import ObjectRecord
from weavebind.storage.store import Store

HNSW = {"": ("hnsw", {"distance": "l2-squared", "efConstruction": 64})}


def test_a_wait_lasts_until_the_indexer_measures_the_buffer_under_the_limit():
    limit = BacklogLimit(1000)
    limit.added(1500)
    assert limit.over() and not limit.wait_for_room(timeout=0.05)
    released: list[float] = []
    waiter = threading.Thread(target=lambda: released.append(limit.wait_for_room(timeout=10) and time.monotonic()))
    waiter.start()
    time.sleep(0.1)
    assert not released  # still waiting: nothing measured yet
    measured_at = time.monotonic()
    limit.measured(900)
    waiter.join(5)
    assert released and released[0] >= measured_at
    unlimited = BacklogLimit(0)
    unlimited.added(10**12)
    assert unlimited.wait_for_room(timeout=0)


def test_an_import_past_the_limit_goes_at_the_indexers_pace_and_loses_nothing(tmp_path):
    dim, batch = 32, 200
    limit = 4 * batch * dim * 4  # four batches of vectors
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path, snapshot_seconds=3600, pending_limit_bytes=limit)
    store.save_class("C", {"class": "C"}, HNSW)
    store.open({"C": HNSW})
    rng = np.random.default_rng(4)
    most = 0
    for b in range(30):
        rows = rng.random((batch, dim), dtype=np.float32)
        store.put([ObjectRecord("C", str(uuid.UUID(int=b * batch + i + 1)), {}, 1, 1, {"": row})
                   for i, row in enumerate(rows)])
        most = max(most, store.indexes.pending_count() * dim * 4)
    # what a put waits for is the indexer's last count plus the writes since: never below what is pending
    assert most <= limit + batch * dim * 4
    assert store.indexes.indexer.drain(120)
    found, _ = store.indexes.indexes[("C", "")].index.search(rows[0], 1)
    assert found.size == 1
    assert len(store.indexes.indexes[("C", "")].index) == 30 * batch
    store.close()
