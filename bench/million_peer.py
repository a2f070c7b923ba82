"""The peer of the million-object benchmark: LanceDB, embedded, run by the `.bench-peers` venv's Python (never
weavebind's venv: LanceDB is not a dependency of the project). bench/million_bench.py starts it as a subprocess
with the queries and the exact answers in an .npz file, and reads one JSON object from its stdout.

The same seeded objects as the server gets (bench/million_data.py): `add` one chunk at a time (timed), then an
IVF_HNSW_SQ index on the vectors (cosine) and a bitmap index on `bucket` (timed: "indexed" is add + indexes), then
one query at a time: unfiltered, and at each selectivity with LanceDB's own prefilter (`where("bucket < t")`).
RSS is this process's (it holds LanceDB plus one chunk of generated data).

    .bench-peers/bin/python bench/million_peer.py --objects N --dim D [--latent L] --truth FILE.npz --path DIR
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import lancedb
import million_data as md
import numpy as np
import pyarrow as pa
from lancedb.index import Bitmap, HnswSq

K = 10
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 128
EF_SEARCH = 100


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", type=int, required=True)
    parser.add_argument("--dim", type=int, required=True)
    parser.add_argument("--latent", type=int, default=0)
    parser.add_argument("--truth", type=Path, required=True, help=".npz: queries and one array per variant")
    parser.add_argument("--path", type=Path, required=True, help="the LanceDB directory (fresh)")
    return parser.parse_args()


def memory() -> dict:
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return {"rss_mb": round(int(fields["VmRSS"].split()[0]) / 1024, 1),
            "peak_rss_mb": round(int(fields["VmHWM"].split()[0]) / 1024, 1)}


def table_of(first: int, vectors: np.ndarray) -> pa.Table:
    ids = np.arange(first, first + len(vectors))
    return pa.table({"id": ids, "bucket": md.buckets(ids).astype(np.int32), "body": [md.body(int(i)) for i in ids],
                     "vector": pa.FixedSizeListArray.from_arrays(pa.array(vectors.ravel()), vectors.shape[1])})


def load(db, n: int, shape: md.Shape) -> tuple[object, dict]:
    table, add_s = None, 0.0
    for first, vectors in md.chunks(n, shape):
        batch = table_of(first, vectors)
        start = time.perf_counter()
        if table is None:
            table = db.create_table("items", data=batch)
        else:
            table.add(batch)
        add_s += time.perf_counter() - start
    start = time.perf_counter()
    table.create_index("vector", config=HnswSq(distance_type="cosine", m=HNSW_M, ef_construction=HNSW_EF_CONSTRUCTION))
    table.create_index("bucket", config=Bitmap())
    index_s = time.perf_counter() - start
    return table, {"add_s": round(add_s, 3), "add_per_s": round(n / add_s, 1), "index_s": round(index_s, 3),
                   "indexed_per_s": round(n / (add_s + index_s), 1), "after_load": memory()}


def search(table, queries: np.ndarray, truth: dict[str, np.ndarray]) -> dict:
    out = {}
    for name, rows in truth.items():
        where = None if name == "unfiltered" else f"bucket < {int(name.rstrip('%')) * md.BUCKETS // 100}"
        lat, hits = [], []
        for q, want in zip(queries, rows, strict=True):
            start = time.perf_counter()
            query = table.search(q).distance_type("cosine").ef(EF_SEARCH).limit(K).select(["id", "_distance"])
            if where:
                query = query.where(where, prefilter=True)
            got = query.to_arrow()["id"].to_pylist()
            lat.append(time.perf_counter() - start)
            hits.append(len(set(got) & set(want.tolist())) / K)
        ms = np.asarray(lat) * 1000
        out[name] = {"p50_ms": round(float(np.percentile(ms, 50)), 3), "p99_ms": round(float(np.percentile(ms, 99)), 3),
                     "recall_at_10": round(float(np.mean(hits)), 4)}
    return out


def main() -> None:
    args = parse_args()
    saved = np.load(args.truth)
    queries = saved["queries"]
    truth = {name: saved[name] for name in saved.files if name != "queries"}
    table, loaded = load(lancedb.connect(str(args.path)), args.objects, md.Shape(args.dim, args.latent))
    searched = search(table, queries, truth)
    print(json.dumps({"peer": "lancedb", "version": lancedb.__version__, "pid": os.getpid(),
                      "index": f"IVF_HNSW_SQ m={HNSW_M} ef_construction={HNSW_EF_CONSTRUCTION} ef={EF_SEARCH}",
                      "load": loaded, "search": searched, "after_search": memory()}))


if __name__ == "__main__":
    main()
