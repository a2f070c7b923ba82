"""Query benchmark: GraphQL `nearVector` (limit 10) on a real weavebind server beside raw FAISS and `chroma run`,
same data and queries, in one run; recall@10 of each against exact brute force. What each figure means, and the
latest results: docs/benchmarks.md ("GraphQL nearVector queries").

    python bench/query_bench.py --objects 100000 [--dim 512] [--queries 1000] [--concurrency 1,8] [--no-chroma]
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import time
from pathlib import Path

import baselines
import common
import faiss
import httpx
import numpy as np
import orjson
import profiling
from common import CLASS, JSON_HEADERS, RESULTS, Server
from import_bench import exact_top_k, post_batches_checked
from report import load_average, machine, print_table, write_json

from weavebind.storage.faiss_factory import memory_buffers
from weavebind.storage.hugepages import back_with_huge_pages

K = 10
TARGETS = {"recall_at_10": 0.95, "qps_over_faiss": 0.5, "qps_over_chroma": 2.0, "overhead_p50_ms": 0.5}
STAGES = (  # (label, py-spy frame prefix): inclusive ms per query in the profiled pass
    ("event loop: the request (ASGI app)", "RequestResponseCycle.run_asgi ("),
    ("worker thread: graphql-core path", "GraphQLService.execute_prepared ("),
    ("  lift query vectors (lift.py)", "lift_vectors ("), ("  compiled plan (GetPlan.execute)", "GetPlan.execute ("),
    ("    run_get", "run_get ("), ("      Store.search", "Store.search ("),
    ("        FAISS IndexIDMap.search", "IndexIDMap.search ("),
    ("        exact re-scoring (_rank)", "VectorIndex._rank ("),
    ("      fetch objects (SQL)", "fetch (weavebind/search/r"),
    ("  response (uvicorn send)", "RequestResponseCycle.send ("))
ROOTS = (STAGES[0][1], STAGES[1][1])  # stacks outside these (idle threads, the indexer) are left out
CHROMA_COLLECTIONS = "/api/v2/tenants/default_tenant/databases/default_database/collections"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", type=int, default=100000)
    parser.add_argument("--dim", type=int, default=512)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--concurrency", default="1,8", help="comma-separated client (thread) counts")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--sigma", type=float, default=2.5, help="cluster noise (centres are N(0, 1))")
    parser.add_argument("--warmup", type=int, default=200, help="untimed queries before the timed runs")
    parser.add_argument("--profile-seconds", type=float, default=10.0, help="py-spy'd 1-client pass; 0: none")
    parser.add_argument("--no-chroma", action="store_true")
    parser.add_argument("--chroma-venv", type=Path, default=Path("/tmp/wb-bench-chroma-venv"))
    parser.add_argument("--chroma-spec", default="chromadb==1.5.9", help="what pip installs into --chroma-venv")
    parser.add_argument("--out", type=Path, default=RESULTS / "query.json")
    return parser.parse_args()


# -- measuring ---------------------------------------------------------------------------------------------------
def figures(lat: np.ndarray, seconds: float, rows: list | None, truth: np.ndarray | None) -> dict:
    ms = lat * 1000
    out = {"queries": len(lat), "seconds": round(seconds, 3), "qps": round(len(lat) / seconds, 1),
           "p50_ms": round(float(np.percentile(ms, 50)), 3), "p99_ms": round(float(np.percentile(ms, 99)), 3),
           "mean_ms": round(float(ms.mean()), 3), "load_average": load_average()}
    if rows is not None:
        out["failed"] = sum(r is None for r in rows)
        hits = [len(set(r or ()) & set(t.tolist())) / K for r, t in zip(rows, truth, strict=True)]
        out["recall_at_10"] = round(float(np.mean(hits)), 4)
    return out


def timed_runs(name: str, load, clients: list[int], rows, truth: np.ndarray) -> dict:
    """`load(workers)` -> (latencies, answers, seconds) at each client count; `rows(answer)` -> data rows."""
    runs = {}
    for workers in clients:
        lat, out, seconds = load(workers)
        runs[str(workers)] = run = figures(lat, seconds, [rows(a) for a in out], truth)
        print(f"   {name}, {workers} clients: " + ", ".join(f"{k} {v}" for k, v in run.items() if k != "queries"))
    return runs


# -- weavebind ---------------------------------------------------------------------------------------------------
ID_FIELDS = "_additional { id distance }"
PROPERTY_FIELDS = "title n _additional { id distance }"


def graphql_body(vector: np.ndarray, fields: str = ID_FIELDS) -> bytes:
    """The vector inlined in the query text, as Weaviate's clients send it (same number text as Chroma gets)."""
    literal = orjson.dumps(vector, option=orjson.OPT_SERIALIZE_NUMPY).decode()
    query = f"{{ Get {{ {CLASS}(nearVector: {{vector: {literal}}}, limit: {K}) {{ {fields} }}}}}}"
    return orjson.dumps({"query": query})


