"""Million-object benchmark (issue 13 item 6): weavebind, raw FAISS and one peer (LanceDB) on the same seeded data
in one run. Not part of CI; `make bench-million` creates the peer's venv `.bench-peers` and runs this.

N vectors (default 1,000,000 x 512-d) with an int `bucket` (`bucket < t` keeps t %) and a text `body` with a rare,
a common and an every-object term (bench/million_data.py). Reported: import rate acknowledged and indexed, server
peak and idle RSS, restart (SIGTERM by PID, start: seconds to ready and to the first answered query), GraphQL
nearVector p50/p99 and recall@10 unfiltered and at 1/10/50/90 % selectivity (exact answers: numpy over the chunks),
bm25 p50 per term, Aggregate meta{count} p50 per filter; raw FAISS HNSW (weavebind's M/efConstruction/efSearch) add
rate and search p50/recall, filtered by an ID bitmap; the peer's import rate, query and filtered p50/recall and RSS.
Results: a table at the end and bench/results/million.json; docs/benchmarks.md ("A million objects").

    python bench/million_bench.py [--objects 1000000] [--dim 512] [--queries 200] [--no-peer] [--no-faiss]
    python bench/million_bench.py --objects 50000 --dim 128        # the short check, under 3 minutes
    python bench/million_bench.py --dim 256 --latent 64              # embedding-like data (bench/million_data.py)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import common
import million_data as md
import million_raw
import million_report
import million_server
import numpy as np
import orjson
from common import RESULTS, ROOT, Server
from report import load_average, machine, write_json

PEER_PYTHON = ROOT / ".bench-peers" / "bin" / "python"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", type=int, default=1_000_000)
    parser.add_argument("--dim", type=int, default=512, help="512 by default; 256 where 512 does not fit")
    parser.add_argument("--latent", type=int, default=0,
                        help="spread the vectors within a subspace of this rank (0: isotropic noise, the default)")
    parser.add_argument("--queries", type=int, default=200, help="nearVector queries per variant")
    parser.add_argument("--keyword-queries", type=int, default=30, help="bm25 and Aggregate requests per variant")
    parser.add_argument("--query-budget", type=float, default=120,
                        help="seconds of nearVector rounds after which no new round starts (at least 20 are run)")
    parser.add_argument("--keyword-budget", type=float, default=30,
                        help="the same for bm25 and Aggregate (at least 5 rounds)")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--no-faiss", action="store_true", help="skip raw FAISS (its add is as long as the index)")
    parser.add_argument("--no-peer", action="store_true", help="skip LanceDB")
    parser.add_argument("--peer-python", type=Path, default=PEER_PYTHON)
    parser.add_argument("--out", type=Path, default=RESULTS / "million.json")
    args = parser.parse_args(argv)
    if args.objects < 100 or args.objects % md.BUCKETS:
        parser.error(f"--objects must be a positive multiple of {md.BUCKETS} (so each selectivity is exact)")
    if args.dim < 2 or args.queries < 1 or args.keyword_queries < 1 or args.batch < 1:
        parser.error("--dim must be at least 2; --queries, --keyword-queries and --batch at least 1")
    if not 0 <= args.latent <= args.dim:
        parser.error("--latent must be between 0 and --dim")
    args.shape = md.Shape(args.dim, args.latent)
    return args


class Phases:
    """Wall-clock seconds of each part, to estimate longer runs from short ones."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def run(self, name: str, call, *args):
        print(f"== {name}", flush=True)
        start = time.perf_counter()
        result = call(*args)
        self.seconds[name] = round(time.perf_counter() - start, 1)
        print(f"   {self.seconds[name]} s", flush=True)
        return result


def weavebind_side(args, queries: np.ndarray, truth: dict, tmp: Path, phases: Phases) -> dict:
    server = Server(tmp / "data")
    server.start()
    out = {"ready_empty_s": round(server.wait_ready(), 3)}
    try:
        out["import"] = phases.run("weavebind import", million_server.import_part, server, args.objects, args.shape,
                                   args.batch)
        out["near_vector"] = phases.run("weavebind nearVector", million_server.near_vector_part, server.url, queries,
                                        truth, args.query_budget)
        out["keyword"] = phases.run("weavebind bm25 and Aggregate", million_server.keyword_part, server.url,
                                    args.objects, args.keyword_queries, args.keyword_budget)
        out["after_queries"] = million_server.memory(server.proc.pid)
        out["snapshot"] = phases.run("weavebind snapshot of 2 % more", million_server.snapshot_part, server,
                                     args.objects, args.shape, args.batch)
        out["restart"] = phases.run("weavebind restart", million_server.restart_part, server, queries[0])
    finally:
        server.stop()
    return out


def faiss_side(args, queries: np.ndarray, truth: dict, phases: Phases) -> dict:
    index, built = phases.run("FAISS add", million_raw.faiss_build, args.objects, args.shape, args.batch)
    searched = phases.run("FAISS search", million_raw.faiss_search, index, queries, truth)
    return {"build": built, "search": searched}


def peer_side(args, queries: np.ndarray, truth: dict, tmp: Path) -> dict:
    if not args.peer_python.exists():
        return {"error": f"{args.peer_python} not found: `make bench-million` creates the .bench-peers venv"}
    saved = tmp / "truth.npz"
    np.savez(saved, queries=queries, **truth)
    done = subprocess.run([str(args.peer_python), str(ROOT / "bench" / "million_peer.py"), "--objects",
                           str(args.objects), "--dim", str(args.dim), "--latent", str(args.latent), "--truth",
                           str(saved), "--path", str(tmp / "lancedb")], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "bench"), "RUST_LOG": "error"})
    if done.returncode != 0:
        return {"error": f"exit {done.returncode}: {done.stderr[-800:]}"}
    return orjson.loads(done.stdout.strip().splitlines()[-1])


def run(args: argparse.Namespace) -> dict:
    phases = Phases()
    queries = md.queries(args.queries, args.shape)
    truth = phases.run("exact answers (numpy, chunked)", million_raw.exact_truth, args.objects, args.shape, queries)
    result: dict = {"objects": args.objects, "dim": args.dim, "latent": args.latent, "queries": args.queries,
                    "load_average_at_start": load_average()}
    with common.workdir("wb-million-") as tmp:
        result["weavebind"] = weavebind_side(args, queries, truth, tmp, phases)
        if not args.no_faiss:
            result["faiss"] = faiss_side(args, queries, truth, phases)
        if not args.no_peer:
            result["peer"] = phases.run("peer (LanceDB)", peer_side, args, queries, truth, tmp)
    result["phase_seconds"] = phases.seconds
    result["targets"] = million_report.targets(result)
    return result


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    print(f"\n== million benchmark: {args.objects:,} x {args.dim}-d, {args.queries} queries per variant", flush=True)
    start = time.perf_counter()
    result = run(args)
    result["total_s"] = round(time.perf_counter() - start, 1)
    million_report.print_all(result)
    config = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items() if k not in ("out", "shape")}
    write_json(args.out, {"benchmark": "million", "machine": machine(), "config": config, **result,
                          "load_average_at_end": load_average()})


if __name__ == "__main__":
    sys.exit(main())
