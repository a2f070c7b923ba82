"""gRPC against GraphQL, same run, same server: the v4 Python client's `near_vector` (gRPC `Search`) and the same
queries through the v3 client's `with_near_vector` (GraphQL `Get { nearVector }`), at 1 and 8 concurrent clients.

The server is imported with N clustered 512-d objects through bench/common.py's HTTP batch import (HNSW, cosine) and
left to index everything; then each (protocol, clients) cell runs the same queries (limit 10, returning `title`, `n`,
the id and the distance either way). Each client is its own process running the real client from its tests/compat
environment (`.compat/py-v4`, `.compat/py-v3`: `make compat-envs`), so weavebind's venv stays clean and client-side
work is spread over processes as with real users. Cells run in ABBA order over two rounds, so load drift on a
shared machine does not favour one protocol.

    python bench/grpc_bench.py [--objects 100000] [--quick] [--queries 1000] [--clients 1,8] [--rounds 2]

The same file is the client driver (`--drive v4|v3`, run by the benchmark with the client environment's python):
it imports only the standard library at module level for that reason.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLIENT_PYTHON = {kind: ROOT / ".compat" / f"py-{kind}" / "bin" / "python" for kind in ("v4", "v3")}
PROTOCOL = {"v4": "gRPC (v4 near_vector)", "v3": "GraphQL (v3 nearVector)"}
CLASS, LIMIT, WARMUP = "BenchItem", 10, 20
# The v4 client asks PyPI for its latest version at connect; a dead proxy keeps the run offline (loopback bypasses).
OFFLINE = {"HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9", "NO_PROXY": "127.0.0.1,localhost",
           "no_grpc_proxy": "127.0.0.1,localhost", "PYTHONWARNINGS": "ignore"}


# -- client side: runs inside a .compat environment ---------------------------------------------------------------
def v4_searcher(http_port: int, grpc_port: int):
    import weaviate
    from weaviate.classes.query import MetadataQuery

    client = weaviate.connect_to_local(host="127.0.0.1", port=http_port, grpc_port=grpc_port)
    collection = client.collections.use(CLASS)

    def search(vector: list[float]) -> list[str]:
        found = collection.query.near_vector(vector, limit=LIMIT, return_properties=["title", "n"],
                                             return_metadata=MetadataQuery(distance=True))
        return [str(o.uuid) for o in found.objects]

    return client.close, search


def v3_searcher(http_port: int, _grpc_port: int):
    import weaviate

    client = weaviate.Client(f"http://127.0.0.1:{http_port}")

    def search(vector: list[float]) -> list[str]:
        result = client.query.get(CLASS, ["title", "n"]).with_near_vector({"vector": vector}).with_limit(LIMIT) \
            .with_additional(["id", "distance"]).do()
        if result.get("errors"):
            raise RuntimeError(result["errors"])
        return [row["_additional"]["id"] for row in result["data"]["Get"][CLASS]]

    return (lambda: None), search


def drive(args: argparse.Namespace) -> None:
    """One client: warm up, say `ready`, wait for `go` on stdin, run its share of the queries, print JSON."""
    queries = json.loads(Path(args.query_file).read_text())[args.first:args.first + args.share]
    close, search = (v4_searcher if args.drive == "v4" else v3_searcher)(args.http_port, args.grpc_port)
    for vector in queries[:WARMUP]:  # connect, and the first calls' one-off costs, untimed
        search(vector)
    print("ready", flush=True)
    sys.stdin.readline()
    latencies, ids, start = [], [], time.time()
    for vector in queries:
        begin = time.perf_counter()
        ids.append(search(vector))
        latencies.append(time.perf_counter() - begin)
    end = time.time()
    close()
    print(json.dumps({"start": start, "end": end, "latencies": latencies, "ids": ids}), flush=True)


# -- benchmark side: weavebind's venv -----------------------------------------------------------------------------
def run_cell(kind: str, clients: int, ports: tuple[int, int], query_file: Path, count: int) -> dict:
    """`clients` processes of client `kind` share `count` queries; all start together on `go`."""
    shares = [count // clients + (i < count % clients) for i in range(clients)]
    firsts = [sum(shares[:i]) for i in range(clients)]
    procs = [subprocess.Popen([str(CLIENT_PYTHON[kind]), __file__, "--drive", kind, "--http-port", str(ports[0]),
                               "--grpc-port", str(ports[1]), "--query-file", str(query_file), "--first", str(first),
                               "--share", str(share)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env={**os.environ, **OFFLINE})
             for first, share in zip(firsts, shares, strict=True)]
    for proc in procs:
        if proc.stdout.readline().strip() != "ready":
            raise RuntimeError(f"{kind} client failed to start:\n{proc.communicate()[1][-3000:]}")
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    outs = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=900)
        if proc.returncode != 0:
            raise RuntimeError(f"{kind} client failed ({proc.returncode}):\n{stderr[-3000:]}")
        outs.append(json.loads(stdout))
    return {"seconds": max(o["end"] for o in outs) - min(o["start"] for o in outs),
            "latencies": [x for o in outs for x in o["latencies"]], "ids": [x for o in outs for x in o["ids"]]}


def load(server, data, batch: int = 1000) -> dict:
    """bench/common.py's import (pre-serialised batches, one keep-alive connection), then wait until indexed."""
    from common import batch_bodies, create_class, http_client, post_batches, wait_idle

    n = len(data.uuids)
    with http_client(server) as client:
        create_class(client, "hnsw")
        result = post_batches(client, batch_bodies(data, 0, n, batch), batch, n)
    if result.acknowledged != n:
        raise RuntimeError(f"only {result.acknowledged} of {n} objects acknowledged")
    idle = wait_idle(server.proc.pid)
    return {**result.summary(), "indexed_s": round(idle - result.started, 2)}


