"""Filtered `nearVector` benchmark: GraphQL `nearVector` (limit 10) with a `where` keeping 1 %, 10 %, 50 % and 90 %
of the class, against the same server's unfiltered `nearVector`, with recall@10 against exact filtered search; then,
in-process on the same data, the filter answered by the inverted index (search/filtered.py) against the scan it
replaced (filters_refs.scan_matching), each followed by the same vector search. Results: docs/benchmarks.md
("Filtered nearVector").

    python bench/filtered_bench.py [--objects 50000] [--dim 128] [--queries 300]
"""

from __future__ import annotations

import argparse
import time

import common
import numpy as np
import orjson
from common import CLASS, RESULTS, Server
from import_bench import post_batches_checked
from report import machine, write_json

K = 10
CATEGORIES = 100
TENTH = [f"c{i}" for i in range(10)]
FILTERS = {  # selectivity -> (where as GraphQL text, where as JSON, mask of the rows it keeps)
    "1%": ('{operator: Equal, path: ["cat"], valueText: "c7"}',
           {"operator": "Equal", "path": ["cat"], "valueText": "c7"}, lambda i: i % CATEGORIES == 7),
    "10%": ('{operator: ContainsAny, path: ["cat"], valueText: ' + orjson.dumps(TENTH).decode() + "}",
            {"operator": "ContainsAny", "path": ["cat"], "valueText": TENTH}, lambda i: i % CATEGORIES < 10),
    "50%": (None, None, None),  # filled in with the class size: n < half
    "90%": ('{operator: Not, operands: [{operator: ContainsAny, path: ["cat"], valueText: '
            + orjson.dumps(TENTH).decode() + "}]}",
            {"operator": "Not", "operands": [{"operator": "ContainsAny", "path": ["cat"], "valueText": TENTH}]},
            lambda i: i % CATEGORIES >= 10),
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", type=int, default=50000)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--scan-queries", type=int, default=20, help="queries timed on the (slow) scan path")
    parser.add_argument("--batch", type=int, default=1000)
    return parser.parse_args()


def class_body() -> dict:
    return {"class": CLASS, "vectorizer": "none", "vectorIndexType": "hnsw", "properties": [
        {"name": "n", "dataType": ["int"]}, {"name": "cat", "dataType": ["text"], "tokenization": "field"}]}


def bodies(data: common.Dataset, batch: int) -> list[bytes]:
    out = []
    for first in range(0, len(data.vectors), batch):
        objs = [{"class": CLASS, "id": data.uuids[i], "properties": {"n": i, "cat": f"c{i % CATEGORIES}"},
                 "vector": data.vectors[i]} for i in range(first, min(len(data.vectors), first + batch))]
        out.append(orjson.dumps({"objects": objs}, option=orjson.OPT_SERIALIZE_NUMPY))
    return out


