"""GPU check for flat indexes (run on a machine with a GPU and faiss-gpu): results equal the CPU path, timings.

    ENABLE_CUDA=1 python bench/gpu_check.py --n 200000 --dim 512 --queries 200
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from weavebind.storage import faiss_factory as ff
from weavebind.storage.vector_index import IndexConfig, VectorIndex


def clustered(n: int, dim: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(100, dim))
    return (centres[rng.integers(0, 100, n)] + 0.3 * rng.normal(size=(n, dim))).astype(np.float32)


def timed_searches(index: VectorIndex, queries: np.ndarray, k: int) -> tuple[list, float]:
    index.search(queries[0], k)  # warm-up (the GPU copy is made lazily)
    start = time.perf_counter()
    results = [index.search(q, k) for q in queries]
    return results, (time.perf_counter() - start) / len(queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--dim", type=int, default=512)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args()
    data = clustered(args.n, args.dim)
    queries = clustered(args.queries, args.dim, seed=1)
    labels = np.arange(1, args.n + 1, dtype=np.int64)
    report: dict = {"gpus": ff.gpu_count()}
    for metric in ("cosine", "l2-squared", "dot"):
        cpu = VectorIndex(IndexConfig(index_type="flat", distance=metric))
        gpu = VectorIndex(IndexConfig(index_type="flat", distance=metric, use_gpu=True))
        for index in (cpu, gpu):
            index.add(labels, data)
            index.remove(labels[::1000])  # tombstones must stay invisible on the GPU path too
        cpu_res, cpu_s = timed_searches(cpu, queries, args.k)
        gpu_res, gpu_s = timed_searches(gpu, queries, args.k)
        same = sum(np.array_equal(a[0], b[0]) for a, b in zip(cpu_res, gpu_res, strict=True))
        max_diff = max(float(np.max(np.abs(a[1] - b[1]))) for a, b in zip(cpu_res, gpu_res, strict=True))
        tomb_hits = sum(int(np.isin(b[0], labels[::1000]).sum()) for b in gpu_res)
        report[metric] = {"gpu_used": gpu._gpu is not None, "identical_top_k": f"{same}/{len(queries)}",
                          "max_distance_diff": max_diff, "tombstones_returned": tomb_hits,
                          "cpu_ms_per_query": round(cpu_s * 1000, 3), "gpu_ms_per_query": round(gpu_s * 1000, 3),
                          "speedup": round(cpu_s / gpu_s, 2)}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
