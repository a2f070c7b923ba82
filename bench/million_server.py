"""The weavebind side of the million-object benchmark: a real `weavebind serve` on a fresh SQLite data path.

Import over `/v1/batch/objects` (bodies serialised by a producer thread just ahead of the POSTs: 1M x 512-d as JSON
would be ~5 GB if made up front), the time until every vector is indexed (the shards API's `vectorQueueSize`),
the server's RSS (peak = the kernel's high-water mark `VmHWM`, idle = `VmRSS` once it is idle), GraphQL
`nearVector` unfiltered and at each selectivity, bm25 and `Aggregate { meta { count } }`, and a restart.
"""

from __future__ import annotations

import http.client
import queue
import signal
import threading
import time
from pathlib import Path

import common
import million_data as md
import numpy as np
import orjson
from common import CLASS, JSON_HEADERS, Server
from filtered_bench import graphql
from million_raw import K, latency, recall, variants

WARMUP = 20
SNAPSHOT_SECONDS = 30  # the server's WEAVEBIND_INDEX_SNAPSHOT_SECONDS (its default)


def class_body() -> dict:
    return {"class": CLASS, "vectorizer": "none", "vectorIndexType": "hnsw", "properties": [
        {"name": "bucket", "dataType": ["int"]}, {"name": "body", "dataType": ["text"]}]}


def where_of(name: str) -> str | None:
    if name == "unfiltered":
        return None
    limit = int(name.rstrip("%")) * md.BUCKETS // 100
    return f'{{operator: LessThan, path: ["bucket"], valueInt: {limit}}}'


def _bodies(n: int, shape: md.Shape, batch: int, out: queue.Queue, chunks=None) -> None:
    for first, vectors in (md.chunks(n, shape) if chunks is None else chunks):
        for start in range(0, len(vectors), batch):
            objs = [{"class": CLASS, "id": md.uuid_of(i), "vector": vectors[i - first],
                     "properties": {"bucket": i % md.BUCKETS, "body": md.body(i)}}
                    for i in range(first + start, first + min(len(vectors), start + batch))]
            out.put(orjson.dumps({"objects": objs}, option=orjson.OPT_SERIALIZE_NUMPY))
    out.put(None)


def _stream(n: int, shape: md.Shape, batch: int, chunks=None):
    bodies: queue.Queue = queue.Queue(maxsize=8)
    threading.Thread(target=_bodies, args=(n, shape, batch, bodies, chunks), daemon=True).start()
    while (body := bodies.get()) is not None:
        yield body