def graphql_rows(raw: bytes, row_of: dict[str, int]) -> list[int] | None:
    with contextlib.suppress(ValueError, KeyError, TypeError):  # an error answer has no data: counted as failed
        return [row_of[hit["_additional"]["id"]] for hit in orjson.loads(raw)["data"]["Get"][CLASS]]
    return None


def weavebind_side(server: Server, data, queries: np.ndarray, truth: np.ndarray, args) -> dict:
    bodies = common.batch_bodies(data, 0, len(data.vectors), args.batch)
    server.start()
    server.wait_ready()
    try:
        with common.http_client(server) as client:
            common.create_class(client, "hnsw")
            imported = post_batches_checked(client, bodies, args.batch, len(data.vectors))
            idle_s = common.wait_idle(server.proc.pid) - imported.started
        del bodies
        print(f"   imported in {imported.seconds:.1f} s, indexed (idle) after {idle_s:.1f} s")
        result = {"import": {**imported.summary(), "indexed_s": round(max(idle_s, imported.seconds), 3)},
                  **query_weavebind(server, queries, truth, args)}
    finally:
        server.stop()
    result["store_search"] = store_side(server.data_dir, queries, truth, args.row_of)
    return result


def query_weavebind(server: Server, queries: np.ndarray, truth: np.ndarray, args) -> dict:
    bodies = [graphql_body(q) for q in queries]
    common.post_load(server.url, "/v1/graphql", bodies[:args.warmup] or bodies[:1], 1)
    runs = timed_runs("weavebind", lambda w: common.post_load(server.url, "/v1/graphql", bodies, w), args.clients,
                      lambda raw: graphql_rows(raw, args.row_of), truth)
    # The same queries selecting two properties too: the objects are then read from SQL (ids and distances alone
    # come from the index, see GetQuery.ids_only).
    with_props = [graphql_body(q, PROPERTY_FIELDS) for q in queries]
    common.post_load(server.url, "/v1/graphql", with_props[:args.warmup] or with_props[:1], 1)
    prop_runs = timed_runs("weavebind (+ title, n)", lambda w: common.post_load(server.url, "/v1/graphql", with_props,
                                                                                w),
                           args.clients, lambda raw: graphql_rows(raw, args.row_of), truth)
    floor = common.get_load(server.url, "/v1/.well-known/live", len(bodies))
    result = {"runs": runs, "runs_with_properties": prop_runs,
              "http_floor_live": figures(floor[0], floor[2], None, None)}
    if args.profile_seconds > 0:
        result["profile"] = profiled_pass(server, bodies, args.profile_seconds)
    return result


def store_side(data_dir: Path, queries: np.ndarray, truth: np.ndarray, row_of: dict[str, int]) -> dict:
    """`Store.search` in-process on the server's data (opened as the server opens it): the storage layer alone."""
    with common.open_store(data_dir) as store:
        common.drain(store)
        call = lambda _s, i: [row_of[u] for u, _ in store.search(CLASS, "", queries[i], K)]  # noqa: E731
        common.drive(min(len(queries), 200), 1, call)
        return timed_runs("Store.search in-process", lambda w: common.drive(len(queries), w, call), [1], list, truth)


