"""Compressed vector indexes (pq, sq, bq, rq): recall after rescoring, exact distances, the trainingLimit switch,
deletes, filters, compaction and snapshots. Small data: seconds per test."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from weavebind.storage.compression import Compression, check_settings, default_segments
from weavebind.storage.vector_index import IndexConfig, VectorIndex

N, DIM, TRAIN = 1500, 32, 500


def _clustered(n: int = N, seed: int = 0) -> np.ndarray:
    """Many small clusters: each vector's true neighbours stand out from the rest, as in real embeddings."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n // 10, DIM))
    return (centres[rng.integers(0, n // 10, n)] + 0.25 * rng.normal(size=(n, DIM))).astype(np.float32)


def _config(method: str, tmp_path, distance: str = "cosine", **settings) -> IndexConfig:
    comp = Compression(method, training_limit=TRAIN, rescore_limit=20 if method in ("sq", "rq") else -1,
                       **settings)
    return IndexConfig(distance=distance, max_connections=16, ef_construction=64, compression=comp,
                       float_dir=str(tmp_path))


def _filled(config: IndexConfig, vectors: np.ndarray) -> VectorIndex:
    index = VectorIndex(config)
    for start in range(0, len(vectors), 500):  # as the background indexer adds: chunk by chunk
        index.add(np.arange(start, min(start + 500, len(vectors))) + 100, vectors[start:start + 500])
        if index.needs_compression:
            index.compact()
    return index


def _recall(index: VectorIndex, exact: VectorIndex, queries: np.ndarray, allowed=None) -> float:
    hits = 0
    for q in queries:
        got_labels, got_d = index.search(q, 10, allowed)
        want_labels, want_d = exact.search(q, 10, allowed)
        hits += len(set(got_labels) & set(want_labels))
        # rescored with the float32 vectors: a label both return has the very same (exact) distance
        common = {int(x): d for x, d in zip(want_labels, want_d, strict=True)}
        for label, dist in zip(got_labels, got_d, strict=True):
            if int(label) in common:
                assert dist == common[int(label)]
    return hits / (10 * len(queries))


@pytest.mark.parametrize("method,distance", [("sq", "cosine"), ("pq", "cosine"), ("rq", "cosine"),
                                             ("sq", "l2-squared"), ("pq", "dot"), ("rq", "dot")])
def test_recall_after_rescoring_is_at_least_095_with_exact_distances(tmp_path, method, distance):
    vectors = _clustered()
    index = _filled(_config(method, tmp_path, distance), vectors)
    exact = VectorIndex(IndexConfig(index_type="flat", distance=distance))
    exact.add(np.arange(N) + 100, vectors)
    assert index.compressed
    assert _recall(index, exact, vectors[:100] + 0.05) >= 0.95
    index.use_huge_pages()  # finds the codes and the graph of every compressed layout (faiss_factory.memory_buffers)


@pytest.mark.parametrize("method,distance,settings", [("bq", "cosine", {}), ("bq", "dot", {}),
                                                      ("rq", "l2-squared", {"bits": 1})])
def test_one_bit_recall_on_clustered_data(tmp_path, method, distance, settings):
    """One bit per dimension keeps only each component's sign, so bq ranks well only where the sign pattern tells
    neighbours apart: here, distinct clusters. Rescoring the whole ef list then finds most true neighbours; on
    unstructured data bq is far worse (as in Weaviate, which pairs it with rescoring too)."""
    vectors = _clustered()
    index = _filled(_config(method, tmp_path, distance, **settings), vectors)
    exact = VectorIndex(IndexConfig(index_type="flat", distance=distance))
    exact.add(np.arange(N) + 100, vectors)
    assert index.compressed  # no trainingLimit: compressed from the first indexed chunk
    assert _recall(index, exact, vectors[:100] + 0.05) >= 0.8


def test_index_stays_float32_until_training_limit(tmp_path):
    vectors = _clustered()
    index = VectorIndex(_config("sq", tmp_path))
    index.add(np.arange(TRAIN - 1), vectors[:TRAIN - 1])
    assert not index.needs_compression and not index.compressed
    assert index.search(vectors[3], 1)[0][0] == 3
    index.add(np.array([TRAIN - 1]), vectors[TRAIN - 1:TRAIN])
    assert index.needs_compression
    index.compact()
    assert index.compressed and not index.needs_compression
    assert index.search(vectors[3], 1)[0][0] == 3
    assert list(tmp_path.glob("wbfloats-*.f32"))  # the float32 vectors live on disk


@pytest.mark.parametrize("method", ["sq", "pq", "bq"])  # pq, bq: graph relinked over 8-bit codes on compaction
def test_deletes_filters_and_compaction_on_a_compressed_index(tmp_path, method):
    vectors = _clustered()
    index = _filled(_config(method, tmp_path), vectors)
    gone = np.arange(100, 100 + N, 3)
    index.remove(gone)
    for q in vectors[:30]:
        assert not np.isin(index.search(q, 10)[0], gone).any()
    allowed = np.arange(101, 100 + N, 3)  # above and below flatSearchCutoff
    for cutoff in (10, 40000):
        index.config = dataclasses.replace(index.config, flat_search_cutoff=cutoff)
        labels, _ = index.search(vectors[1], 10, allowed)
        assert labels.size == 10 and np.isin(labels, allowed).all() and labels[0] == 101
    assert index.needs_compaction
    index.compact()
    assert index.compressed and len(index) == N - gone.size and not index.needs_compaction
    assert index.search(vectors[1], 1)[0][0] == 101
    exact = VectorIndex(IndexConfig(index_type="flat"))
    keep = ~np.isin(np.arange(N) + 100, gone)
    exact.add((np.arange(N) + 100)[keep], vectors[keep])
    assert _recall(index, exact, vectors[:60] + 0.05) >= (0.8 if method == "bq" else 0.95)
    np.testing.assert_allclose(index.vectors_for([101]),
                               vectors[1:2] / np.linalg.norm(vectors[1]), rtol=1e-6)


def test_snapshot_keeps_compression_and_a_config_change_rebuilds(tmp_path):
    vectors = _clustered()
    config = _config("pq", tmp_path)
    index = _filled(config, vectors)
    index.remove([100])
    index.save(tmp_path / "c.faiss", 7)
    loaded, seq = VectorIndex.load(tmp_path / "c.faiss", config)
    assert seq == 7 and loaded.compressed and len(loaded) == N - 1
    for q in vectors[1:20]:
        assert np.array_equal(loaded.search(q, 5)[0], index.search(q, 5)[0])
    assert VectorIndex.load(tmp_path / "c.faiss", _config("sq", tmp_path)) is None
    assert VectorIndex.load(tmp_path / "c.faiss", IndexConfig(max_connections=16, ef_construction=64)) is None


def test_pq_segments_that_do_not_divide_the_dimensions_leave_the_index_uncompressed(tmp_path):
    vectors = _clustered()
    index = _filled(_config("pq", tmp_path, segments=5), vectors)
    assert not index.compressed and not index.needs_compression  # as Weaviate: logged, served uncompressed
    assert index.search(vectors[2], 1)[0][0] == 102


def test_weaviate_default_segments_and_refused_settings():
    assert [default_segments(d) for d in (3072, 1536, 512, 128, 7)] == [384, 256, 128, 64, 7]
    with pytest.raises(ValueError, match="centroids should not be higher than 256. Attempting to use 512"):
        check_settings("pq", {"centroids": 512})
    with pytest.raises(ValueError, match="segments cannot be 0 nor negative"):
        check_settings("pq", {"segments": -1})
    with pytest.raises(ValueError, match="invalid encoder type foo"):
        check_settings("pq", {"encoder": {"type": "foo"}})
    with pytest.raises(ValueError, match="rq.bits must be 1 or 8"):
        check_settings("rq", {"bits": 4})
    with pytest.raises(ValueError, match="trainingLimit must be a positive integer"):
        check_settings("sq", {"trainingLimit": 0})


def test_the_delta_log_of_a_compressed_index_holds_its_exact_float_vectors(tmp_path):
    vectors = _clustered()
    config = _config("sq", tmp_path)
    index = _filled(config, vectors[:1000])
    index.save(tmp_path / "d.faiss", 1)  # a base: codes, graph and the float32 vectors
    index.add(np.arange(1000, 1010) + 100, vectors[1000:1010])
    index.save(tmp_path / "d.faiss", 2)  # a delta record: the new rows' vectors, from the float file
    assert (tmp_path / "d.faiss.delta").exists()
    loaded, seq = VectorIndex.load(tmp_path / "d.faiss", config)
    assert seq == 2 and loaded.compressed and len(loaded) == 1000
    labels, replay = loaded.take_replay()  # queued again for the indexer, as exact as they were written
    assert labels.tolist() == list(range(1100, 1110))
    unit = vectors[1000:1010] / np.linalg.norm(vectors[1000:1010], axis=1, keepdims=True)
    np.testing.assert_allclose(replay, unit, rtol=1e-6, atol=1e-7)
