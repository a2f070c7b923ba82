"""Scale benchmark (`make bench-scale`): GraphQL nearVector (limit 10) from 8 clients against 1 and 2 worker
processes (`serve --workers 2`, one SQLite data directory) and against 1 and 2 nodes on one PostgreSQL (the client
alternating between the two ports); the memory (RSS, PSS) of each process; and the mixed read/write load of
bench/scale_mixed.py on 1 and 2 workers, with lost writes counted. Passes alternate (1, 2, 1, 2, ...) so both
settings see the same machine; ratios are within one run. What each figure means: docs/benchmarks.md ("Workers
and nodes").

    python bench/scale_bench.py [--objects 100000] [--dim 512] [--parts workers,nodes,mixed] [--passes 2]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import common
import httpx
import numpy as np
import profiling
import scale_cluster as cluster
import scale_mixed
import scale_report
from common import RESULTS, LeanConnection
from import_bench import exact_top_k, post_batches_checked
from query_bench import K, figures, graphql_body, graphql_rows
from report import machine, write_json

GRAPHQL = "/v1/graphql"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", default="workers,nodes,mixed")
    parser.add_argument("--objects", type=int, default=100000, help="objects for the query parts")
    parser.add_argument("--node-objects", type=int, default=0, help="objects for the nodes part (0: --objects)")
    parser.add_argument("--dim", type=int, default=512)
    parser.add_argument("--queries", type=int, default=3000, help="timed queries per pass")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--passes", type=int, default=2, help="passes of each setting, alternating")
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--shared-feed-pass", action=argparse.BooleanOptionalAction, default=True,
                        help="also 1 worker with WEAVEBIND_SHARED_DATABASE=true in the workers part")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--mixed-objects", type=int, default=20000)
    parser.add_argument("--mixed-dim", type=int, default=128)
    parser.add_argument("--mixed-seconds", type=float, default=30.0)
    parser.add_argument("--mixed-workers", default="1,2", help="worker counts of the mixed part")
    parser.add_argument("--profile-seconds", type=float, default=0.0,
                        help="extra py-spy'd runs of the mixed load on 1 and 2 workers (0: none)")
    parser.add_argument("--out", type=Path, default=RESULTS / "scale.json")
    return parser.parse_args()


# -- shared steps ------------------------------------------------------------------------------------------------
class Workload:
    """A data set, its queries, their exact top-10 and the pre-serialised request bodies."""

    def __init__(self, n: int, dim: int, queries: int, batch: int, truth: bool = True):
        self.data = common.make_dataset(n, dim)
        self.queries, _ = self.data.queries(queries)
        self.truth = exact_top_k(self.data, self.queries, K) if truth else None
        self.row_of = {u: i for i, u in enumerate(self.data.uuids)}
        self.bodies = [graphql_body(q) for q in self.queries]
        self.batch = batch

    def load(self, url: str) -> dict:
        """Create the class and import every object through `url`; returns the import's figures."""
        srv_bodies = common.batch_bodies(self.data, 0, len(self.data.vectors), self.batch)
        with httpx.Client(base_url=url, timeout=600) as client:
            common.create_class(client, "hnsw")
            imported = post_batches_checked(client, srv_bodies, self.batch, len(self.data.vectors))
        print(f"   imported {len(self.data.vectors):,} in {imported.seconds:.1f} s")
        return imported.summary()


class Balanced:
    """One keep-alive connection to each url; request i goes to url i mod n (a client-side load balancer)."""

    def __init__(self, urls: list[str]):
        self.conns = [LeanConnection(url) for url in urls]

    def __enter__(self) -> Balanced:
        return self

    def __exit__(self, *exc) -> None:
        for conn in self.conns:
            conn.conn.close()


def query_pass(urls: list[str], pids: dict[str, int], work: Workload, clients: int, warmup: int) -> dict:
    """Warm up, then the timed queries from `clients` threads; CPU seconds of every process during the run."""
    def call(session: Balanced, i: int) -> bytes:
        status, content = session.conns[i % len(session.conns)].request("POST", GRAPHQL, work.bodies[i])
        return content if status == 200 else b"HTTP %d" % status

    common.drive(min(warmup, len(work.bodies)), clients, call, lambda: Balanced(urls))
    procs = {**pids, "bench client": os.getpid()}
    before = cluster.cpu_of(procs)
    lat, out, seconds = common.drive(len(work.bodies), clients, call, lambda: Balanced(urls))
    result = figures(lat, seconds, [graphql_rows(raw, work.row_of) for raw in out], work.truth)
    result["cpu_s"] = cluster.cpu_used(before, procs)
    return result


