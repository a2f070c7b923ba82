"""Compressed indexes through the Store (both databases): the background indexer compresses after trainingLimit,
writes stay visible, a restart keeps the compression, switching it on rebuilds in the background, and a mapping
worker searches worker 0's compressed index with its float file."""

from __future__ import annotations

import time
import uuid

import numpy as np

from weavebind.storage import published
from weavebind.storage.records import ObjectRecord
from weavebind.storage.store import Store

BASE = {"distance": "cosine", "efConstruction": 64, "maxConnections": 16}
SQ = {"": ("hnsw", {**BASE, "sq": {"enabled": True, "trainingLimit": 300, "rescoreLimit": 20}})}
PLAIN = {"": ("hnsw", BASE)}


def _ids(n: int, offset: int = 0) -> list[str]:
    return [str(uuid.UUID(int=offset + i + 1)) for i in range(n)]


def _records(vectors: np.ndarray, offset: int = 0) -> list[ObjectRecord]:
    return [ObjectRecord("C", uid, {}, 1, 1, {"": v}) for uid, v in zip(_ids(len(vectors), offset), vectors,
                                                                           strict=True)]


def _clustered(n: int, dim: int = 32) -> np.ndarray:
    rng = np.random.default_rng(1)
    centres = rng.normal(size=(n // 10, dim))
    return (centres[rng.integers(0, n // 10, n)] + 0.25 * rng.normal(size=(n, dim))).astype(np.float32)


def _open(database_url: str, path, targets, **kwargs) -> Store:
    store = Store(database_url, path, snapshot_seconds=3600, **kwargs)
    if not store.load_classes():
        store.save_class("C", {"class": "C"}, targets)
    store.open({"C": targets})
    return store


def _wait_compressed(store: Store) -> None:
    assert store.indexes.indexer.drain(60)
    deadline = time.monotonic() + 60
    while not store.indexes.indexes[("C", "")].index.compressed and time.monotonic() < deadline:
        store.indexes.indexer.wake()
        time.sleep(0.05)
    assert store.indexes.indexes[("C", "")].index.compressed


def test_compressed_class_serves_writes_and_survives_a_restart(database_url, tmp_path):
    vectors = _clustered(600)
    store = _open(database_url, tmp_path, SQ)
    store.put(_records(vectors))
    _wait_compressed(store)
    hit = store.search("C", "", vectors[5], 1)[0]
    assert hit[0] == _ids(600)[5] and abs(hit[1]) < 1e-6  # exact distance after rescoring
    store.put([ObjectRecord("C", _ids(600)[7], {}, 1, 2, {"": -vectors[7]})])
    store.delete("C", [_ids(600)[8]])
    assert dict(store.search("C", "", vectors[7], 600))[_ids(600)[7]] > 1.0
    assert _ids(600)[8] not in dict(store.search("C", "", vectors[8], 600))
    assert store.indexes.indexer.drain(60)
    store.close()
    store = _open(database_url, tmp_path, SQ)
    try:
        assert store.indexes.pending_count() == 0  # loaded from the snapshot, not re-indexed from SQL
        assert store.indexes.indexes[("C", "")].index.compressed  # codes and float vectors
        assert store.search("C", "", vectors[5], 1)[0][0] == _ids(600)[5]
        assert _ids(600)[8] not in dict(store.search("C", "", vectors[8], 600))
    finally:
        store.close()


def test_switching_compression_on_compresses_in_the_background_and_off_rebuilds(database_url, tmp_path):
    vectors = _clustered(600)
    store = _open(database_url, tmp_path, PLAIN)
    try:
        store.put(_records(vectors))
        assert store.indexes.indexer.drain(60)
        assert not store.indexes.indexes[("C", "")].index.compressed
        store.save_class("C", {"class": "C"}, SQ)  # what PUT /v1/schema/C does
        assert store.indexes.pending_count() == 0  # the float32 index is kept, to be compressed in place
        assert store.search("C", "", vectors[9], 1)[0][0] == _ids(600)[9]  # served meanwhile
        _wait_compressed(store)
        assert store.search("C", "", vectors[9], 1)[0][0] == _ids(600)[9]
        store.save_class("C", {"class": "C"}, PLAIN)  # switched off: re-indexed as float32 in the background
        assert store.indexes.indexer.drain(60)
        assert not store.indexes.indexes[("C", "")].index.compressed
        assert store.search("C", "", vectors[9], 1)[0][0] == _ids(600)[9]
    finally:
        store.close()


def test_a_mapping_worker_rescores_with_worker_zeros_float_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    builder = _open(url, tmp_path, SQ, shared=True, index_role="publish")
    mapper = _open(url, tmp_path, SQ, shared=True, index_role="map")
    vectors = _clustered(600)
    try:
        builder.put(_records(vectors))
        _wait_compressed(builder)
        published.Publisher(builder.indexes).publish()
        mapper.sync()
        published.Follower(mapper.indexes).follow()
        assert mapper.indexes.pending_count() == 0
        assert mapper.indexes.indexes[("C", "")].index.compressed
        for q in vectors[:20]:
            assert mapper.search("C", "", q, 10) == builder.search("C", "", q, 10)
    finally:
        mapper.close()
        builder.close()
