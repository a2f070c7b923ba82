"""The filtered search path in-process, at sizes the server benchmarks take an hour to reach.

    PYTHONPATH=$PWD .venv/bin/python bench/filter_paths_bench.py [--objects 1000000] [--dim 32] [--out FILE]

A `Store` on SQLite with `--objects` objects (an int `bucket` = row mod 100, random vectors, HNSW with M 16 and
efConstruction 32 so that a million build in about a minute: the graph's quality is not what is measured), then per
selectivity (`bucket < t`, t = 1, 10, 50, 90 %) the median of:

- repeated: `filtered.allowed` + `IndexManager.search` with its labels, the same filter every time (what a
  dashboard or a benchmark sends; the filter index and the vector index may remember it);
- cold: the same, with the filter index's remembered answers cleared before each query (a filter never seen
  before: every step made afresh);
- unfiltered search, before and after.

The low dimension makes the unfiltered search cheap (~0.4 ms), so the ratios here are harsher than at 256-d: this
measures the filter path's own cost. Run it with PYTHONPATH pointing at another checkout to compare code. Not in
CI; docs/benchmarks.md has the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

from weavebind.blas import one_thread_per_call
from weavebind.schema.models import ClassInfo
from weavebind.search import filtered
from weavebind.search.filter_index import filter_index
from weavebind.search.filters import where_for_class
from weavebind.storage.records import ObjectRecord
from weavebind.storage.store import Store

SELECTIVITIES = (1, 10, 50, 90)
CHUNK = 10_000
INFO = ClassInfo.from_config({"class": "C", "properties": [{"name": "bucket", "dataType": ["int"]}]})
CONFIG = {"": ("hnsw", {"distance": "l2-squared", "maxConnections": 16, "efConstruction": 32})}


def _load(store: Store, objects: int, dim: int, rng: np.random.Generator) -> float:
    started = time.perf_counter()
    for start in range(0, objects, CHUNK):
        vectors = rng.standard_normal((CHUNK, dim)).astype(np.float32)
        store.put([ObjectRecord("C", str(uuid.UUID(int=start + i + 1)), {"bucket": (start + i) % 100}, 1, 1,
                                {"": vectors[i]}) for i in range(CHUNK)])
    store.indexes.indexer.drain()
    return time.perf_counter() - started


def _median_ms(run, repeats: int) -> float:
    times = []
    for i in range(repeats):
        started = time.perf_counter()
        run(i)
        times.append(time.perf_counter() - started)
    return round(float(np.median(times)) * 1e3, 3)


def _forget(store: Store) -> None:
    """Clear the filter index's remembered answers, where the code measured has them."""
    remembered = getattr(filter_index(store).key("C"), "remembered", None)
    if remembered is not None:
        remembered.clear()


def measure(store: Store, queries: np.ndarray, repeats: int) -> dict:
    def unfiltered(i):
        store.indexes.search("C", "", queries[i % len(queries)], 10)

    def filtered_search(clause, cold: bool):
        def run(i):
            if cold:
                _forget(store)
            labels = filtered.allowed(store, INFO, clause).labels()
            store.indexes.search("C", "", queries[i % len(queries)], 10, allowed_labels=labels)
        return run

    out = {"unfiltered_ms": _median_ms(unfiltered, repeats)}
    for share in SELECTIVITIES:
        clause = where_for_class({"operator": "LessThan", "path": ["bucket"], "valueInt": share}, INFO)
        filtered_search(clause, False)(0)  # builds the postings
        out[f"{share}%"] = {"repeated_ms": _median_ms(filtered_search(clause, False), repeats),
                            "cold_ms": _median_ms(filtered_search(clause, True), max(5, repeats // 2))}
    out["unfiltered_again_ms"] = _median_ms(unfiltered, repeats)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", type=int, default=1_000_000, help="a multiple of 10,000")
    parser.add_argument("--dim", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--settle", type=float, default=10, help="seconds of rest after indexing (page faults, ...)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    one_thread_per_call()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory(prefix="wb-filter-paths-") as tmp:
        store = Store(f"sqlite:///{tmp}/db.sqlite3", Path(tmp), snapshot_seconds=36_000)
        store.save_class("C", INFO.config, CONFIG)
        store.open({"C": CONFIG})
        try:
            loaded = _load(store, args.objects, args.dim, rng)
            time.sleep(args.settle)
            result = {"objects": args.objects, "dim": args.dim, "load_s": round(loaded, 1),
                      "code": os.environ.get("PYTHONPATH", ""), "load_average": os.getloadavg(),
                      **measure(store, rng.standard_normal((200, args.dim)).astype(np.float32), args.repeats)}
        finally:
            store.close()
    text = json.dumps(result, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    sys.exit(main())
