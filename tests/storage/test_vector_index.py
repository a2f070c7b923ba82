"""VectorIndex: Weaviate distances on flat and HNSW, tombstones, filters, compaction, persistence, concurrency."""

import threading

import numpy as np
import pytest

from tests.storage.test_distances import GOLDEN
from weavebind.storage.distances import METRICS, distances
from weavebind.storage.vector_index import DimensionMismatchError, IndexConfig, VectorIndex

TYPES = ("flat", "hnsw")


def clustered(n: int, dim: int, centres: int = 20, seed: int = 0) -> np.ndarray:
    """Gaussian blobs: the shape of real embedding data, where HNSW recall actually gets tested."""
    rng = np.random.default_rng(seed)
    c = rng.normal(size=(centres, dim)).astype(np.float32)
    return (c[rng.integers(0, centres, n)] + 0.35 * rng.normal(size=(n, dim))).astype(np.float32)


def brute_force(metric, query, labels, vectors, k):
    d = distances(metric, query, vectors)
    order = np.lexsort((labels, d))[:k]
    return labels[order], d[order]


def filled(config: IndexConfig, data: np.ndarray, first_label: int = 1000) -> tuple[VectorIndex, np.ndarray]:
    index = VectorIndex(config)
    labels = np.arange(first_label, first_label + len(data), dtype=np.int64)
    index.add(labels, data)
    return index, labels


# -- Weaviate's golden values -------------------------------------------------------------------------------------
@pytest.mark.parametrize("index_type", TYPES)
@pytest.mark.parametrize("metric", METRICS)
def test_golden_distances(index_type, metric):
    query, vectors, expected = GOLDEN[metric]
    index, labels = filled(IndexConfig(index_type=index_type, distance=metric), np.array(vectors, dtype=np.float32))
    got_labels, got = index.search(np.array(query, dtype=np.float32), 10)
    assert got_labels.dtype == np.int64 and got.dtype == np.float32
    assert got_labels.tolist() == labels.tolist()  # every golden set is listed in ascending distance
    np.testing.assert_allclose(got, expected, atol=1e-4)
    sub_labels, sub = index.search(np.array(query, dtype=np.float32), 1, allowed=labels[1:])
    assert sub_labels.tolist() == [labels[1]]
    np.testing.assert_allclose(sub, expected[1:2], atol=1e-4)


@pytest.mark.parametrize("index_type", TYPES)
def test_empty_index_and_non_positive_k(index_type):
    index = VectorIndex(IndexConfig(index_type=index_type))
    for labels, dists in (index.search(np.ones(4), 5), index.search(np.ones(4), 5, allowed=np.array([1]))):
        assert labels.size == 0 and labels.dtype == np.int64 and dists.dtype == np.float32
    index.add(np.array([1]), np.ones((1, 4)))
    assert index.search(np.ones(4), 0)[0].size == 0
    assert index.search(np.ones(4), 5, allowed=np.array([], dtype=np.int64))[0].size == 0


# -- dimensions and labels -------------------------------------------------------------------------------------------
def test_dimension_mismatch():
    index = VectorIndex(IndexConfig())
    assert index.dim is None
    index.add(np.array([1]), np.array([[1.0, 2.0]]))
    assert index.dim == 2
    msg = "new node has a vector with length 3. Existing nodes have vectors with length 2"
    with pytest.raises(DimensionMismatchError, match=msg):
        index.add(np.array([2]), np.array([[1.0, 2.0, 3.0]]))
    with pytest.raises(DimensionMismatchError, match=msg):
        index.check_dim(3)
    index.check_dim(2)
    with pytest.raises(DimensionMismatchError):
        index.search(np.array([1.0, 2.0, 3.0]), 1)
    assert VectorIndex(IndexConfig(), dim=5).dim == 5


def test_labels_are_never_reused():
    index = VectorIndex(IndexConfig(index_type="flat"))
    index.add(np.array([1, 2]), np.eye(2))
    index.remove([2])
    for labels in ([2], [1], [3, 3]):
        with pytest.raises(ValueError, match="never reused"):
            index.add(np.array(labels), np.ones((len(labels), 2)))
    assert index.labels().tolist() == [1]


def test_vectors_for_returns_stored_vectors():
    cosine = VectorIndex(IndexConfig(distance="cosine"))
    cosine.add(np.array([7]), np.array([[3.0, 4.0]]))
    np.testing.assert_allclose(cosine.vectors_for([7]), [[0.6, 0.8]], atol=1e-7)  # normalised
    l2 = VectorIndex(IndexConfig(distance="l2-squared"))
    l2.add(np.array([7, 8]), np.array([[3.0, 4.0], [1.0, 1.0]]))
    np.testing.assert_allclose(l2.vectors_for([8, 7]), [[1.0, 1.0], [3.0, 4.0]])
    l2.remove([8])
    with pytest.raises(KeyError):
        l2.vectors_for([8])


