"""Indexing throughput: seconds from the first write until every vector is in the index, importing N x d through a
real server (REST `/v1/batch/objects`, batches of 1,000 on one connection), against FAISS `add` alone of the same
vectors with the same HNSW settings (M 32, efConstruction 128, cosine as normalised inner product) and the same
thread count, in the same run (FAISS is timed in a child process before and after the server, and the two are
averaged). Also shown: FAISS with one thread (what the indexer uses while writes arrive), and FAISS at the indexer's
own conditions (nice 10, OMP_WAIT_POLICY=PASSIVE as `weavebind serve` sets it): on a machine shared with other
work, a nice 10 thread gets a small share of the CPU, which FAISS alone at nice 0 does not pay.

"Indexed" is read from `/v1/nodes?output=verbose`: every shard's `vectorQueueLength` at 0 and the object count at N.
Target (issue 13): server throughput >= 0.9x FAISS add alone.

    python bench/indexing_bench.py [--n 30000] [--dim 128] [--snapshot-seconds 30] [--profile]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import baselines
import faiss
import httpx
import profiling
from common import RESULTS, Server, batch_bodies, create_class, http_client, make_dataset, post_batches, workdir
from report import load_average, machine, print_table, write_json

POLL_SECONDS = 0.25


def indexed(client: httpx.Client, n: int) -> bool:
    nodes = client.get("/v1/nodes", params={"output": "verbose"}).json()["nodes"]
    shards = [s for node in nodes for s in node.get("shards") or []]
    return sum(s["objectCount"] for s in shards) >= n and not any(s["vectorQueueLength"] for s in shards)


def server_import(data, bodies: list[bytes], batch: int, profile_to: Path | None, snapshot_s: int) -> dict:
    with workdir("wb-indexing-") as tmp:
        server = Server(tmp / "data", env={"WEAVEBIND_INDEX_SNAPSHOT_SECONDS": str(snapshot_s)})
        server.start()
        server.wait_ready()
        spy = profiling.start(server.proc.pid, profile_to) if profile_to else None
        try:
            with http_client(server) as client:
                create_class(client, "hnsw")
                result = post_batches(client, bodies, batch, len(data.vectors))
                acked = time.perf_counter()
                polls = []
                with httpx.Client(base_url=server.url, timeout=60) as poll:
                    while True:
                        asked = time.perf_counter()
                        if indexed(poll, len(data.vectors)):
                            break
                        polls.append(time.perf_counter() - asked)
                        time.sleep(POLL_SECONDS)  # the polls run at normal priority: asking often slows the indexer
                done = time.perf_counter()
        finally:
            profiling.stop(spy)
            server.stop()
    return {"acknowledged_s": round(acked - result.started, 3), "indexed_s": round(done - result.started, 3),
            "after_last_ack_s": round(done - acked, 3), "failed_batches": result.failed_batches,
            "poll_ms_mean": round(1000 * sum(polls) / max(1, len(polls)), 2)}


def faiss_only(args: argparse.Namespace) -> None:
    """Child process: FAISS add alone (bench/baselines.py) at this process's priority and OpenMP settings."""
    os.nice(args.nice)
    faiss.omp_set_num_threads(args.threads)
    print(baselines.faiss_add(make_dataset(args.n, args.dim), "hnsw", args.batch)["seconds"])


def faiss_child(args: argparse.Namespace, threads: int, nice: int = 0, env: dict | None = None) -> float:
    command = [sys.executable, __file__, "--faiss-only", "--threads", str(threads), "--nice", str(nice),
               "--n", str(args.n), "--dim", str(args.dim), "--batch", str(args.batch)]
    out = subprocess.run(command, env={**os.environ, **(env or {})}, check=True, capture_output=True, text=True)
    return float(out.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=30000)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--snapshot-seconds", type=int, default=30,
                        help="the server's WEAVEBIND_INDEX_SNAPSHOT_SECONDS (low: snapshots' cost during the import)")
    parser.add_argument("--profile", action="store_true", help="py-spy the server (bench/profiling.py)")
    parser.add_argument("--out", type=Path, default=RESULTS / "indexing.json")
    parser.add_argument("--faiss-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=faiss.omp_get_max_threads(), help=argparse.SUPPRESS)
    parser.add_argument("--nice", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.faiss_only:
        return faiss_only(args)
    data = make_dataset(args.n, args.dim)
    bodies = batch_bodies(data, 0, args.n, args.batch)
    threads, load_before = args.threads, load_average()
    first = faiss_child(args, threads)
    profile_to = RESULTS / f"profile-indexing-{args.n}.txt" if args.profile else None
    server = server_import(data, bodies, args.batch, profile_to, args.snapshot_seconds)
    second = faiss_child(args, threads)
    one_thread = faiss_child(args, 1)
    like_indexer = faiss_child(args, threads, 10, {"OMP_WAIT_POLICY": "PASSIVE"})
    faiss_s = (first + second) / 2
    ratio = faiss_s / server["indexed_s"]
    rows = [("FAISS add alone (mean of 2)", faiss_s), ("server: first write to all indexed", server["indexed_s"]),
            ("server: acknowledged", server["acknowledged_s"]), ("FAISS add alone, 1 thread", one_thread),
            ("FAISS add alone, nice 10, passive OpenMP", like_indexer)]
    print_table(f"indexing {args.n} x {args.dim} HNSW, {threads} threads", [
        ("", "seconds", "vectors/s"), *((name, f"{s:.2f}", f"{args.n / s:.0f}") for name, s in rows),
        ("server throughput / FAISS", f"{ratio:.2f}x", "target >= 0.9x"),
        ("server / FAISS at the indexer's priority", f"{like_indexer / server['indexed_s']:.2f}x", ""),
    ])
    write_json(args.out, {"machine": machine(), "n": args.n, "dim": args.dim, "threads": threads,
                          "snapshot_seconds": args.snapshot_seconds, "faiss_add_s": [first, second],
                          "faiss_add_1_thread_s": one_thread, "faiss_add_like_indexer_s": like_indexer,
                          "server": server, "ratio": round(ratio, 3),
                          "load_average": [load_before, load_average()]})
    if profile_to:
        profiling.print_summary(profiling.summarise(profile_to))
    return None


if __name__ == "__main__":
    main()
