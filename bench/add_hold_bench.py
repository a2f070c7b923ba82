"""How long one small add holds a large vector index's write lock (every search waits that long).

While searches arrive, the indexer adds a few rows at a time (storage/indexer.py: a 2 ms budget), so the part of an
add that does not depend on its rows decides how long searches wait at scale. This builds a `flat` index of N
labels (FAISS's own add is then a copy: what is left is weavebind's bookkeeping), makes the label → row lookup a
filtered search uses, then times `--adds` adds of `--rows` rows each, with a filtered search after each (so the
lookup is kept up to date, as under a mixed load), and reports the hold time each add returned.

    PYTHONPATH=. .venv/bin/python bench/add_hold_bench.py [--n 1000000] [--dim 8] [--adds 300] [--rows 4]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from weavebind.storage.vector_index import IndexConfig, VectorIndex


def build(n: int, dim: int) -> VectorIndex:
    index = VectorIndex(IndexConfig(index_type="flat", distance="l2-squared"), dim)
    rng = np.random.default_rng(0)
    for start in range(0, n, 100_000):
        rows = min(100_000, n - start)
        index.add(np.arange(start, start + rows, dtype=np.int64), rng.random((rows, dim), dtype=np.float32))
    return index


def measure(index: VectorIndex, n: int, dim: int, adds: int, rows: int) -> dict:
    rng = np.random.default_rng(1)
    query = rng.random(dim, dtype=np.float32)
    allowed = np.arange(0, n, 10, dtype=np.int64)  # 10 %: a filtered search resolves labels to rows
    index.search(query, 10, allowed)
    held = []
    for i in range(adds):
        labels = np.arange(n + i * rows, n + (i + 1) * rows, dtype=np.int64)
        held.append(index.add(labels, rng.random((rows, dim), dtype=np.float32)))
        index.search(query, 10, allowed)
    ms = np.asarray(held) * 1000
    return {"adds": adds, "rows_per_add": rows, "hold_p50_ms": round(float(np.percentile(ms, 50)), 3),
            "hold_p99_ms": round(float(np.percentile(ms, 99)), 3), "hold_mean_ms": round(float(ms.mean()), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--dim", type=int, default=8)
    parser.add_argument("--adds", type=int, default=300)
    parser.add_argument("--rows", type=int, default=4)
    args = parser.parse_args()
    started = time.perf_counter()
    index = build(args.n, args.dim)
    result = {"n": args.n, "dim": args.dim, "build_s": round(time.perf_counter() - started, 1),
              **measure(index, args.n, args.dim, args.adds, args.rows)}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