def test_rejects_non_finite_vectors():
    with pytest.raises(ValueError, match="NaN"):
        VectorIndex(IndexConfig()).add(np.array([1]), np.array([[np.nan, 1.0]]))


# -- tombstones ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("index_type,ef", [("flat", -1), ("hnsw", -1), ("hnsw", 16)])
def test_tombstones_are_invisible_to_the_next_search(index_type, ef):
    data = clustered(1000, 16, seed=1)
    index, labels = filled(IndexConfig(index_type=index_type, distance="l2-squared", ef=ef), data)
    queries = data[:100:10]
    gone = np.unique(np.concatenate([index.search(q, 40)[0] for q in queries]))
    index.remove(gone)  # each query's whole neighbourhood: HNSW must look past it
    index.remove(np.array([10**12]))  # unknown labels are ignored
    live = ~np.isin(labels, gone)
    assert len(index) == live.sum()
    assert index.labels().tolist() == labels[live].tolist()
    hits = 0
    for query in queries:
        got, got_d = index.search(query, 10)
        assert len(got) == 10 and not set(got.tolist()) & set(gone.tolist())
        want, want_d = brute_force("l2-squared", query, labels[live], data[live], 10)
        hits += len(set(got.tolist()) & set(want.tolist()))
        if index_type == "flat":
            assert got.tolist() == want.tolist()
            np.testing.assert_allclose(got_d, want_d)
    if ef == -1:  # with Weaviate's dynamic ef, a deleted neighbourhood costs no recall
        assert hits / (10 * len(queries)) >= 0.95


# -- filtered search ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("index_type", TYPES)
@pytest.mark.parametrize("cutoff", [10_000, 50], ids=["below-cutoff", "above-cutoff"])
@pytest.mark.parametrize("fraction", [0.2, 0.9])
def test_filtered_search_is_the_true_top_k(index_type, cutoff, fraction):
    data = clustered(1500, 16, seed=2)
    # maxConnections 8 keeps HNSW + IDSelector cheaper than exact scoring for the 90% filter, so that path runs
    config = IndexConfig(index_type=index_type, distance="cosine", flat_search_cutoff=cutoff, max_connections=8)
    index, labels = filled(config, data)
    rng = np.random.default_rng(3)
    allowed = rng.choice(labels, int(fraction * len(labels)), replace=False)
    index.remove(allowed[:20])
    live = np.isin(labels, allowed[20:])
    hits = 0
    for query in data[rng.integers(0, len(data), 10)]:
        got, got_d = index.search(query, 10, allowed=np.concatenate([allowed, [-5, 10**9]]))
        want, want_d = brute_force("cosine", query, labels[live], data[live], 10)
        assert len(got) == 10 and set(got.tolist()) <= set(labels[live].tolist())
        hits += len(set(got.tolist()) & set(want.tolist()))
        if index_type == "flat" or cutoff > len(data) or fraction < 0.5:  # every exact path
            assert got.tolist() == want.tolist()
            np.testing.assert_allclose(got_d, want_d, atol=1e-6)
    assert hits >= 95


def test_selective_filter_above_cutoff_on_hnsw_is_exact():
    data = clustered(3000, 16, seed=4)
    index, labels = filled(IndexConfig(flat_search_cutoff=10), data)
    allowed = labels[::40]  # 2.5%: HNSW would reach too few of them, so the allowed vectors are scored exactly
    for query in data[:20]:
        got, got_d = index.search(query, 10, allowed=allowed)
        want, want_d = brute_force("cosine", query, allowed, data[::40], 10)
        assert got.tolist() == want.tolist()
        np.testing.assert_allclose(got_d, want_d, atol=1e-6)


@pytest.mark.parametrize("metric,index_type", [("hamming", "hnsw"), ("l2-squared", "flat")])
def test_exact_paths_across_several_chunks(metric, index_type):
    data = np.random.default_rng(9).integers(0, 3, size=(20_000, 4)).astype(np.float32)  # > one 16384-row chunk
    index, labels = filled(IndexConfig(index_type=index_type, distance=metric), data)
    index.remove(labels[::7])
    live = np.ones(len(labels), dtype=bool)
    live[::7] = False
    query = np.array([1, 2, 0, 1], dtype=np.float32)
    got, got_d = index.search(query, 25)
    want, want_d = brute_force(metric, query, labels[live], data[live], 25)
    assert got.tolist() == want.tolist() and np.array_equal(got_d, want_d)
    allowed = labels[1000:19_000]
    got, got_d = index.search(query, 25, allowed=allowed)
    sub = live & np.isin(labels, allowed)
    want, want_d = brute_force(metric, query, labels[sub], data[sub], 25)
    assert got.tolist() == want.tolist() and np.array_equal(got_d, want_d)


