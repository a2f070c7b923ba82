"""Memory per vector and recall@10 of weavebind's compressed vector indexes (pq, sq, bq, rq) against float32 HNSW,
all in one run on the same data (docs/benchmarks.md, "Compressed vector indexes").

Each index is a real `VectorIndex` built as the server builds it: vectors added in chunks of 1,000, compressed by
the same rebuild the background indexer runs once `trainingLimit` vectors exist, then searched through
`VectorIndex.search` (candidates by codes, rescored with the float32 vectors from the on-disk float file). Memory is
what the index holds in RAM: the FAISS index's serialised size (codes or vectors, HNSW graph, id map) per vector;
the float file is on disk and reported apart. Recall@10 is against exact search over the float32 vectors.

    .venv/bin/python bench/compression_bench.py [--n 20000] [--dim 512] [--queries 200] [--methods ...]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import faiss
import numpy as np

from weavebind.storage.compression import Compression
from weavebind.storage.distances import normalize
from weavebind.storage.vector_index import IndexConfig, VectorIndex

CHUNK = 1000


def make_data(n: int, dim: int, queries: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Clusters of about 20 vectors (centres ~ N(0, 1), spread 0.35 per component): each vector has a few close
    neighbours and many far ones, as embeddings of related items do. Queries are drawn the same way."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((max(1, n // 20), dim)).astype(np.float32)
    def draw(count: int) -> np.ndarray:
        return (centres[rng.integers(0, len(centres), count)]
                + 0.35 * rng.standard_normal((count, dim))).astype(np.float32)
    return draw(n), draw(queries)


def exact_top10(vectors: np.ndarray, queries: np.ndarray) -> np.ndarray:
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(normalize(vectors))
    return flat.search(normalize(queries), 10)[1]


def build(method: str | None, vectors: np.ndarray, float_dir: str, training: int,
          segments: int) -> tuple[VectorIndex, float]:
    comp = None
    if method is not None:
        comp = Compression(method, training_limit=training, rescore_limit=20 if method in ("sq", "rq") else -1,
                           segments=segments if method == "pq" else 0)
    index = VectorIndex(IndexConfig(compression=comp, float_dir=float_dir))  # Weaviate's defaults: M 32, efC 128
    started = time.perf_counter()
    for start in range(0, len(vectors), CHUNK):
        index.add(np.arange(start, min(start + CHUNK, len(vectors))), vectors[start:start + CHUNK])
        if index.needs_compression:  # what the background indexer does after an add
            index.compact()
    return index, time.perf_counter() - started


def measure(name: str, index: VectorIndex, queries: np.ndarray, truth: np.ndarray, seconds: float) -> dict:
    faiss.omp_set_num_threads(1)
    latencies, hits = [], 0
    for q, want in zip(queries, truth, strict=True):
        started = time.perf_counter()
        got = index.search(q, 10)[0]
        latencies.append(time.perf_counter() - started)
        hits += len(set(got.tolist()) & set(want.tolist()))
    n = len(index)
    floats, held = index._floats, faiss.serialize_index(index._index).size  # noqa: SLF001 - what the index holds
    return {"index": name, "compressed": index.compressed, "bytes_per_vector": held / n,
            "float_file_bytes_per_vector": (floats.rows * floats.dim * 4 / n) if floats else 0.0,
            "recall_at_10": hits / (10 * len(queries)), "p50_ms": 1000 * float(np.median(latencies)),
            "build_s": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--dim", type=int, default=512)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--training", type=int, default=5000, help="trainingLimit of pq, sq and rq")
    parser.add_argument("--methods", default="float32,sq,pq,bq,rq")
    parser.add_argument("--pq-segments", type=int, default=0, help="pq.segments (0: Weaviate's default)")
    parser.add_argument("--out", type=Path, default=Path("bench/results/compression.json"))
    args = parser.parse_args()
    vectors, queries = make_data(args.n, args.dim, args.queries)
    truth = exact_top10(vectors, queries)
    rows = []
    with tempfile.TemporaryDirectory(prefix="wb-compress-") as float_dir:
        for name in args.methods.split(","):
            index, seconds = build(None if name == "float32" else name, vectors, float_dir, args.training,
                                   args.pq_segments)
            rows.append(measure(name, index, queries, truth, seconds))
            del index
    base = next((r["bytes_per_vector"] for r in rows if r["index"] == "float32"), None)
    print(f"{args.n} x {args.dim}, {args.queries} queries, trainingLimit {args.training}, "
          f"pq segments {args.pq_segments or 'default'}")
    print(f"{'index':8} {'B/vector':>9} {'x float32':>9} {'recall@10':>9} {'p50 ms':>7} {'build s':>7} "
          f"{'disk B/vector':>13}")
    for r in rows:
        r["memory_ratio"] = r["bytes_per_vector"] / base if base else None
        ratio = f"{r['memory_ratio']:.3f}" if base else "-"
        print(f"{r['index']:8} {r['bytes_per_vector']:9.0f} {ratio:>9} {r['recall_at_10']:9.3f} "
              f"{r['p50_ms']:7.2f} {r['build_s']:7.1f} {r['float_file_bytes_per_vector']:13.0f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"n": args.n, "dim": args.dim, "queries": args.queries, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
