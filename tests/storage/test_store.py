"""Store: SQL + FAISS kept in step — visibility of writes, restart catch-up, both SQL backends."""

from __future__ import annotations

import time
import uuid

import numpy as np
import pytest

from weavebind.storage.records import ObjectRecord
from weavebind.storage.store import Store
from weavebind.storage.vector_index import DimensionMismatchError

HNSW = {"": ("hnsw", {"distance": "cosine", "efConstruction": 64, "maxConnections": 16})}


def _ids(n: int, offset: int = 0) -> list[str]:
    return [str(uuid.UUID(int=offset + i + 1)) for i in range(n)]


def _records(vectors: np.ndarray, offset: int = 0, class_name: str = "C") -> list[ObjectRecord]:
    return [ObjectRecord(class_name, uid, {"n": offset + i}, 1, 1, {"": vec})
            for i, (uid, vec) in enumerate(zip(_ids(len(vectors), offset), vectors, strict=True))]


def _clustered(n: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(10, dim))
    return (centres[rng.integers(0, 10, n)] + 0.2 * rng.normal(size=(n, dim))).astype(np.float32)


def _open(database_url: str, data_path, targets=None) -> Store:
    store = Store(database_url, data_path, snapshot_seconds=3600)
    store.save_class("C", {"class": "C"}, targets or HNSW) if not store.load_classes() else None
    store.open({"C": targets or HNSW})
    return store


def test_writes_are_visible_to_the_next_search_before_and_after_indexing(database_url, tmp_path):
    store = _open(database_url, tmp_path)
    vectors = _clustered(300)
    store.put(_records(vectors))
    first = store.search("C", "", vectors[5], 1)  # most of these are still pending
    assert first[0][0] == _ids(300)[5] and first[0][1] == pytest.approx(0, abs=1e-6)
    assert store.indexes.indexer.drain(60)
    assert store.search("C", "", vectors[5], 1)[0][0] == _ids(300)[5]
    store.close()


def test_update_and_delete_are_invisible_to_the_very_next_search(database_url, tmp_path):
    store = _open(database_url, tmp_path)
    vectors = _clustered(200)
    store.put(_records(vectors))
    store.indexes.indexer.drain(60)
    target = _ids(200)[7]
    moved = -vectors[7]
    store.put([ObjectRecord("C", target, {"n": 7}, 1, 2, {"": moved})])
    hits = dict(store.search("C", "", vectors[7], 200))
    assert hits[target] > 1.0  # only the new, opposite vector is found
    store.delete("C", [target])
    assert target not in dict(store.search("C", "", moved, 200))
    assert store.get("C", target) is None
    store.close()


def test_filtered_search_returns_the_true_top_k_among_allowed(database_url, tmp_path):
    store = _open(database_url, tmp_path)
    vectors = _clustered(400)
    store.put(_records(vectors))
    allowed = _ids(400)[::7]
    got = store.search("C", "", vectors[0], 5, allowed)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    exact = sorted((1 - float(unit[i] @ unit[0]), uid) for i, uid in enumerate(_ids(400)) if uid in set(allowed))[:5]
    assert [u for u, _ in got] == [u for _, u in exact]
    store.close()


def test_dimension_mismatch_stores_nothing(database_url, tmp_path):
    store = _open(database_url, tmp_path)
    store.put(_records(_clustered(3)))
    bad = [ObjectRecord("C", _ids(1, 100)[0], {}, 1, 1, {"": np.ones(5, dtype=np.float32)})]
    with pytest.raises(DimensionMismatchError):
        store.put(bad)
    assert store.count("C") == 3
    store.close()