def profiled_pass(server: Server, bodies: list[bytes], seconds: float) -> dict:
    """One client, the queries cycled for about `seconds`, under py-spy (bench/profiling.py: --idle, 100 Hz)."""
    path = RESULTS / "profile-query-1client.txt"
    spy = profiling.start(server.proc.pid, path)
    time.sleep(1.0)  # py-spy attaches
    n, begin = 0, time.perf_counter()
    while time.perf_counter() - begin < seconds:
        n += len(common.post_load(server.url, "/v1/graphql", bodies, 1)[0])
    elapsed = time.perf_counter() - begin
    profiling.stop(spy)
    if spy is None:
        return {}
    part = profiling.hotspots(profiling.read_stacks(path, ROOTS), top=None)
    ms = lambda samples: round(samples * 1000 / profiling.RATE / n, 3)  # noqa: E731
    stages = {name: ms(sum(r["samples"] for r in part["inclusive"] if r["function"].startswith(a))) for name, a in
              STAGES}
    return {"file": str(path), "queries": n, "seconds": round(elapsed, 2), "qps": round(n / elapsed, 1), "ms_per_query":
            stages, "top_self": [{**row, "ms_per_query": ms(row["samples"])} for row in part["self"][:15]]}


# -- raw FAISS ---------------------------------------------------------------------------------------------------
def faiss_side(data, queries: np.ndarray, truth: np.ndarray, clients: list[int]) -> dict:
    """The same index type and parameters, one query per `search` call (as a server does), from 1..C threads."""
    index, start = baselines.new_index("hnsw", data.vectors.shape[1]), time.perf_counter()
    index.add(baselines._normalised(data.vectors))
    build_s = time.perf_counter() - start
    params, unit = faiss.SearchParametersHNSW(efSearch=min(max(K * 8, 100), 500)), baselines._normalised(queries)
    call = lambda _s, i: index.search(unit[i:i + 1], K, params=params)[1][0].tolist()  # noqa: E731
    common.drive(len(unit), 1, call)  # warm-up
    runs = timed_runs("raw FAISS", lambda w: common.drive(len(unit), w, call), clients, list, truth)
    # The same index once its memory is backed by huge pages, as weavebind backs its own (storage/hugepages.py):
    # shows how much of weavebind's search time that alone saves. The targets are against plain FAISS above.
    advised = back_with_huge_pages(memory_buffers(index))
    huge = timed_runs("raw FAISS + huge pages", lambda w: common.drive(len(unit), w, call), clients, list, truth)
    return {"build_s": round(build_s, 3), "ef_search": params.efSearch, "runs": runs,
            "huge_pages": {"advised_bytes": advised, "runs": huge}}


# -- Chroma ------------------------------------------------------------------------------------------------------
def chroma_exe(venv: Path, spec: str) -> Path:
    """`chroma` from a throwaway venv (never weavebind's .venv), created and pip-installed the first time."""
    exe = venv / "bin" / "chroma"
    if not exe.exists():
        print(f"   installing {spec} into {venv} (once)")
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True, capture_output=True)
        done = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", spec], capture_output=True, text=True)
        if done.returncode != 0 or not exe.exists():
            raise RuntimeError(f"pip install {spec} failed: {done.stderr.strip()[-600:]}")
    return exe


@contextlib.contextmanager
def chroma_server(exe: Path, tmp: Path):
    port, log_path = common.free_port(), tmp / "chroma.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen([str(exe), "run", "--path", str(tmp / "chroma"), "--port", str(port)],
                                stdout=log, stderr=subprocess.STDOUT)
    url, deadline = f"http://127.0.0.1:{port}", time.perf_counter() + 120
    try:
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(url + "/api/v2/heartbeat", timeout=2).status_code == 200:
                    break
            if proc.poll() is not None or time.perf_counter() > deadline:
                raise RuntimeError(f"chroma run did not come up: {log_path.read_text(errors='replace')[-600:]}")
            time.sleep(0.1)
        yield proc, url
    finally:
        proc.terminate()
        proc.wait(60)


