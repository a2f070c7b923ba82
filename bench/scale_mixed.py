"""Reads under writes, for bench/scale_bench.py: `clients` threads for `seconds`, each request drawn at random as
70 % GraphQL nearVector (limit 10), 20 % a batch of 50 new objects, 10 % a delete or a patch of an object the same
thread owns (so no two threads race on one object and each knows what it should find afterwards). Afterwards every
object is listed (cursor pages of /v1/objects) and each acknowledged write is checked by id: an acknowledged insert
missing, a patch not applied or a delete undone is a lost write."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field

import numpy as np
import orjson
from common import CLASS, LeanConnection, gated_threads
from query_bench import graphql_body

READ_SHARE, BATCH_SHARE = 0.70, 0.20  # the rest: deletes and patches, half each
BATCH = 50
KINDS = ("read", "batch", "delete", "patch")


@dataclass
class Client:
    """One client thread's plan and record: the ids it owns, what it expects of each, its latencies by kind."""

    tid: int
    live: list[str]
    expected: dict[str, int | None] = field(default_factory=dict)  # acknowledged: id → n, or None when deleted
    unknown: set[str] = field(default_factory=set)  # writes that failed: their outcome is not known
    lat: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    failed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    inserted: int = 0  # acknowledged new objects

    def step(self, conn: LeanConnection, rng: np.random.Generator, reads: list[bytes], dim: int) -> None:
        draw = rng.random()
        start = time.perf_counter()
        if draw < READ_SHARE:
            kind, ok = "read", self.read(conn, reads[int(rng.integers(len(reads)))])
        elif draw < READ_SHARE + BATCH_SHARE:
            kind, ok = "batch", self.batch(conn, rng, dim)
        elif not self.live:
            return
        elif draw < READ_SHARE + BATCH_SHARE + (1 - READ_SHARE - BATCH_SHARE) / 2:
            kind, ok = "delete", self.delete(conn, rng)
        else:
            kind, ok = "patch", self.patch(conn, rng)
        self.lat[kind].append(time.perf_counter() - start)
        self.failed[kind] += not ok

    def read(self, conn: LeanConnection, body: bytes) -> bool:
        status, content = conn.request("POST", "/v1/graphql", body)
        return status == 200 and b'"errors"' not in content

    def batch(self, conn: LeanConnection, rng: np.random.Generator, dim: int) -> bool:
        ids = [str(uuid.UUID(bytes=rng.bytes(16), version=4)) for _ in range(BATCH)]
        ns = rng.integers(1_000_000, 2_000_000, BATCH).tolist()
        vectors = rng.standard_normal((BATCH, dim)).astype(np.float32)
        objects = [{"class": CLASS, "id": i, "properties": {"title": f"new {n}", "n": n}, "vector": v}
                   for i, n, v in zip(ids, ns, vectors, strict=True)]
        status, content = conn.request("POST", "/v1/batch/objects",
                                       orjson.dumps({"objects": objects}, option=orjson.OPT_SERIALIZE_NUMPY))
        results = orjson.loads(content) if status == 200 else []
        acked = {r["id"] for r in results if r.get("result", {}).get("status") == "SUCCESS"}
        self.inserted += len(acked)
        for i, n in zip(ids, ns, strict=True):
            if i in acked:
                self.expected[i] = n
                self.live.append(i)
            else:
                self.unknown.add(i)
        return len(acked) == BATCH

    def _pick(self, rng: np.random.Generator, remove: bool) -> str:
        at = int(rng.integers(len(self.live)))
        if not remove:
            return self.live[at]
        self.live[at], self.live[-1] = self.live[-1], self.live[at]
        return self.live.pop()

    def delete(self, conn: LeanConnection, rng: np.random.Generator) -> bool:
        uid = self._pick(rng, remove=True)
        status, _ = conn.request("DELETE", f"/v1/objects/{CLASS}/{uid}")
        self._record(uid, None, status == 204)
        return status == 204

    def patch(self, conn: LeanConnection, rng: np.random.Generator) -> bool:
        uid, n = self._pick(rng, remove=False), -int(rng.integers(1, 1_000_000))
        status, _ = conn.request("PATCH", f"/v1/objects/{CLASS}/{uid}",
                                 orjson.dumps({"class": CLASS, "properties": {"n": n}}))
        self._record(uid, n, status == 204)
        return status == 204

    def _record(self, uid: str, value: int | None, acked: bool) -> None:
        if acked:
            self.expected[uid] = value
        else:
            self.unknown.add(uid)


def run(url: str, uuids: list[str], queries: np.ndarray, clients: int, seconds: float) -> tuple[list[Client], float]:
    """The mixed load on `url`; the stored objects `uuids` are dealt out to the threads to delete or patch."""
    reads = [graphql_body(q) for q in queries]
    plans = [Client(t, uuids[t::clients]) for t in range(clients)]

    def work(gate: threading.Barrier, client: Client) -> None:
        rng = np.random.default_rng(1000 + client.tid)
        with LeanConnection(url) as conn:
            gate.wait()
            end = time.perf_counter() + seconds
            while time.perf_counter() < end:
                client.step(conn, rng, reads, queries.shape[1])

    return plans, gated_threads(work, plans, "mixed-load clients")


def stored(url: str, page: int = 5000) -> dict[str, int]:
    """Every object of the class (id → property n), through /v1/objects cursor pages."""
    found: dict[str, int] = {}
    after = ""
    with LeanConnection(url, timeout=300) as conn:
        while True:
            query = f"/v1/objects?class={CLASS}&limit={page}" + (f"&after={after}" if after else "")
            status, content = conn.request("GET", query)
            if status != 200:
                raise RuntimeError(f"listing the objects failed: HTTP {status} {content[:300]!r}")
            objects = orjson.loads(content).get("objects") or []
            found.update((o["id"], o["properties"].get("n")) for o in objects)
            if len(objects) < page:
                return found
            after = objects[-1]["id"]


def verify(url: str, plans: list[Client], initial: int) -> dict:
    """Lost writes: acknowledged inserts or patches not found as written, acknowledged deletes found."""
    found = stored(url)
    unknown = set().union(*(p.unknown for p in plans))
    expected = {uid: n for p in plans for uid, n in p.expected.items() if uid not in unknown}
    missing = sum(1 for uid, n in expected.items() if n is not None and uid not in found)
    wrong = sum(1 for uid, n in expected.items() if n is not None and uid in found and found[uid] != n)
    undeleted = sum(1 for uid, n in expected.items() if n is None and uid in found)
    new = sum(p.inserted for p in plans) - sum(1 for n in expected.values() if n is None)
    return {"acknowledged_writes_checked": len(expected), "unknown_outcome": len(unknown),
            "lost_inserts_or_patches_missing": missing, "patches_not_applied": wrong, "deletes_undone": undeleted,
            "lost_writes": missing + wrong + undeleted, "stored": len(found),
            "stored_expected": initial + new if not unknown else None}


def figures(plans: list[Client], seconds: float) -> dict:
    out: dict = {"seconds": round(seconds, 2)}
    for kind in KINDS:
        ms = np.asarray([x for p in plans for x in p.lat[kind]]) * 1000
        row = {"count": len(ms), "per_s": round(len(ms) / seconds, 1), "failed": sum(p.failed[kind] for p in plans)}
        if len(ms):
            row |= {"p50_ms": round(float(np.percentile(ms, 50)), 2), "p99_ms": round(float(np.percentile(ms, 99)), 2),
                    "max_ms": round(float(ms.max()), 1)}
        out[kind] = row
    return out