def test_restart_catches_up_from_sql_after_a_stale_snapshot(database_url, tmp_path):
    store = _open(database_url, tmp_path)
    vectors = _clustered(500)
    store.put(_records(vectors[:300]))
    store.indexes.indexer.drain(60)
    store.snapshot()  # the snapshot holds 300 vectors
    store.put(_records(vectors[300:], offset=300))
    store.delete("C", _ids(10))
    store.put([ObjectRecord("C", _ids(1, 20)[0], {}, 1, 1, {"": -vectors[20]})])
    store.indexes.close()  # simulate a crash: no snapshot at close
    store.engine.dispose()

    again = _open(database_url, tmp_path)
    assert again.count("C") == 490
    for i in (15, 299, 300, 499):
        assert again.search("C", "", vectors[i], 1)[0][0] == _ids(500)[i]
    found = dict(again.search("C", "", vectors[3], 500))
    assert not set(_ids(10)) & found.keys()
    assert found[_ids(1, 20)[0]] > 1.0
    again.close()


def test_graceful_close_snapshots_and_restart_loads_without_catch_up(database_url, tmp_path):
    store = _open(database_url, tmp_path)
    vectors = _clustered(200)
    store.put(_records(vectors))
    store.indexes.indexer.drain(60)
    store.close()
    assert (tmp_path / "indexes" / "C._.faiss").exists()
    again = _open(database_url, tmp_path)
    assert again.indexes.pending_count() == 0
    assert len(again.indexes.indexes[("C", "")].index) == 200
    assert again.search("C", "", vectors[42], 1)[0][0] == _ids(200)[42]
    again.close()


def test_index_config_change_rebuilds_and_keeps_results(database_url, tmp_path):
    store = _open(database_url, tmp_path)
    vectors = _clustered(150)
    store.put(_records(vectors))
    store.indexes.indexer.drain(60)
    before = store.indexes.indexes[("C", "")]
    store.save_class("C", {"class": "C"}, {"": ("hnsw", {**HNSW[""][1], "ef": 300})})
    assert store.indexes.indexes[("C", "")] is before  # ef is a search-time setting: no rebuild
    store.save_class("C", {"class": "C"}, {"": ("hnsw", {"distance": "cosine", "maxConnections": 8})})
    assert store.indexes.indexes[("C", "")] is not before
    assert store.search("C", "", vectors[9], 1)[0][0] == _ids(150)[9]
    store.indexes.indexer.drain(60)
    assert len(store.indexes.indexes[("C", "")].index) == 150
    store.close()


def test_delete_class_drops_rows_and_index_file(database_url, tmp_path):
    store = _open(database_url, tmp_path)
    store.put(_records(_clustered(20)))
    store.snapshot()
    store.delete_class("C")
    assert store.count("C") == 0
    assert not (tmp_path / "indexes" / "C._.faiss").exists()
    assert store.search("C", "", np.ones(32), 3) == []
    store.close()


def test_deletions_are_compacted_in_the_background(database_url, tmp_path):
    store = _open(database_url, tmp_path, {"": ("flat", {"distance": "cosine"})})
    vectors = _clustered(400)
    store.put(_records(vectors))
    assert store.indexes.indexer.drain(60)
    store.delete("C", _ids(200))
    index = store.indexes.indexes[("C", "")].index
    deadline = time.monotonic() + 30
    while index.needs_compaction and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not index.needs_compaction
    assert len(index) == 200
    assert store.search("C", "", vectors[300], 1)[0][0] == _ids(400)[300]
    store.close()


def test_reads_by_id_from_many_threads_see_every_committed_write(database_url, tmp_path):
    """On SQLite files, reads by id use a connection per thread (`local_reads`), so the event loop may make them
    without waiting for the pool; each read must still see everything committed before it."""
    from concurrent.futures import ThreadPoolExecutor

    store = _open(database_url, tmp_path)
    assert store.local_reads == database_url.startswith("sqlite")
    vectors = _clustered(40)
    ids = _ids(40)

    def write_then_read(i: int) -> bool:
        store.put(_records(vectors[i:i + 1], offset=i))
        return [r.uuid for r in store.get_many("C", [ids[i]])] == [ids[i]]

    with ThreadPoolExecutor(8) as pool:
        assert all(pool.map(write_then_read, range(40)))
    assert {r.uuid for r in store.get_many("C", ids)} == set(ids)
    store.close()