def memory(pid: int) -> dict:
    """RSS now and the high-water mark since the process started, MB (the server is one process by default)."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {"rss_mb": round(int(fields["VmRSS"].split()[0]) / 1024, 1),
            "peak_rss_mb": round(int(fields["VmHWM"].split()[0]) / 1024, 1)}


def wait_queue_empty(client, since: float, timeout: float = 7200) -> float:
    """perf_counter time at which no shard had a vector waiting for the indexer (polled every 0.2 s)."""
    deadline = since + timeout
    while time.perf_counter() < deadline:
        now = time.perf_counter()
        shards = client.get(f"/v1/schema/{CLASS}/shards").json()
        if all(shard.get("vectorQueueSize", 0) == 0 for shard in shards):
            return now
        time.sleep(0.2)
    raise TimeoutError("vectors still waiting for the indexer")


def import_part(server: Server, n: int, shape: md.Shape, batch: int) -> dict:
    with common.http_client(server) as client:
        made = client.post("/v1/schema", content=orjson.dumps(class_body()), headers=JSON_HEADERS)
        if made.status_code != 200:
            raise RuntimeError(f"creating the class failed: {made.status_code} {made.text[:300]}")
        result = common.post_batches(client, _stream(n, shape, batch), batch, n)
        if result.acknowledged != n or result.failed_batches:
            raise RuntimeError(f"only {result.acknowledged}/{n} objects acknowledged ({result.failed_batches} "
                               f"batches failed); see {server.log_path}")
        indexed_at = wait_queue_empty(client, result.started)
    idle_at = common.wait_idle(server.proc.pid)  # a snapshot written after the last vector is indexed counts too
    mem = memory(server.proc.pid)
    indexed_s = max(indexed_at - result.started, result.seconds)
    return {**result.summary(), "indexed_s": round(indexed_s, 3), "indexed_per_s": round(n / indexed_s, 1),
            "idle_after_first_write_s": round(max(idle_at - result.started, indexed_s), 3),
            "peak_rss_mb": mem["peak_rss_mb"], "idle_rss_mb": mem["rss_mb"]}


def _post(conn: common.LeanConnection, body: bytes) -> tuple[float, dict]:
    start = time.perf_counter()
    status, content = conn.request("POST", "/v1/graphql", body)
    seconds = time.perf_counter() - start
    answer = orjson.loads(content)
    if status != 200 or answer.get("errors"):
        raise RuntimeError(f"GraphQL answered {status}: {content[:300]!r}")
    return seconds, answer["data"]


def round_robin(url: str, loads: dict[str, list[bytes]], warmup: int, budget_s: float,
                least: int = 5) -> tuple[dict[str, list[float]], dict[str, list[dict]]]:
    """Request i of every variant in turn (after `warmup` untimed ones each), so the shared machine's other work
    slows every variant alike and their ratios hold within the run. New rounds stop once `budget_s` is spent and
    every variant has `least` answers: a request that scans the class (bm25 of a term every object holds,
    Aggregate over 90 % of a million objects) may take seconds each."""
    lat: dict[str, list[float]] = {name: [] for name in loads}
    data: dict[str, list[dict]] = {name: [] for name in loads}
    with common.LeanConnection(url, timeout=600) as conn:
        for bodies in loads.values():
            for body in bodies[:warmup]:
                _post(conn, body)
        start = time.perf_counter()
        for i in range(max(map(len, loads.values()))):
            if i >= least and time.perf_counter() - start > budget_s:
                break
            for name, bodies in loads.items():
                if i < len(bodies):
                    seconds, answer = _post(conn, bodies[i])
                    lat[name].append(seconds)
                    data[name].append(answer)
    return lat, data


def near_vector_part(url: str, queries: np.ndarray, truth: dict[str, np.ndarray], budget_s: float) -> dict:
    loads = {name: [graphql(q, where_of(name)) for q in queries] for name in variants()}
    lat, data = round_robin(url, loads, WARMUP, budget_s, least=20)
    out = {}
    for name in loads:
        found = [[md.row_of(h["_additional"]["id"]) for h in d["Get"][CLASS]] for d in data[name]]
        out[name] = {**latency(lat[name]), "recall_at_10": recall(found, truth[name][:len(found)]),
                     "queries": len(found)}
    base = out["unfiltered"]["p50_ms"]
    for run in out.values():
        run["over_unfiltered"] = round(run["p50_ms"] / base, 2)
    return out


def bm25_body(term: str) -> bytes:
    search = f'bm25: {{query: "{term}", properties: ["body"]}}, limit: {K}'
    query = f"{{ Get {{ {CLASS}({search}) {{ _additional {{ id }} }}}}}}"
    return orjson.dumps({"query": query})


def aggregate_body(name: str) -> bytes:
    return orjson.dumps({"query": f"{{ Aggregate {{ {CLASS}(where: {where_of(name)}) {{ meta {{ count }} }}}}}}"})


def keyword_part(url: str, n: int, count: int, budget_s: float) -> dict:
    """bm25 for the rare, common and every-object term, and Aggregate meta{count} with each selectivity's filter
    (its count checked against the data)."""
    loads = {f"bm25 {t}": [bm25_body(t)] * count for t in md.TERMS}
    loads.update({f"aggregate {p}%": [aggregate_body(f"{p}%")] * count for p in md.SELECTIVITIES})
    lat, data = round_robin(url, loads, 2, budget_s)
    out = {name: {**latency(lat[name]), "requests": len(lat[name])} for name in loads}
    for term in md.TERMS:
        out[f"bm25 {term}"].update(holders=md.holders(term, n),
                                   hits=len(data[f"bm25 {term}"][0]["Get"][CLASS]))
    for p in md.SELECTIVITIES:
        counted = data[f"aggregate {p}%"][0]["Aggregate"][CLASS][0]["meta"]["count"]
        out[f"aggregate {p}%"].update(count=counted, expected=int(md.keeps(np.arange(n), p).sum()))
    out["bm25_every_over_rare"] = round(out["bm25 every"]["p50_ms"] / out["bm25 rare"]["p50_ms"], 2)
    return out


def _later_chunks(n: int, shape: md.Shape, extra: int) -> tuple[int, list[tuple[int, np.ndarray]]]:
    """`extra` objects (rounded up to whole chunks) after the first `n`, starting at a chunk boundary: a chunk's
    vectors depend on how many of its rows exist, so the objects already stored are never drawn again."""
    base = -(-n // md.CHUNK) * md.CHUNK
    count = -(-extra // md.CHUNK) * md.CHUNK
    centres = md.centres(shape.dim)
    return count, [(c * md.CHUNK, md.chunk(c, base + count, shape, cent=centres))
                   for c in range(base // md.CHUNK, (base + count) // md.CHUNK)]


def _snapshot_written(data_dir: Path, since: float, timeout: float) -> bool:
    """Wait until an index snapshot file (base or delta log) is newer than `since` (a time.time())."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if any(f.stat().st_mtime > since for f in data_dir.rglob("*.faiss*") if f.is_file()):
            return True
        time.sleep(0.5)
    return False