def chroma_load(proc: subprocess.Popen, url: str, data, batch: int) -> tuple[str, dict]:
    with httpx.Client(base_url=url + CHROMA_COLLECTIONS, timeout=600) as client:
        made = client.post(url + CHROMA_COLLECTIONS,  # cosine; everything else is Chroma's default
                           json={"name": CLASS, "configuration": {"hnsw": {"space": "cosine"}}}).raise_for_status()
        cid, start = made.json()["id"], time.perf_counter()
        for first in range(0, len(data.vectors), batch):
            rows = range(first, min(len(data.vectors), first + batch))
            body = {"ids": [str(i) for i in rows], "embeddings": data.vectors[first:rows.stop],
                    "metadatas": [data.props(i) for i in rows]}
            client.post(f"/{cid}/add", content=orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY),
                        headers=JSON_HEADERS).raise_for_status()
        acked_s = time.perf_counter() - start
        idle_s = common.wait_idle(proc.pid) - start
        count = int(client.get(f"/{cid}/count").text)
    print(f"   loaded {count:,} in {acked_s:.1f} s, idle after {idle_s:.1f} s")
    return cid, {"objects": count, "acknowledged_s": round(acked_s, 3), "indexed_s": round(max(idle_s, acked_s), 3),
                 "config": made.json().get("configuration_json", {}).get("hnsw")}


def chroma_side(data, queries: np.ndarray, truth: np.ndarray, args, tmp: Path) -> dict:
    exe = chroma_exe(args.chroma_venv, args.chroma_spec)
    version = next(args.chroma_venv.glob("lib/python*/site-packages/chromadb-*.dist-info")).name[9:-10]
    with chroma_server(exe, tmp) as (proc, url):
        cid, loaded = chroma_load(proc, url, data, args.batch)
        path = f"{CHROMA_COLLECTIONS}/{cid}/query"
        bodies = [orjson.dumps({"query_embeddings": [q], "n_results": K, "include": ["distances"]},
                               option=orjson.OPT_SERIALIZE_NUMPY) for q in queries]
        common.post_load(url, path, bodies[:args.warmup] or bodies[:1], 1)
        runs = timed_runs("chroma", lambda w: common.post_load(url, path, bodies, w), args.clients,
                          lambda raw: [int(i) for i in orjson.loads(raw)["ids"][0]] if raw[:1] == b"{" else None,
                          truth)
    return {"version": version, "load": loaded, "runs": runs}


# -- report ------------------------------------------------------------------------------------------------------
def verdict(result: dict) -> dict:
    return verdict_of(result["weavebind"]["runs"], result)


def verdict_of(wb: dict, result: dict) -> dict:
    """Targets met by one weavebind query shape's runs (`wb`), against the baselines in `result`."""
    raw, chroma = result["faiss"]["runs"], result.get("chroma", {}).get("runs")
    out = {"overhead_p50_ms": round(wb["1"]["p50_ms"] - raw["1"]["p50_ms"], 3) if "1" in wb else None}
    for peer, runs in (("faiss", raw), ("chroma", chroma or {})):
        out.update({f"qps_over_{peer}_{c}": round(wb[c]["qps"] / runs[c]["qps"], 3) for c in wb if c in runs})
    ratio_ok = lambda peer: all(out.get(f"qps_over_{peer}_{c}", 0) >= TARGETS[f"qps_over_{peer}"] for c in wb)  # noqa
    out["meets"] = {"recall_at_10": all(r["recall_at_10"] >= TARGETS["recall_at_10"] for r in wb.values()),
                    "qps_over_faiss": ratio_ok("faiss"), "qps_over_chroma": bool(chroma) and ratio_ok("chroma"),
                    "overhead_p50_ms": (out["overhead_p50_ms"] or 1e9) <= TARGETS["overhead_p50_ms"]}
    return out