def printed(label: str, run: dict) -> dict:
    print(f"   {label}: {run['qps']} q/s, p50 {run['p50_ms']} ms, p99 {run['p99_ms']} ms, "
          f"recall {run.get('recall_at_10')}, cpu {run['cpu_s']}, load {run['load_average']}")
    return run


# -- 1 vs 2 workers ----------------------------------------------------------------------------------------------
def workers_part(args, work: Workload, tmp: Path) -> dict:
    """Pass 0 imports into a 1-worker server; each later pass restarts on the same data directory with 1 or 2
    workers (worker 0 loads the snapshot the previous stop wrote, then publishes it for worker 1), and, with
    --shared-feed-pass, 1 worker that reads the change feed before every request as each of 2 workers must
    (WEAVEBIND_SHARED_DATABASE=true): what that costs per query on its own."""
    data_dir, passes, imported = tmp / "workers", [], None
    settings = [(1, False), (2, False)] + ([(1, True)] if args.shared_feed_pass else [])
    for n, (count, shared) in enumerate(settings * args.passes):
        env = {"WEAVEBIND_SHARED_DATABASE": "true"} if shared else {}
        srv = cluster.started(cluster.server(data_dir, f"workers{count}-pass{n}", count, env))
        try:
            if imported is None:
                imported = work.load(srv.url)
            waited = cluster.wait_indexed([srv.url])
            pids = cluster.worker_pids(srv, count)
            run = query_pass([srv.url], pids, work, args.clients, args.warmup)
            server_cpu = sum(v for k, v in run["cpu_s"].items() if k != "bench client")
            run |= {"workers": count, "shared_feed": shared, "waited_for_index_s": round(waited, 1),
                    "server_cpu_ms_per_query": round(1000 * server_cpu / run["queries"], 3),
                    "memory": {name: cluster.memory(pid) for name, pid in pids.items()}}
            passes.append(printed(f"{count} worker(s){' + change feed' if shared else ''}, pass {n}", run))
        finally:
            srv.stop()
    return {"objects": len(work.data.vectors), "dim": work.data.vectors.shape[1], "import": imported,
            "published_file_mb": published_mb(data_dir), "passes": passes,
            "ratio": ratios([p for p in passes if not p["shared_feed"]], "workers")}


def published_mb(data_dir: Path) -> float:
    return round(sum(p.stat().st_size for p in data_dir.rglob("*.shared.faiss")) / 2**20, 1)


def ratios(passes: list[dict], key: str) -> dict:
    """Mean q/s of the 2-process passes over the 1-process passes, and the same for p50 and p99."""
    def mean(count: int, field: str) -> float:
        return float(np.mean([p[field] for p in passes if p[key] == count]))

    return {f"{field}_2_over_1": round(mean(2, field) / mean(1, field), 3) for field in ("qps", "p50_ms", "p99_ms")}


# -- 1 vs 2 nodes on one PostgreSQL ------------------------------------------------------------------------------
def nodes_part(args, work: Workload, tmp: Path) -> dict:
    with cluster.postgres() as url:
        env = {"WEAVEBIND_DATABASE_URL": url, "WEAVEBIND_SHARED_DATABASE": "true"}
        nodes = [cluster.started(cluster.server(tmp / f"node-{x}", f"node-{x}", env=env)) for x in "ab"]
        try:
            imported = work.load(nodes[0].url)
            start = time.perf_counter()
            cluster.wait_indexed([srv.url for srv in nodes])  # node b catches up from SQL and builds its own
            built = round(time.perf_counter() - start, 1)
            print(f"   both nodes indexed {built} s after the import")
            passes = []
            for n, count in enumerate([1, 2] * args.passes):
                pids = {f"node {x}": srv.proc.pid for x, srv in zip("ab", nodes, strict=True)}
                run = query_pass([srv.url for srv in nodes[:count]], pids, work, args.clients, args.warmup)
                passes.append(printed(f"{count} node(s), pass {n}", run | {"nodes": count}))
            memory = {f"node {x}": cluster.memory(srv.proc.pid) for x, srv in zip("ab", nodes, strict=True)}
        finally:
            for srv in nodes:
                srv.stop()
    return {"objects": len(work.data.vectors), "dim": work.data.vectors.shape[1], "import": imported,
            "indexed_on_both_after_import_s": built, "passes": passes, "ratio": ratios(passes, "nodes"),
            "memory": memory}