def snapshot_part(server: Server, n: int, shape: md.Shape, batch: int) -> dict:
    """The issue's "peak RSS while a snapshot is written <= 1.2x the steady state": from the steady state after the
    queries, the kernel's high-water mark is reset (`clear_refs` 5), 2 % more objects are imported, and the mark is
    read once they are indexed and snapshotted (one snapshot interval after the first snapshot file written since
    the import began)."""
    pid = server.proc.pid
    common.wait_idle(pid)
    steady = memory(pid)["rss_mb"]
    Path(f"/proc/{pid}/clear_refs").write_text("5")
    count, chunks = _later_chunks(n, shape, max(n // 50, 1))
    started = time.time()
    with common.http_client(server) as client:
        result = common.post_batches(client, _stream(n, shape, batch, chunks), batch, count)
        if result.acknowledged != count:
            raise RuntimeError(f"only {result.acknowledged}/{count} more objects acknowledged")
        wait_queue_empty(client, result.started)
    written = _snapshot_written(server.data_dir, started, 120)
    time.sleep(SNAPSHOT_SECONDS + 5)  # and the snapshot after the last of them (one per interval while they change)
    common.wait_idle(pid)
    mem = memory(pid)
    return {"objects_added": count, "snapshot_seen": written, "steady_rss_mb": steady,
            "peak_rss_mb": mem["peak_rss_mb"], "rss_after_mb": mem["rss_mb"],
            "peak_over_steady": round(mem["peak_rss_mb"] / steady, 3)}


def restart_part(server: Server, probe: np.ndarray) -> dict:
    """SIGTERM by PID (graceful: the index snapshot is written), start again, and poll both ready and a
    nearVector query from the process start: seconds to each (the query must return K objects)."""
    stop_s = server.stop(signal.SIGTERM)
    server.start()
    body, ready_s, first_s = graphql(probe, None), None, None
    with common.LeanConnection(server.url, timeout=30) as conn:
        while ready_s is None or first_s is None:
            if server.proc.poll() is not None or time.perf_counter() - server.started > 1800:
                raise RuntimeError(f"server did not come back; see {server.log_path}")
            try:
                if ready_s is None and conn.request("GET", "/v1/.well-known/ready")[0] == 200:
                    ready_s = time.perf_counter() - server.started
                if first_s is None:
                    status, content = conn.request("POST", "/v1/graphql", body)
                    if status == 200 and len(orjson.loads(content).get("data", {}).get("Get", {}).get(CLASS) or []):
                        first_s = time.perf_counter() - server.started
            except (OSError, http.client.HTTPException):  # not listening yet, or the connection dropped while it starts
                conn.conn.close()
                time.sleep(0.02)
    common.wait_idle(server.proc.pid)
    return {"stop_s": round(stop_s, 3), "ready_s": round(ready_s, 3), "first_query_s": round(first_s, 3),
            **{f"after_restart_{k}": v for k, v in memory(server.proc.pid).items()}}