def report(result: dict) -> None:
    wb, raw, chroma = result["weavebind"], result["faiss"]["runs"], result.get("chroma", {})
    systems = [("weavebind GraphQL", wb["runs"]), ("weavebind GraphQL + title, n", wb["runs_with_properties"]),
               ("weavebind Store.search in-process", wb["store_search"]),
               ("raw FAISS", raw), ("raw FAISS + huge pages", result["faiss"].get("huge_pages", {}).get("runs", {})),
               (f"chroma run {chroma.get('version')}", chroma.get("runs", {}))]
    rows = [("system", "clients", "qps", "recall@10", "p50 ms", "p99 ms", "qps / raw FAISS", "wb qps / this")]
    for name, runs in systems:
        rows += [(name, c, f"{r['qps']:,.0f}", f"{r['recall_at_10']:.3f}", f"{r['p50_ms']:.3f}", f"{r['p99_ms']:.2f}",
                  f"{r['qps'] / raw[c]['qps']:.3f}", f"{wb['runs'][c]['qps'] / r['qps']:.3f}") for c, r in runs.items()]
    print_table(f"nearVector limit {K}: {result['config']['objects']:,} x {result['config']['dim']}-d", rows)
    v, floor = result["verdict"], wb["http_floor_live"]
    print(f"\nserver overhead at p50 (weavebind 1 client - raw FAISS 1 thread): {v['overhead_p50_ms']} ms (target <= "
          f"{TARGETS['overhead_p50_ms']}); HTTP floor (GET /v1/.well-known/live, 1 client) p50 {floor['p50_ms']} ms")
    props = verdict_of(wb["runs_with_properties"], result)
    print(f"with title and n selected too: overhead {props['overhead_p50_ms']} ms, targets met: {props['meets']}")
    print(f"targets met: {v['meets']}" + (f"\nchroma not measured: {result['chroma_error']}"
                                         if "chroma_error" in result else ""))
    profile = wb.get("profile", {})
    if profile:
        print(f"\npy-spy, 1 client ({profile['qps']} q/s under py-spy --idle {profiling.RATE} Hz), ms per query:")
        print("\n".join(f"  {ms:7.3f}  {name}" for name, ms in profile["ms_per_query"].items()) + "\n  top self:")
        print("\n".join(f"  {row['ms_per_query']:7.3f}  {row['function']}" for row in profile["top_self"][:10]))


def main() -> None:
    args = parse_args()
    args.clients = [int(c) for c in args.concurrency.split(",") if c.strip()]
    config = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items() if k != "out"}
    begin = time.perf_counter()
    data = common.make_dataset(args.objects, args.dim, sigma=args.sigma)
    args.row_of = {u: i for i, u in enumerate(data.uuids)}
    queries, _ = data.queries(args.queries)
    truth = exact_top_k(data, queries, K)
    result = {"benchmark": "query", "config": config}
    with common.workdir("wb-query-") as tmp:
        print(f"== weavebind: {args.objects:,} objects, {args.dim}-d, {args.queries} queries")
        result["weavebind"] = weavebind_side(Server(tmp / "data"), data, queries, truth, args)
        print("== raw FAISS")
        result["faiss"] = faiss_side(data, queries, truth, args.clients)
        if not args.no_chroma:
            print("== chroma run")
            try:
                result["chroma"] = chroma_side(data, queries, truth, args, tmp)
            except (RuntimeError, OSError, subprocess.SubprocessError, httpx.HTTPError) as exc:
                result["chroma_error"] = f"{type(exc).__name__}: {exc}"
    result.update(verdict=verdict(result), machine=machine(), total_s=round(time.perf_counter() - begin, 1))
    report(result)
    write_json(args.out, result)


if __name__ == "__main__":
    main()
