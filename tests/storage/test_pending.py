"""The pending buffer hands the indexer exactly the rows it asks for, splitting large chunks in order."""

from __future__ import annotations

import time
import uuid

import numpy as np
import pytest

from weavebind.storage import indexer as indexer_module
from weavebind.storage.distances import distances
from weavebind.storage.indexer import CHUNK_ROWS, MIN_ROWS
from weavebind.storage.indexes import IndexManager
from weavebind.storage.pending import PendingVectors
from weavebind.storage.records import ObjectRecord
from weavebind.storage.store import Store


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
    indexer.seconds_per_row = 0.001  # 1 ms per row: the 2 ms budget allows 2 rows, fewer than the minimum
    assert indexer.chunk_rows() == CHUNK_ROWS  # nobody searched
    manager.last_search = time.monotonic()
    assert indexer.chunk_rows() == MIN_ROWS
    indexer.seconds_per_row = 0.0001  # 20 rows fit the budget, up to a backlog of 40,000; 80,000 doubles it, 1M caps it
    assert [indexer.chunk_rows(b) for b in (0, 40_000, 80_000, 1_000_000)] == [20, 20, 40, 500]
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


def _exhaustive(pending: PendingVectors, query: np.ndarray, k: int, allowed: np.ndarray | None):
    """The exact scan the float32 candidates must reproduce: every live row scored in float64."""
    rows = [(c.labels[i], c.searchable(pending.metric)[i]) for c in [*pending.queued, *pending.inflight]
            for i in np.flatnonzero(c.alive) if allowed is None or c.labels[i] in set(allowed.tolist())]
    labels = np.asarray([label for label, _ in rows], dtype=np.int64)
    dists = distances(pending.metric, query, np.stack([row for _, row in rows]))
    order = np.lexsort((labels, dists))[:k]
    return labels[order].tolist(), dists[order].tolist()


@pytest.mark.parametrize("metric", ["cosine", "dot", "l2-squared", "manhattan"])
def test_float32_candidates_give_the_exhaustive_top_k_ties_and_filters_included(metric):
    rng = np.random.default_rng(7)
    for trial in range(30):
        dim = int(rng.choice([2, 3, 16, 130]))
        pending = PendingVectors(metric)
        # Few distinct values and repeated rows: many exact ties, broken by label as the exhaustive scan does.
        base = rng.integers(-2, 3, size=(40, dim)).astype(np.float32) * rng.choice([1e-3, 1.0, 1e3])
        for start in range(0, 400, int(rng.integers(5, 90))):
            count = int(rng.integers(1, 60))
            picks = base[rng.integers(0, len(base), count)] + rng.choice([0, 1e-6]) * rng.standard_normal((count, dim))
            pending.put(np.arange(start * 100, start * 100 + count), picks.astype(np.float32))
        pending.discard(rng.choice(list(pending.where), size=len(pending) // 5, replace=False).tolist())
        if trial % 3 == 0:
            taken = pending.take(int(rng.integers(1, 50)))  # rows in flight are searched too
            assert taken is not None
        query = (base[rng.integers(0, len(base))] + rng.standard_normal(dim) * 0.01).astype(np.float32)
        allowed = None if trial % 2 else np.sort(rng.choice(list(pending.where), size=len(pending) // 2,
                                                            replace=False)).astype(np.int64)
        k = int(rng.choice([1, 10, 100]))
        labels, dists = pending.search(query, k, allowed)
        expected_labels, expected_dists = _exhaustive(pending, query, len(pending), allowed)
        exact = dict(zip(expected_labels, expected_dists, strict=True))
        # BLAS may round a row's float64 product differently by the number of rows in the call (one ulp), so
        # rows whose distances tie to that precision may trade places; anything else must match the scan.
        tolerance = 1e-6 * max(1.0, abs(expected_dists[0]))
        assert len(labels) == min(k, len(expected_labels))
        assert np.allclose(dists, expected_dists[:k], rtol=1e-6, atol=1e-12)
        pairs = zip(labels.tolist(), dists.tolist(), strict=True)
        assert all(abs(exact[label] - dist) <= tolerance for label, dist in pairs)
        assert all(exact[label] <= expected_dists[len(labels) - 1] + tolerance for label in labels.tolist())


def test_the_indexer_trims_the_heap_per_trim_bytes_moved_and_once_drained(tmp_path, monkeypatch):
    """The chunks it empties are given back to the system as it goes, not only at the end of an import."""
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path, snapshot_seconds=3600)
    flat = {"": ("flat", {"distance": "l2-squared"})}
    store.save_class("C", {"class": "C"}, flat)
    store.open({"C": flat})
    backlog_at_trims: list[int] = []
    monkeypatch.setattr(indexer_module.heap, "trim", lambda: backlog_at_trims.append(store.indexes.pending_count()))
    monkeypatch.setattr(indexer_module, "TRIM_BYTES", CHUNK_ROWS * 16 * 4)  # one full chunk of 16-d rows
    rows = np.random.default_rng(3).random((2 * CHUNK_ROWS + CHUNK_ROWS // 2, 16), dtype=np.float32)
    store.put([ObjectRecord("C", str(uuid.UUID(int=i + 1)), {}, 1, 1, {"": row}) for i, row in enumerate(rows)])
    assert store.indexes.indexer.drain(60)
    deadline = time.monotonic() + 10
    while len(backlog_at_trims) < 3 and time.monotonic() < deadline:  # the drained trim follows the last add
        time.sleep(0.01)
    # after each full chunk, then the half chunk left once nothing is pending
    assert backlog_at_trims == [CHUNK_ROWS + CHUNK_ROWS // 2, CHUNK_ROWS // 2, 0]
    store.close()
