"""Helpers of the multi-tenancy benchmark (bench/tenants_bench.py): classes, tenants, request bodies, checked
REST calls, GraphQL queries and their answers, and the server's resident memory.

Object i of the data belongs to tenant i // per_tenant, so a batch of 1,000 objects spans 1,000 / per_tenant
tenants. Every object has its own uuid, so a hit from the wrong tenant is visible in a query's answer.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import numpy as np
import orjson
from common import JSON_HEADERS, Dataset, Server, wait_idle

MT_CLASS = "TenantItem"  # multi-tenant: one index set per tenant
BIG_CLASS = "BenchItem"  # baseline: all objects in one class without tenants
SMALL_CLASS = "SmallItem"  # baseline: one tenant's objects in a class of their own
K = 10
FEW_TENANTS = 100  # queries on a random tenant of the first 100 only, beside the ones on all tenants


class ProductError(RuntimeError):
    """weavebind answered a benchmark request with something other than success (reported, never retried)."""


def tenant_name(t: int) -> str:
    return f"tenant{t:05d}"


def class_body(name: str, multi_tenant: bool) -> dict:
    body = {"class": name, "vectorizer": "none", "vectorIndexType": "hnsw",
            "properties": [{"name": "title", "dataType": ["text"]}, {"name": "n", "dataType": ["int"]}]}
    if multi_tenant:
        body["multiTenancyConfig"] = {"enabled": True}
    return body


def call(client: httpx.Client, method: str, path: str, body=None) -> httpx.Response:
    """A REST call that must succeed; anything else stops the benchmark with the request and the answer."""
    content = None if body is None else orjson.dumps(body)
    response = client.request(method, path, content=content, headers=JSON_HEADERS)
    if response.status_code != 200:
        shown = (content or b"")[:300].decode(errors="replace")
        raise ProductError(f"{method} {path} {shown} -> {response.status_code} {response.text[:500]}")
    return response


def create_class(client: httpx.Client, name: str, multi_tenant: bool) -> None:
    call(client, "POST", "/v1/schema", class_body(name, multi_tenant))


def create_tenants(client: httpx.Client, names: list[str], status: str, chunk: int = 100) -> float:
    """POST the tenants in chunks; seconds taken. Checks that the answer lists each with the asked status."""
    expected = {"HOT": "ACTIVE", "COLD": "INACTIVE"}[status]
    start = time.perf_counter()
    for first in range(0, len(names), chunk):
        part = names[first:first + chunk]
        answer = call(client, "POST", f"/v1/schema/{MT_CLASS}/tenants",
                      [{"name": n, "activityStatus": status} for n in part]).json()
        if [(t["name"], t["activityStatus"]) for t in answer] != [(n, expected) for n in part]:
            raise ProductError(f"POST tenants {part[0]}..{part[-1]} ({status}) answered {str(answer)[:300]}")
    return time.perf_counter() - start


def set_status(client: httpx.Client, names: list[str], status: str, chunk: int = 100) -> float:
    """PUT an activity status on the tenants in chunks; seconds taken."""
    start = time.perf_counter()
    for first in range(0, len(names), chunk):
        call(client, "PUT", f"/v1/schema/{MT_CLASS}/tenants",
             [{"name": n, "activityStatus": status} for n in names[first:first + chunk]])
    return time.perf_counter() - start


def batch_bodies(data: Dataset, cls: str, start: int, stop: int, batch: int, per_tenant: int | None) -> list[bytes]:
    """Pre-serialised `/v1/batch/objects` bodies; with `per_tenant`, each object carries its tenant."""
    bodies = []
    for first in range(start, stop, batch):
        objs = []
        for i in range(first, min(stop, first + batch)):
            obj = {"class": cls, "id": data.uuids[i], "properties": data.props(i), "vector": data.vectors[i]}
            if per_tenant:
                obj["tenant"] = tenant_name(i // per_tenant)
            objs.append(obj)
        bodies.append(orjson.dumps({"objects": objs}, option=orjson.OPT_SERIALIZE_NUMPY))
    return bodies


def graphql_body(cls: str, vector: np.ndarray, tenant: str | None = None) -> bytes:
    """nearVector limit 10 returning ids, the vector inlined in the query text as Weaviate's clients send it."""
    literal = orjson.dumps(vector, option=orjson.OPT_SERIALIZE_NUMPY).decode()
    scope = f'tenant: "{tenant}", ' if tenant else ""
    query = f"{{ Get {{ {cls}({scope}nearVector: {{vector: {literal}}}, limit: {K}) {{ _additional {{ id }} }}}}}}"
    return orjson.dumps({"query": query})


def answer_ids(raw: bytes, cls: str) -> tuple[list[str] | None, str | None]:
    """(hit ids, None) of a GraphQL answer, or (None, the error text) for an error or a non-200 answer."""
    if raw.startswith(b"HTTP "):
        return None, raw.decode()
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None, raw[:300].decode(errors="replace")
    if body.get("errors"):
        return None, "; ".join(e.get("message", str(e)) for e in body["errors"])
    try:
        return [hit["_additional"]["id"] for hit in body["data"]["Get"][cls]], None
    except (KeyError, TypeError):
        return None, raw[:300].decode(errors="replace")


def check_answers(answers: list, cls: str, allowed: list[set[str]] | None, hits: int = K) -> dict:
    """Every answer has `hits` hits and no error; with `allowed` (the ids of each query's tenant), every hit
    belongs to the query's tenant. Returns counts and the first few problems, quoted."""
    errors, short, foreign, problems = 0, 0, 0, []
    for i, raw in enumerate(answers):
        ids, error = answer_ids(raw, cls)
        if error is not None:
            errors += 1
            problems.append(f"query {i}: {error[:200]}")
            continue
        short += len(ids) < hits
        wrong = [u for u in ids if allowed is not None and u not in allowed[i]]
        foreign += len(wrong)
        if wrong:
            problems.append(f"query {i}: {len(wrong)} hits of another tenant, e.g. {wrong[0]}")
    return {"answers": len(answers), "errors": errors, "short_answers": short, "foreign_hits": foreign,
            "ok": errors == 0 and short == 0 and foreign == 0, "problems": problems[:5]}


def refused_properly(problems: list[str]) -> bool:
    """A query on a cold tenant must be refused as the client's mistake: "tenant not active", not a server fault
    (an "internal error: ..." message, which weavebind also logs with a traceback)."""
    return bool(problems) and "tenant not active" in problems[0] and "internal error" not in problems[0]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError(f"no VmRSS for process {pid}")


def idle_rss(server: Server) -> float:
    """Resident memory of the server once it has gone idle (background indexing and loading finished)."""
    wait_idle(server.proc.pid)
    return rss_mib(server.proc.pid)


def restart(server: Server) -> float:
    """SIGTERM (snapshots written at close), start again; seconds from process start to ready."""
    server.stop()
    server.start()
    return server.wait_ready()
