"""Worker 0 publishes its indexes; a sibling maps them read-only and keeps only the unpublished tail pending.
Searches through the sibling always equal searches through worker 0, before and after each publication."""

from __future__ import annotations

import uuid

import numpy as np

from weavebind.storage import published
from weavebind.storage.records import ObjectRecord
from weavebind.storage.store import Store

HNSW = {"": ("hnsw", {"distance": "cosine", "efConstruction": 64, "maxConnections": 16})}


def _records(vectors: np.ndarray, offset: int = 0) -> list[ObjectRecord]:
    return [ObjectRecord("C", str(uuid.UUID(int=offset + i + 1)), {}, 1, 1, {"": v}) for i, v in enumerate(vectors)]


def _workers(database_url: str, tmp_path) -> tuple[Store, Store]:
    builder = Store(database_url, tmp_path, snapshot_seconds=3600, shared=True, index_role="publish")
    builder.save_class("C", {"class": "C"}, HNSW)
    builder.open({"C": HNSW})
    mapper = Store(database_url, tmp_path, snapshot_seconds=3600, shared=True, index_role="map")
    mapper.open({"C": HNSW})
    return builder, mapper


def _same_answers(builder: Store, mapper: Store, queries: np.ndarray) -> None:
    mapper.sync()
    for query in queries:
        assert [u for u, _ in mapper.search("C", "", query, 10)] == [u for u, _ in builder.search("C", "", query, 10)]


def test_a_mapping_worker_searches_the_published_index_and_its_own_tail(tmp_path):
    builder, mapper = _workers(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path)
    rng = np.random.default_rng(0)
    queries = rng.normal(size=(20, 16)).astype(np.float32)
    try:
        builder.put(_records(rng.normal(size=(1500, 16)).astype(np.float32)))
        assert builder.indexes.indexer.drain(60)
        published.Publisher(builder.indexes).publish()
        mapper.sync()
        assert mapper.indexes.pending_count() == 1500  # nothing mapped yet: all scanned exactly
        published.Follower(mapper.indexes).follow()
        assert mapper.indexes.pending_count() == 0
        _same_answers(builder, mapper, queries)
        # Deletes and updates after the publication: the file still holds the old labels, the mapper hides them.
        builder.delete("C", [str(uuid.UUID(int=i + 1)) for i in range(0, 1500, 3)])
        builder.put(_records(rng.normal(size=(300, 16)).astype(np.float32), offset=1))
        _same_answers(builder, mapper, queries)
        assert mapper.indexes.pending_count() == 300
        # The builder compacts the tombstones away and publishes again: the mapper adopts the new file.
        assert builder.indexes.indexer.drain(60)
        for target in builder.indexes.indexes.values():
            target.index.compact()
        follower = published.Follower(mapper.indexes)
        published.Publisher(builder.indexes).publish()
        follower.follow()
        assert mapper.indexes.pending_count() == 0
        _same_answers(builder, mapper, queries)
        assert not mapper.indexes.indexes[("C", "")].index.needs_compaction
    finally:
        mapper.close()
        builder.close()


def test_a_mapping_worker_started_after_a_publication_maps_it_at_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    builder, first_mapper = _workers(url, tmp_path)
    first_mapper.close()
    rng = np.random.default_rng(1)
    try:
        builder.put(_records(rng.normal(size=(800, 16)).astype(np.float32)))
        assert builder.indexes.indexer.drain(60)
        published.Publisher(builder.indexes).publish()
        builder.put(_records(rng.normal(size=(50, 16)).astype(np.float32), offset=800))
        mapper = Store(url, tmp_path, snapshot_seconds=3600, shared=True, index_role="map")
        mapper.open({"C": HNSW})
        try:
            assert mapper.indexes.pending_count() == 50
            _same_answers(builder, mapper, rng.normal(size=(10, 16)).astype(np.float32))
        finally:
            mapper.close()
    finally:
        builder.close()