def measure(args: argparse.Namespace, data, queries, tmp: Path) -> tuple[dict, dict]:
    from common import Server, free_port

    query_file = tmp / "queries.json"
    query_file.write_text(json.dumps(queries.tolist()))
    os.environ["GRPC_PORT"] = str(free_port())  # bench/common's Server passes our environment on
    server = Server(tmp / "data")
    server.start()
    server.wait_ready()
    cells: dict[tuple[str, int], list[dict]] = {}
    try:
        imported = load(server, data)
        ports = (server.port, int(os.environ["GRPC_PORT"]))
        for clients in args.clients:
            for r in range(args.rounds):
                for kind in (("v4", "v3") if r % 2 == 0 else ("v3", "v4")):  # ABBA
                    cells.setdefault((kind, clients), []).append(
                        run_cell(kind, clients, ports, query_file, len(queries)))
    finally:
        server.stop()
    return imported, cells


def summarise(runs: list[dict], exact: list[set[str]]) -> dict:
    import numpy as np

    latencies = np.asarray([x for run in runs for x in run["latencies"]]) * 1000
    ids = runs[0]["ids"]
    recall = float(np.mean([len(set(got) & want) / LIMIT for got, want in zip(ids, exact, strict=True)]))
    return {"queries": len(latencies), "qps": round(len(latencies) / sum(run["seconds"] for run in runs), 1),
            "p50_ms": round(float(np.percentile(latencies, 50)), 2),
            "p99_ms": round(float(np.percentile(latencies, 99)), 2), "recall_at_10": round(recall, 4)}


def exact_top10(data, queries) -> list[set[str]]:
    import numpy as np

    base = data.vectors / np.linalg.norm(data.vectors, axis=1, keepdims=True)
    q = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    top = np.argsort(-(q @ base.T), axis=1)[:, :LIMIT]
    return [{data.uuids[i] for i in row} for row in top]


def report(args: argparse.Namespace, imported: dict, cells: dict, exact: list[set[str]]) -> dict:
    from report import load_average, machine, print_table

    rows = [("protocol", "clients", "queries", "q/s", "p50 ms", "p99 ms", "recall@10")]
    summary, ratios = {}, {}
    for (kind, clients), runs in cells.items():
        s = summary[f"{kind}-{clients}"] = {"protocol": PROTOCOL[kind], "clients": clients, **summarise(runs, exact)}
        rows.append((PROTOCOL[kind], str(clients), str(s["queries"]), f"{s['qps']:,.0f}", f"{s['p50_ms']:.2f}",
                     f"{s['p99_ms']:.2f}", f"{s['recall_at_10']:.3f}"))
    for clients in args.clients:
        grpc, gql = summary[f"v4-{clients}"], summary[f"v3-{clients}"]
        same = sum(a == b for a, b in zip(cells["v4", clients][0]["ids"], cells["v3", clients][0]["ids"], strict=True))
        ratios[clients] = {"qps_grpc_over_graphql": round(grpc["qps"] / gql["qps"], 2),
                           "p50_graphql_over_grpc": round(gql["p50_ms"] / grpc["p50_ms"], 2),
                           "identical_top10_share": round(same / len(exact), 4)}
    print_table(f"near_vector limit 10 over {args.objects:,} objects ({args.dim}-d, hnsw, cosine)", rows)
    for clients, r in ratios.items():
        print(f"{clients} client(s): gRPC/GraphQL q/s {r['qps_grpc_over_graphql']}x, GraphQL/gRPC p50 "
              f"{r['p50_graphql_over_grpc']}x, identical top-10 {r['identical_top10_share']:.1%}")
    config = {k: v for k, v in vars(args).items() if k in ("objects", "quick", "dim", "queries", "clients", "rounds")}
    return {"config": config, "import": imported, "results": summary,
            "ratios": {f"{clients}-clients": r for clients, r in ratios.items()}, "machine": machine(),
            "load_average_at_end": load_average()}


def bench(args: argparse.Namespace) -> None:
    from common import RESULTS, make_dataset, workdir
    from report import write_json

    for kind, python in CLIENT_PYTHON.items():
        if not python.exists():
            sys.exit(f"{python} missing: run `make compat-envs` first (the {kind} client's environment)")
    args.out = args.out or RESULTS / ("grpc-quick.json" if args.quick else "grpc.json")
    data = make_dataset(args.objects, dim=args.dim)
    queries, _ = data.queries(args.queries)
    with workdir("grpc-bench-") as tmp:
        imported, cells = measure(args, data, queries, tmp)
    write_json(args.out, report(args, imported, cells, exact_top10(data, queries)))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="10,000 objects and 500 queries per cell")
    parser.add_argument("--dim", type=int, default=512)
    parser.add_argument("--queries", type=int, default=1000, help="queries per cell and round")
    parser.add_argument("--clients", type=lambda s: [int(x) for x in s.split(",")], default=[1, 8])
    parser.add_argument("--rounds", type=int, default=2, help="ABBA rounds per concurrency level")
    parser.add_argument("--out", type=Path, default=None)
    for name in ("--drive", "--query-file"):  # the client driver's own arguments
        parser.add_argument(name, help=argparse.SUPPRESS)
    for name in ("--http-port", "--grpc-port", "--first", "--share"):
        parser.add_argument(name, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.objects, args.queries = 10_000, 500
    return args


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.drive:
        drive(arguments)
    else:
        bench(arguments)