# -- HNSW quality --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("metric", ["cosine", "l2-squared"])
def test_hnsw_recall_on_clustered_data(metric):
    data = clustered(2000, 64, seed=5)
    queries = clustered(50, 64, seed=5)[:50] + 0.1  # same centres, points not in the index
    index, labels = filled(IndexConfig(index_type="hnsw", distance=metric), data)
    hits = 0
    for query in queries:
        got, _ = index.search(query, 10)
        want, _ = brute_force(metric, query, labels, data, 10)
        hits += len(set(got.tolist()) & set(want.tolist()))
    assert hits / (10 * len(queries)) >= 0.95


# -- compaction ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("index_type", TYPES)
def test_compaction_keeps_results_identical(index_type):
    data = clustered(800, 16, seed=6)
    index, labels = filled(IndexConfig(index_type=index_type, distance="dot", ef=800), data)
    index.remove(labels[:63])
    assert not index.needs_compaction  # fewer than 64 tombstones
    index.remove(labels[63:200])
    assert index.needs_compaction
    queries = data[300:310]
    before = [index.search(q, 15) for q in queries]
    before_filtered = [index.search(q, 5, allowed=labels[100:400]) for q in queries]
    index.compact()
    assert not index.needs_compaction and len(index) == 600
    for q, (bl, bd), (fl, fd) in zip(queries, before, before_filtered, strict=True):
        al, ad = index.search(q, 15)
        assert al.tolist() == bl.tolist() and np.array_equal(ad, bd)
        al, ad = index.search(q, 5, allowed=labels[100:400])
        assert al.tolist() == fl.tolist() and np.array_equal(ad, fd)
    index.add(np.array([10**6]), data[:1])  # still writable after a rebuild
    assert index.search(data[0], 1, allowed=np.array([10**6, labels[0]]))[0].tolist() == [10**6]


# -- persistence ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("index_type,metric", [("flat", "cosine"), ("hnsw", "l2-squared"), ("hnsw", "hamming")])
def test_save_load_round_trip(tmp_path, index_type, metric):
    data = np.round(clustered(300, 8, seed=7))  # rounded so hamming has ties and matches
    config = IndexConfig(index_type=index_type, distance=metric)
    index, labels = filled(config, data)
    index.remove(labels[:30])
    path = tmp_path / "idx" / "Class.vec.faiss"
    index.save(path, seq=4242)
    loaded, seq = VectorIndex.load(path, config)
    assert seq == 4242 and loaded.dim == 8 and len(loaded) == 270
    assert loaded.labels().tolist() == index.labels().tolist()
    for q in data[:5]:
        got, got_d = loaded.search(q, 20)
        want, want_d = index.search(q, 20)
        assert got.tolist() == want.tolist() and np.array_equal(got_d, want_d)
        assert not set(got.tolist()) & set(labels[:30].tolist())
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary files left behind
    with pytest.raises(ValueError, match="never reused"):
        loaded.add(labels[:1], data[:1])  # a tombstoned label from before the save
    loaded.add(np.array([10**6]), data[:1])
    assert 10**6 in loaded.labels().tolist()


def test_save_load_empty_index(tmp_path):
    VectorIndex(IndexConfig()).save(tmp_path / "e.faiss", seq=0)
    loaded, seq = VectorIndex.load(tmp_path / "e.faiss", IndexConfig())
    assert seq == 0 and loaded.dim is None and len(loaded) == 0


def test_load_rejects_another_config_but_not_search_time_settings(tmp_path):
    path = tmp_path / "i.faiss"
    config = IndexConfig(index_type="hnsw", distance="cosine")
    filled(config, clustered(50, 4))[0].save(path, seq=1)
    assert VectorIndex.load(path, IndexConfig(index_type="hnsw", distance="dot")) is None
    assert VectorIndex.load(path, IndexConfig(index_type="hnsw", max_connections=16)) is None
    assert VectorIndex.load(path, IndexConfig(index_type="flat")) is None
    loaded = VectorIndex.load(path, IndexConfig(index_type="hnsw", ef=64, flat_search_cutoff=5))
    assert loaded is not None and loaded[0].config.ef == 64


