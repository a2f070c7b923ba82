"""Import benchmark: weavebind's `/v1/batch/objects` against the raw FAISS + SQLite floor, in the same run.

For each size: start a real server on a fresh data path, create a class (`vectorizer: none`, Weaviate's default
index settings), POST pre-serialised batches on one keep-alive connection and time the whole import. Then stop the
server, open `Store` directly on the same data and measure recall@10 and query latency against exact brute force.
Finally time the raw baselines on the same vectors: FAISS add alone, a bare sqlite3 insert alone, and their sum.

    python bench/import_bench.py --sizes 10000,100000 [--dim 512] [--batch 1000] [--index hnsw|flat]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import baselines
import numpy as np
import profiling
from common import (
    CLASS,
    RESULTS,
    Dataset,
    Server,
    batch_bodies,
    create_class,
    drain,
    http_client,
    make_dataset,
    open_store,
    post_batches,
    wait_idle,
    workdir,
)
from report import load_average, machine, print_table, write_json

TARGET_OBJECTS_PER_S = 10_000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated object counts")
    parser.add_argument("--dim", type=int, default=512)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--index", choices=("hnsw", "flat"), default="hnsw")
    parser.add_argument("--sigma", type=float, default=2.5, help="cluster noise (centres are N(0, 1))")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--out", type=Path, default=RESULTS / "import.json")
    parser.add_argument("--profile", action="store_true",
                        help="sample the server with py-spy during the import (bench/results/profile-import-N.txt)")
    return parser.parse_args()


def import_over_http(server: Server, bodies: list[bytes], n: int, args: argparse.Namespace) -> dict:
    """Start the server, create the class, import, wait until it has indexed everything, check the listing,
    stop gracefully. Acknowledged = durable in SQL; indexed = the server went idle (its FAISS backlog is empty)."""
    server.start()
    ready_s = server.wait_ready()
    try:
        with http_client(server) as client:
            create_class(client, args.index)
            spy = profiling.start(server.proc.pid, RESULTS / f"profile-import-{n}.txt") if args.profile else None
            load_before = load_average()
            result = post_batches_checked(client, bodies, args.batch, n)
            idle_at = wait_idle(server.proc.pid)
            profiling.stop(spy)
            listed = client.get("/v1/objects", params={"class": CLASS, "limit": 1})
            list_ok = listed.status_code == 200 and len(listed.json().get("objects", [])) == 1
    finally:
        stop_s = server.stop()
    indexed_s = max(idle_at - result.started, result.seconds)
    return {**result.summary(), "indexed_s": round(indexed_s, 3), "indexed_objects_per_s": round(n / indexed_s, 1),
            "ready_empty_s": round(ready_s, 3), "list_ok": list_ok, "graceful_stop_s": round(stop_s, 3),
            "load_average_before": load_before, "load_average_after": load_average()}


def post_batches_checked(client, bodies: list[bytes], batch: int, n: int):
    result = post_batches(client, bodies, batch, n)
    if result.acknowledged != n or result.failed_batches:
        raise RuntimeError(f"only {result.acknowledged}/{n} objects acknowledged SUCCESS "
                           f"({result.failed_batches} batches failed)")
    return result


def exact_top_k(data: Dataset, queries: np.ndarray, k: int) -> np.ndarray:
    """Exact cosine top-k (numpy brute force), rows in descending similarity."""
    unit = data.vectors / np.linalg.norm(data.vectors, axis=1, keepdims=True)
    q = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    sims = unit @ q.T  # (n, queries)
    top = np.argpartition(-sims, k - 1, axis=0)[:k].T
    order = np.take_along_axis(sims.T, top, axis=1).argsort(axis=1)[:, ::-1]
    return np.take_along_axis(top, order, axis=1)


def query_check(data_dir: Path, data: Dataset, count: int, k: int = 10) -> dict:
    """Recall@k and latency of `Store.search` (opened like the server opens it) against exact brute force."""
    queries, centre_ids = data.queries(count)
    truth = exact_top_k(data, queries, k)
    row_of = {u: i for i, u in enumerate(data.uuids)}
    begin = time.perf_counter()
    with open_store(data_dir) as store:
        open_s = time.perf_counter() - begin
        backlog = drain(store)  # the server indexed everything before it stopped, so this should be empty
        stored = store.count(CLASS)
        latencies, hits = [], []
        for q in queries:
            start = time.perf_counter()
            found = store.search(CLASS, "", q, k)
            latencies.append(time.perf_counter() - start)
            hits.append([row_of[u] for u, _ in found])
    recall = np.mean([len(set(h) & set(t)) / k for h, t in zip(hits, truth, strict=True)])
    lat = np.asarray(latencies) * 1000
    foreign = float(np.mean(data.labels[truth] != centre_ids[:, None]))
    return {"stored_objects": stored, "store_open_s": round(open_s, 3), **backlog,
            "recall_at_10": round(float(recall), 4), "query_mean_ms": round(float(lat.mean()), 3),
            "query_p99_ms": round(float(np.percentile(lat, 99)), 3),
            "foreign_cluster_share_of_true_top10": round(foreign, 4)}


def run_size(n: int, args: argparse.Namespace) -> dict:
    print(f"\n== {n} objects, dim {args.dim}, index {args.index}, batch {args.batch}")
    data = make_dataset(n, args.dim, sigma=args.sigma)
    bodies = batch_bodies(data, 0, n, args.batch)
    print(f"   {len(bodies)} bodies pre-serialised ({sum(map(len, bodies)) / 1e6:.0f} MB)")
    with workdir("wb-import-") as tmp:
        weavebind = import_over_http(Server(tmp / "data"), bodies, n, args)
        print(f"   weavebind: {weavebind['objects_per_s']:.0f} objects/s acknowledged, "
              f"{weavebind['indexed_objects_per_s']:.0f} objects/s indexed")
        del bodies
        query = query_check(tmp / "data", data, args.queries)
        print(f"   recall@10 {query['recall_at_10']}, query {query['query_mean_ms']} ms")
        faiss_only = baselines.faiss_add(data, args.index, args.batch)
        sql_only = baselines.sqlite_insert(data, tmp / "raw.sqlite3", args.batch)
    raw = baselines.raw_floor(faiss_only, sql_only, n)
    return {"objects": n, "weavebind": weavebind, "query": query,
            "baselines": {"faiss_add": faiss_only, "sqlite_insert": sql_only, "raw_floor": raw},
            "ratio_acknowledged_over_raw": round(weavebind["seconds"] / raw["seconds"], 2),
            "ratio_indexed_over_raw": round(weavebind["indexed_s"] / raw["seconds"], 2),
            "meets_target": weavebind["objects_per_s"] >= TARGET_OBJECTS_PER_S}


def report(runs: list[dict]) -> None:
    header = ("objects", "wb acked obj/s", "wb indexed obj/s", "FAISS add obj/s", "sqlite obj/s", "raw obj/s",
              "acked/raw time", "indexed/raw time", "recall@10", "query ms", f"acked >= {TARGET_OBJECTS_PER_S}/s")
    rows = [header]
    for r in runs:
        b, w = r["baselines"], r["weavebind"]
        rows.append((f"{r['objects']:,}", f"{w['objects_per_s']:,.0f}", f"{w['indexed_objects_per_s']:,.0f}",
                     f"{b['faiss_add']['objects_per_s']:,.0f}", f"{b['sqlite_insert']['objects_per_s']:,.0f}",
                     f"{b['raw_floor']['objects_per_s']:,.0f}", f"{r['ratio_acknowledged_over_raw']:.2f}",
                     f"{r['ratio_indexed_over_raw']:.2f}", f"{r['query']['recall_at_10']:.3f}",
                     f"{r['query']['query_mean_ms']:.2f}", "yes" if r["meets_target"] else "no"))
    print_table("import (client JSON pre-serialised; wall clock from first request to last response / to idle)", rows)


def main() -> None:
    args = parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    config = {k: v for k, v in vars(args).items() if k not in ("out", "profile")}
    runs = [run_size(n, args) for n in sizes]
    report(runs)
    if args.profile:
        for n in sizes:
            print(f"\n-- py-spy profile of the {n:,}-object import")
            profiling.print_summary(profiling.summarise(RESULTS / f"profile-import-{n}.txt"))
    write_json(args.out, {"benchmark": "import", "machine": machine(), "config": config, "runs": runs})


if __name__ == "__main__":
    main()