# -- reads under writes ------------------------------------------------------------------------------------------
def mixed_part(args, tmp: Path) -> dict:
    work = Workload(args.mixed_objects, args.mixed_dim, 1000, args.batch, truth=False)
    runs = {}
    counts = [int(x) for x in args.mixed_workers.split(",")]
    for count in counts:
        runs[f"{count} worker(s)"] = mixed_run(args, work, tmp / f"mixed{count}", count, args.mixed_seconds)
    for count in counts if args.profile_seconds > 0 else ():
        runs[f"profiled, {count} worker(s)"] = mixed_run(args, work, tmp / f"mixed-profiled{count}", count,
                                                         args.profile_seconds, profile=True)
    return {"objects": args.mixed_objects, "dim": args.mixed_dim, "clients": args.clients, "runs": runs}


def mixed_run(args, work: Workload, data_dir: Path, count: int, seconds: float, profile: bool = False) -> dict:
    """One mixed-load run on a fresh server; with `profile`, py-spy samples each server process meanwhile (a
    separate run: the sampling costs CPU the measured runs must not lose)."""
    srv = cluster.started(cluster.server(data_dir, data_dir.name, count))
    try:
        work.load(srv.url)
        cluster.wait_indexed([srv.url])
        pids = cluster.worker_pids(srv, count)
        servers = {name: pid for name, pid in pids.items() if name != "supervisor"}
        paths = {name: RESULTS / f"profile-scale-mixed-{count}w-{name.replace(' ', '')}.txt" for name in servers}
        spies = {name: profiling.start(pid, paths[name]) for name, pid in servers.items()} if profile else {}
        before = cluster.cpu_of({**pids, "bench client": os.getpid()})
        plans, elapsed = scale_mixed.run(srv.url, work.data.uuids, work.queries, args.clients, seconds)
        result = scale_mixed.figures(plans, elapsed)
        result["cpu_s"] = cluster.cpu_used(before, {**pids, "bench client": os.getpid()})
        for spy in spies.values():
            profiling.stop(spy)
        result["verify"] = scale_mixed.verify(srv.url, plans, len(work.data.vectors))
        result["profile"] = {name: scale_report.profile_summary(paths[name]) for name, spy in spies.items() if spy}
    finally:
        srv.stop()
    print(f"   mixed, {count} worker(s): read {result['read']}, lost writes {result['verify']['lost_writes']}")
    return result


def shown(path: Path) -> str:
    """A path as the results show it: relative to the repository when inside it."""
    path = path.resolve()
    return str(path.relative_to(common.ROOT) if path.is_relative_to(common.ROOT) else path)


def main() -> None:
    args = parse_args()
    parts, result = args.parts.split(","), {"machine": machine(), "args": vars(args) | {"out": shown(args.out)}}
    began = time.perf_counter()
    with common.workdir("wb-scale-") as tmp:
        if "workers" in parts or "nodes" in parts:
            work = Workload(args.objects, args.dim, args.queries, args.batch)
        if "workers" in parts:
            print(f"workers: {args.objects:,} x {args.dim}-d, {args.clients} clients")
            result["workers"] = workers_part(args, work, tmp)
        if "nodes" in parts:
            if args.node_objects and args.node_objects != args.objects:
                work = Workload(args.node_objects, args.dim, args.queries, args.batch)
            print(f"nodes on one PostgreSQL: {len(work.data.vectors):,} x {args.dim}-d")
            result["nodes"] = nodes_part(args, work, tmp)
        if "mixed" in parts:
            print(f"mixed load: {args.mixed_objects:,} x {args.mixed_dim}-d, {args.mixed_seconds} s per run")
            result["mixed"] = mixed_part(args, tmp)
    result["machine"]["load_average_at_end"] = machine()["load_average_at_end"]
    result["total_s"] = round(time.perf_counter() - began, 1)
    scale_report.print_all(result)
    write_json(args.out, result)


if __name__ == "__main__":
    main()
