"""The million-object benchmark's references: exact top-10 (numpy, chunk by chunk, unfiltered and at every
selectivity) and raw FAISS on the same vectors (HNSW with weavebind's parameters, filtered by an ID bitmap).

Both stream the seeded chunks of bench/million_data.py; the exact search keeps only the running top-k per query,
so its memory is one chunk's similarity matrix. FAISS holds its own copy of the vectors (that is what it measures).
"""

from __future__ import annotations

import time

import baselines
import faiss
import million_data as md
import numpy as np

K = 10
# weavebind's efSearch for limit 10 with Weaviate's default ef = -1: clamp(10 * dynamicEfFactor 8, 100, 500).
EF_SEARCH = 100


def variants() -> list[str]:
    return ["unfiltered", *(f"{p}%" for p in md.SELECTIVITIES)]


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-30)).astype(np.float32)


def _mask(name: str, ids: np.ndarray) -> np.ndarray:
    return np.ones(len(ids), dtype=bool) if name == "unfiltered" else md.keeps(ids, int(name.rstrip("%")))


def _merge(best: tuple[np.ndarray, np.ndarray], sims: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Running top-K per query: the kept (score, row) pairs merged with this chunk's candidates."""
    if len(rows) > K:
        part = np.argpartition(-sims, K - 1, axis=0)[:K]  # (K, queries)
        sims, rows = np.take_along_axis(sims, part, axis=0), rows[part]
    else:
        rows = np.broadcast_to(rows[:, None], sims.shape)
    scores = np.concatenate([best[0], sims.T], axis=1)
    ids = np.concatenate([best[1], rows.T], axis=1)
    top = np.argsort(-scores, axis=1, kind="stable")[:, :K]
    return np.take_along_axis(scores, top, axis=1), np.take_along_axis(ids, top, axis=1)


def exact_truth(n: int, shape: md.Shape, queries: np.ndarray, seed: int = 0) -> dict[str, np.ndarray]:
    """variant -> (queries, K) rows of the exact cosine top-K among the objects the variant's filter keeps."""
    qu = _unit(queries)
    best = {name: (np.full((len(queries), K), -np.inf, dtype=np.float32), np.full((len(queries), K), -1))
            for name in variants()}
    for first, vectors in md.chunks(n, shape, seed):
        ids = np.arange(first, first + len(vectors))
        sims = _unit(vectors) @ qu.T  # (rows, queries)
        for name in best:
            keep = _mask(name, ids)
            best[name] = _merge(best[name], sims[keep], ids[keep])
    return {name: rows for name, (_, rows) in best.items()}


def recall(found: list[list[int]], truth: np.ndarray) -> float:
    return round(float(np.mean([len(set(f) & set(t.tolist())) / K for f, t in zip(found, truth, strict=True)])), 4)


def latency(lat: list[float]) -> dict:
    ms = np.asarray(lat) * 1000
    return {"p50_ms": round(float(np.percentile(ms, 50)), 3), "p99_ms": round(float(np.percentile(ms, 99)), 3)}


def _graph_bytes(index: faiss.IndexHNSWFlat) -> int:
    """The HNSW graph alone (neighbour lists, levels, offsets): what the memory target adds to the raw vectors."""
    hnsw = index.hnsw
    return int(hnsw.neighbors.size() * 4 + hnsw.levels.size() * 4 + hnsw.offsets.size() * 8)


def faiss_build(n: int, shape: md.Shape, batch: int, seed: int = 0) -> tuple[faiss.Index, dict]:
    """Add every vector, `batch` at a time (normalised: cosine as inner product), timing only `add`."""
    index = baselines.new_index("hnsw", shape.dim)
    add_s = 0.0
    for _, vectors in md.chunks(n, shape, seed):
        unit = _unit(vectors)
        for first in range(0, len(unit), batch):
            start = time.perf_counter()
            index.add(unit[first:first + batch])
            add_s += time.perf_counter() - start
    return index, {"add_s": round(add_s, 3), "add_per_s": round(n / add_s, 1), "threads": faiss.omp_get_max_threads(),
                   "M": baselines.HNSW_M, "efConstruction": baselines.HNSW_EF_CONSTRUCTION, "efSearch": EF_SEARCH,
                   "vectors_mb": round(n * shape.dim * 4 / 2**20, 1), "graph_mb": round(_graph_bytes(index) / 2**20, 1)}


def faiss_search(index: faiss.Index, queries: np.ndarray, truth: dict[str, np.ndarray]) -> dict:
    """One query at a time, one thread (as a server answers one request); filtered through an IDSelectorBitmap
    over the labels the filter keeps (labels are object numbers), built once per selectivity, not timed."""
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    qu, ids = _unit(queries), np.arange(index.ntotal)
    out = {}
    for name in variants():
        bits = np.packbits(_mask(name, ids), bitorder="little")
        sel = None if name == "unfiltered" else faiss.IDSelectorBitmap(index.ntotal, faiss.swig_ptr(bits))
        params = faiss.SearchParametersHNSW(efSearch=EF_SEARCH, sel=sel)
        lat, found = [], []
        for q in qu:
            start = time.perf_counter()
            _, labels = index.search(q[None, :], K, params=params)
            lat.append(time.perf_counter() - start)
            found.append([int(x) for x in labels[0] if x >= 0])
        out[name] = {**latency(lat), "recall_at_10": recall(found, truth[name])}
    faiss.omp_set_num_threads(threads)
    return out