@pytest.mark.parametrize("damage", ["missing", "truncated", "flipped byte", "garbage", "empty"])
def test_load_returns_none_for_missing_or_corrupt_files(tmp_path, damage):
    path = tmp_path / "i.faiss"
    config = IndexConfig(index_type="flat")
    filled(config, clustered(50, 4))[0].save(path, seq=1)
    raw = bytearray(path.read_bytes())
    if damage == "missing":
        path.unlink()
    elif damage == "truncated":
        path.write_bytes(raw[: len(raw) // 2])
    elif damage == "flipped byte":
        raw[len(raw) // 2] ^= 0xFF
        path.write_bytes(bytes(raw))
    elif damage == "garbage":
        path.write_bytes(b"not an index at all" * 10)
    else:
        path.write_bytes(b"")
    assert VectorIndex.load(path, config) is None


# -- configuration -------------------------------------------------------------------------------------------------
def test_config_from_weaviate():
    assert IndexConfig.from_weaviate("hnsw", None) == IndexConfig()
    config = IndexConfig.from_weaviate("flat", {
        "distance": "manhattan", "maxConnections": 16, "efConstruction": 64, "ef": 50, "dynamicEfMin": 10,
        "dynamicEfMax": 20, "dynamicEfFactor": 2, "flatSearchCutoff": 7, "skip": False, "pq": {"enabled": False},
    }, use_gpu=True)
    assert config == IndexConfig("flat", "manhattan", 16, 64, 50, 10, 20, 2, 7, True)
    with pytest.raises(ValueError, match="hnsw, flat"):
        IndexConfig.from_weaviate("dynamic", {})
    with pytest.raises(ValueError, match="l2-squared"):
        IndexConfig.from_weaviate("hnsw", {"distance": "euclidean"})


def test_dynamic_ef():
    config = IndexConfig()
    assert [config.search_ef(k) for k in (1, 20, 100, 1000)] == [100, 160, 500, 1000]
    assert IndexConfig(ef=30).search_ef(10) == 30 and IndexConfig(ef=30).search_ef(50) == 50


# -- concurrency ---------------------------------------------------------------------------------------------------
def test_searches_and_writes_while_compacting():
    data = clustered(3000, 32, seed=8)
    index, labels = filled(IndexConfig(index_type="hnsw", distance="cosine"), data)
    removed = labels[::3]
    index.remove(removed)
    forbidden = set(removed.tolist())
    errors: list[BaseException] = []
    stop = threading.Event()

    def searcher(seed: int) -> None:
        rng = np.random.default_rng(seed)
        try:
            while not stop.is_set():
                got, _ = index.search(data[rng.integers(0, len(data))], 10)
                assert len(got) == 10 and not set(got.tolist()) & forbidden
                got, _ = index.search(data[0], 5, allowed=labels[:900])
                assert len(got) == 5 and not set(got.tolist()) & forbidden
        except BaseException as exc:  # surfaced in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=searcher, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    compactor = threading.Thread(target=index.compact)
    compactor.start()
    late = np.arange(10**6, 10**6 + 50)
    for i, label in enumerate(late):  # writes racing the rebuild must survive the swap
        index.add(np.array([label]), data[i:i + 1] * 2)
    compactor.join()
    stop.set()
    for t in threads:
        t.join()
    assert not errors, errors[0]
    assert len(index) == 2000 + len(late)
    assert set(late.tolist()) <= set(index.labels().tolist())
    assert not index.needs_compaction


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("index_type", ["hnsw", "flat"])
def test_a_vector_scores_the_same_waiting_for_the_indexer_and_inside_the_index(metric, index_type):
    """Searches scan pending vectors exactly until the background indexer moves them into FAISS; the distance a
    client sees must not change in its last digit when that happens (cosine stores unit vectors)."""
    from weavebind.storage.pending import PendingVectors

    rng = np.random.default_rng(3)
    data = (rng.normal(size=(200, 48)) * rng.uniform(0.01, 50, size=(200, 1))).astype(np.float32)
    labels = np.arange(1, 201, dtype=np.int64)
    pending = PendingVectors(metric)
    pending.put(labels, data)
    index = VectorIndex(IndexConfig(index_type=index_type, distance=metric))
    index.add(labels, data)
    for query in rng.normal(size=(20, 48)).astype(np.float32):
        waiting = dict(zip(*(a.tolist() for a in pending.search(query, 200, None)), strict=True))
        indexed = dict(zip(*(a.tolist() for a in index.search(query, 10, None)), strict=True))
        assert indexed and all(waiting[label] == dist for label, dist in indexed.items())