def wait_indexed(client, timeout: float = 600) -> None:
    """Until the class has no vectors waiting for the indexer (the shards API's vectorQueueSize): pending vectors
    are scanned exactly, which would be measured instead of the index."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        shards = client.get(f"/v1/schema/{CLASS}/shards").json()
        if all(shard.get("vectorQueueSize", 0) == 0 for shard in shards):
            return
        time.sleep(0.5)
    raise TimeoutError("vectors still waiting for the indexer")


def exact_filtered(data: common.Dataset, queries: np.ndarray, keep: np.ndarray) -> list[set[int]]:
    rows = np.flatnonzero(keep)
    unit = data.vectors[rows] / np.linalg.norm(data.vectors[rows], axis=1, keepdims=True)
    sims = unit @ (queries / np.linalg.norm(queries, axis=1, keepdims=True)).T
    top = np.argpartition(-sims, K - 1, axis=0)[:K].T
    return [set(rows[t].tolist()) for t in top]


def graphql(vector: np.ndarray, where: str | None) -> bytes:
    literal = orjson.dumps(vector, option=orjson.OPT_SERIALIZE_NUMPY).decode()
    extra = f", where: {where}" if where else ""
    query = f"{{ Get {{ {CLASS}(nearVector: {{vector: {literal}}}, limit: {K}{extra}) {{ _additional {{ id }} }}}}}}"
    return orjson.dumps({"query": query})


def server_runs(server: Server, queries: np.ndarray, truths: dict, row_of: dict) -> dict:
    """One client; each query is sent unfiltered and with every filter in turn (round robin), so whatever else the
    shared machine does meanwhile slows all variants alike and their ratios hold."""
    variants = [("unfiltered", None), *((name, where) for name, (where, _, _) in FILTERS.items())]
    loads = {name: [graphql(q, where) for q in queries] for name, where in variants}
    lat: dict[str, list[float]] = {name: [] for name, _ in variants}
    answers: dict[str, list[bytes]] = {name: [] for name, _ in variants}
    with common.LeanConnection(server.url) as conn:
        for name, _ in variants:  # warm-up (builds each filter's postings)
            for body in loads[name][:30]:
                conn.request("POST", "/v1/graphql", body)
        for i in range(len(queries)):
            for name, _ in variants:
                start = time.perf_counter()
                _, content = conn.request("POST", "/v1/graphql", loads[name][i])
                lat[name].append(time.perf_counter() - start)
                answers[name].append(content)
    out = {}
    for name, _ in variants:
        found = [[row_of[h["_additional"]["id"]] for h in orjson.loads(a)["data"]["Get"][CLASS]]
                 for a in answers[name]]
        recall = np.mean([len(set(f) & t) / K for f, t in zip(found, truths[name], strict=True)])
        out[name] = {"p50_ms": round(float(np.percentile(lat[name], 50)) * 1000, 3),
                     "p99_ms": round(float(np.percentile(lat[name], 99)) * 1000, 3),
                     "recall_at_10": round(float(recall), 4)}
    base = out["unfiltered"]["p50_ms"]
    for run in out.values():
        run["over_unfiltered"] = round(run["p50_ms"] / base, 2)
    return out


def in_process(data_dir, queries: np.ndarray, scan_queries: int) -> dict:
    """Filter + vector search through the storage layer, by the index and by the scan it replaced; the unfiltered
    search timed again right after each, for a ratio taken under the same load."""
    from weavebind.schema.models import ClassInfo
    from weavebind.search import filtered
    from weavebind.search.filters import where_for_class
    from weavebind.search.filters_refs import scan_matching

    out = {}
    with common.open_store(data_dir) as store:
        common.drain(store)
        info = ClassInfo.from_config(class_body())
        for name, (_, where, _) in FILTERS.items():
            clause = where_for_class(where, info)

            def by_index(q, clause=clause):
                allowed = filtered.allowed(store, info, clause)
                return store.indexes.search(CLASS, "", q, K, allowed_labels=allowed.labels())

            def by_scan(q, clause=clause):
                uuids = [r.uuid for r in scan_matching(store, CLASS, clause)]
                return store.indexes.search(CLASS, "", q, K, uuids)

            by_index(queries[0])
            out[name] = {"index_p50_ms": _p50(by_index, queries), "scan_p50_ms": _p50(by_scan, queries[:scan_queries])}
            out[name]["unfiltered_p50_ms"] = _p50(lambda q: store.indexes.search(CLASS, "", q, K), queries)
            out[name]["scan_over_index"] = round(out[name]["scan_p50_ms"] / out[name]["index_p50_ms"], 1)
    return out


def _p50(call, queries: np.ndarray) -> float:
    lat = []
    for q in queries:
        start = time.perf_counter()
        call(q)
        lat.append(time.perf_counter() - start)
    return round(float(np.percentile(lat, 50)) * 1000, 3)


def main() -> None:
    args = parse_args()
    n = args.objects
    FILTERS["50%"] = (f'{{operator: LessThan, path: ["n"], valueInt: {n // 2}}}',
                      {"operator": "LessThan", "path": ["n"], "valueInt": n // 2}, lambda i: i < n // 2)
    data = common.make_dataset(n, args.dim, sigma=2.5 if args.dim >= 256 else 1.0)
    queries, _ = data.queries(args.queries)
    index = np.arange(n)
    truths = {"unfiltered": exact_filtered(data, queries, np.ones(n, dtype=bool))}
    truths.update({name: exact_filtered(data, queries, keep(index)) for name, (_, _, keep) in FILTERS.items()})
    row_of = {u: i for i, u in enumerate(data.uuids)}
    with common.workdir("wb-filtered-") as tmp:
        server = Server(tmp / "data")
        server.start()
        server.wait_ready()
        try:
            with common.http_client(server) as client:
                client.post("/v1/schema", content=orjson.dumps(class_body()), headers=common.JSON_HEADERS)
                imported = post_batches_checked(client, bodies(data, args.batch), args.batch, n)
                wait_indexed(client)
            common.wait_idle(server.proc.pid)
            print(f"   imported {n} x {args.dim} in {imported.seconds:.1f} s")
            served = server_runs(server, queries, truths, row_of)
        finally:
            server.stop()
        local = in_process(server.data_dir, queries, args.scan_queries)
    result = {"objects": n, "dim": args.dim, "queries": args.queries, "machine": machine(), "graphql": served,
              "in_process": local}
    for name, run in served.items():
        print(f"   {name:>10}: GraphQL p50 {run['p50_ms']} ms ({run['over_unfiltered']}x unfiltered), "
              f"recall@10 {run['recall_at_10']}" + (f"; in-process index {local[name]['index_p50_ms']} ms vs scan "
                                                    f"{local[name]['scan_p50_ms']} ms" if name in FILTERS else ""))
    write_json(RESULTS / "filtered.json", result)


if __name__ == "__main__":
    main()
