"""Two stores over one database (as two workers or nodes): each sees the other's acknowledged writes, deletes and
schema changes at its next `sync`, and its own writes interleave correctly with theirs. Both SQL backends."""

from __future__ import annotations

import uuid

import numpy as np
import pytest

from weavebind.storage import changes
from weavebind.storage.records import ObjectRecord, storage_key
from weavebind.storage.store import Store

FLAT = {"": ("flat", {"distance": "l2-squared"})}


def _record(n: int, vector, class_name: str = "C", tenant: str | None = None) -> ObjectRecord:
    return ObjectRecord(class_name, str(uuid.UUID(int=n + 1)), {"n": n}, 1, 1,
                        {"": np.asarray(vector, dtype=np.float32)}, tenant=tenant)


def _pair(database_url: str, tmp_path) -> tuple[Store, Store]:
    first = Store(database_url, tmp_path / "a", snapshot_seconds=3600, shared=True)
    first.save_class("C", {"class": "C"}, FLAT)
    first.open({"C": FLAT})
    second = Store(database_url, tmp_path / "b", snapshot_seconds=3600, shared=True)
    second.open({"C": FLAT})
    return first, second


def _nearest(store: Store, vector, k: int = 1) -> list[str]:
    store.sync()
    return [uid for uid, _ in store.search("C", "", np.asarray(vector, dtype=np.float32), k)]


def test_writes_updates_and_deletes_of_one_store_are_seen_by_the_other(database_url, tmp_path):
    first, second = _pair(database_url, tmp_path)
    try:
        first.put([_record(i, [i, 0]) for i in range(5)])
        assert _nearest(second, [3, 0]) == [str(uuid.UUID(int=4))]
        first.put([_record(3, [100, 0])])  # an update moves object 3 away
        assert _nearest(second, [3, 0], 2) == [str(uuid.UUID(int=3)), str(uuid.UUID(int=5))]
        assert _nearest(second, [100, 0]) == [str(uuid.UUID(int=4))]
        first.delete("C", [str(uuid.UUID(int=4))])
        assert str(uuid.UUID(int=4)) not in _nearest(second, [100, 0], 5)
        assert second.counts_by_class()["C"] == 4
    finally:
        first.close()
        second.close()


def test_interleaved_writes_of_both_stores_converge(database_url, tmp_path):
    first, second = _pair(database_url, tmp_path)
    rng = np.random.default_rng(3)
    try:
        expected: dict[str, np.ndarray] = {}
        for step in range(200):
            writer = first if rng.random() < 0.5 else second
            writer.sync()
            n = int(rng.integers(0, 40))
            uid = str(uuid.UUID(int=n + 1))
            if rng.random() < 0.25:
                writer.delete("C", [uid])
                expected.pop(uid, None)
            else:
                vector = rng.normal(size=2).astype(np.float32)
                writer.put([_record(n, vector)])
                expected[uid] = vector
            if step % 20 == 0:
                for store in (first, second):
                    store.sync()
                    assert set(_live(store)) == set(expected)
        for store in (first, second):
            store.sync()
            assert _live(store) == {uid: pytest.approx(vec.tolist()) for uid, vec in expected.items()}
    finally:
        first.close()
        second.close()


def _live(store: Store) -> dict[str, list[float]]:
    index = store.indexes.indexes[("C", "")]
    vectors = {}
    for chunk in [*index.pending.queued, *index.pending.inflight]:
        for label, vector in zip(chunk.labels.tolist(), chunk.vectors, strict=True):
            if label in index.pending:
                vectors[index.uuid_by_label[label]] = vector.tolist()
    in_faiss = [label for label in index.uuid_by_label if label not in index.pending]
    if in_faiss:
        for label, vector in zip(in_faiss, index.index.vectors_for(in_faiss), strict=True):
            vectors[index.uuid_by_label[label]] = vector.tolist()
    return vectors


def test_schema_changes_reach_the_other_store(database_url, tmp_path):
    first, second = _pair(database_url, tmp_path)
    reloads: list[int] = []
    second.schema_listeners.append(lambda: reloads.append(1))
    try:
        first.save_class("D", {"class": "D"}, FLAT)
        second.sync()
        assert reloads == [1]
        second.sync()  # nothing new: no second reload
        assert reloads == [1]
        first.save_class("C", {"class": "C"}, FLAT)  # a class another server changed under this one's feet
        first.sync()  # its own change: nothing to reload
        assert len(reloads) == 1
    finally:
        first.close()
        second.close()


def test_a_store_behind_the_kept_deletions_reloads_its_indexes(database_url, tmp_path):
    first, second = _pair(database_url, tmp_path)
    try:
        first.put([_record(i, [i, 0]) for i in range(3)])
        first.delete("C", [str(uuid.UUID(int=1))])
        assert changes.prune_deletes(first.engine, kept_seconds=-1) == 1
        assert _nearest(second, [0, 0], 5) == [str(uuid.UUID(int=2)), str(uuid.UUID(int=3))]
    finally:
        first.close()
        second.close()


def test_changes_of_an_unknown_storage_key_only_reach_the_listeners(database_url, tmp_path):
    first, second = _pair(database_url, tmp_path)
    seen: list[str] = []
    second.add_write_listener(lambda key, upserted, deleted, dropped: seen.append(key))
    try:
        first.add_tenants("C", {"alice": "HOT"}, FLAT)  # the second store has no schema layer to configure it
        first.put([_record(0, [0, 0], tenant="alice")])
        second.sync()
        assert seen == [storage_key("C", "alice")]
        assert not second.indexes.knows(storage_key("C", "alice"))
    finally:
        first.close()
        second.close()


def test_applied_changes_tracks_own_ranges_above_the_horizon():
    applied = changes.AppliedChanges(10)
    applied.wrote(11, 12)
    assert applied.horizon == 12 and not applied.own
    applied.wrote(20, 21)  # another server wrote 13..19
    assert applied.horizon == 12 and applied.is_own(20) and not applied.is_own(15)
    applied.advance(19)
    assert applied.horizon == 21 and not applied.own
