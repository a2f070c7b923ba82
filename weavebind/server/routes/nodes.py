"""`/v1/nodes` and `/v1/cluster/statistics`: weavebind is one node holding one shard per class.

`batchStats` is what the Weaviate clients' dynamic batching reads. weavebind indexes vectors in the background, as
Weaviate does with ASYNC_INDEXING, and by default answers as Weaviate does then: `ratePerSecond` only, upon which the
v4 client sends batches of 1,000 objects, ten at a time; the indexer's backlog is in each shard's
`vectorQueueLength`, which `wait_for_vector_indexing()` waits on. With WEAVEBIND_BATCH_BACKPRESSURE the backlog is
`queueLength` too: the client then aims at about two seconds of queued work (`queueLength / ratePerSecond` near 2),
grows its requests while the ratio is lower, shrinks them while it is higher, and stops sending at 10 or more.
"""

from __future__ import annotations

import math

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from weavebind.errors import NotFound, Unprocessable
from weavebind.schema.models import ClassInfo
from weavebind.schema.shards import shards_of
from weavebind.server.http import JSON, blocking
from weavebind.storage.store import Store

OUTPUTS = ("minimal", "verbose")
GIT_HASH = "weavebind"


def _output(request: Request) -> str:
    output = request.query_params.get("output", "minimal")
    if output not in OUTPUTS:  # Weaviate's text (entities/verbosity)
        raise Unprocessable(f'invalid output: "{output}", possible values are: "minimal", "verbose"')
    return output


def batch_stats(store: Store, backpressure: bool) -> dict[str, int]:
    """`ratePerSecond`: the larger of objects committed and vectors indexed per second over the last two seconds,
    i.e. the pace the server is keeping. With `backpressure`, `queueLength`: vectors committed but not yet in FAISS.
    Without it the v4 client imports as fast as fixed batches of 1,000 (docs/benchmarks.md: 100,000 objects with
    the backlog reported came in at 0.16x of fixed batches, throttled to the indexer's pace).

    While an import runs, the rate is the import's own pace, so the clients keep sending big requests until the
    indexer is ten seconds of that pace behind; then they stop, the commit rate fades, and the rate becomes the
    indexer's, so they resume once the backlog drains below ten seconds of indexing. Reporting the indexing rate
    alone throttled imports to the indexer's pace long before the backlog mattered (docs/benchmarks.md). The rate
    is never 0 while something is queued: the clients divide by it."""
    indexes = store.indexes
    rate = math.ceil(max(indexes.indexed.rate(), indexes.written.rate()))
    if not backpressure:
        return {"ratePerSecond": rate}
    queued = indexes.pending_count()
    return {"queueLength": queued, "ratePerSecond": max(rate, 1 if queued else 0)}


def _shards(state, infos: list[ClassInfo], counts: dict[str, int], wanted: str | None) -> list[dict]:
    store: Store = state.store
    out = []
    for info in infos:
        per_tenant = store.counts_by_tenant(info.name) if info.multi_tenant else {}
        for shard in shards_of(state.schema, info):
            if wanted and shard.name != wanted:
                continue
            out.append({
                "name": shard.name, "class": info.name,
                "objectCount": per_tenant.get(shard.name, 0) if info.multi_tenant else counts.get(info.name, 0),
                "vectorIndexingStatus": store.shard_status(shard.key),
                "vectorQueueLength": store.indexes.pending_count(shard.key),
                "compressed": store.indexes.compressed(shard.key), "loaded": shard.loaded,
            })
    return out


def node_status(state, infos: list[ClassInfo], output: str, wanted: str | None = None) -> dict:
    """One node's status; `wanted` (`?shardName=`) keeps only that shard (and its class's counts)."""
    store: Store = state.store
    counts = store.counts_by_class()
    shards = _shards(state, infos, counts, wanted)
    if wanted:
        infos = [info for info in infos if any(s["class"] == info.name for s in shards)]
    node = {
        "name": state.settings.cluster_hostname, "status": "HEALTHY",
        "version": state.settings.weavebind_weaviate_version, "gitHash": GIT_HASH,
        "stats": {"objectCount": sum(counts.get(info.name, 0) for info in infos), "shardCount": len(shards)},
        "batchStats": batch_stats(store, state.settings.weavebind_batch_backpressure),
    }
    if output == "verbose":
        node["shards"] = shards
    return {"nodes": [node]}


async def nodes(request: Request) -> Response:
    output = _output(request)
    state = request.app.state
    name = request.path_params.get("className")
    if name is None:
        infos = state.schema.all()
    else:
        info = state.schema.get(name)
        if info is None:  # Weaviate's text (adapters/repos/db/nodes.go)
            raise NotFound(f'class "{name}" not found')
        infos = [info]
    return JSON(await blocking(node_status, state, infos, output, request.query_params.get("shardName") or None))


def _raft_stats(state) -> dict:
    """Truthful single-node values: weavebind has no Raft log (the database orders writes), so every index is 0
    and the one member is the leader of itself."""
    name = state.settings.cluster_hostname
    address = f"127.0.0.1:{state.port}"
    zero = "0"
    return {
        "appliedIndex": zero, "commitIndex": zero, "fsmPending": zero, "lastContact": zero,
        "lastLogIndex": zero, "lastLogTerm": zero, "lastSnapshotIndex": zero, "lastSnapshotTerm": zero,
        "latestConfiguration": [{"address": address, "id": name, "suffrage": 0}],
        "latestConfigurationIndex": zero, "numPeers": zero, "protocolVersion": "3", "protocolVersionMax": "3",
        "protocolVersionMin": "0", "snapshotVersionMax": "1", "snapshotVersionMin": "0", "state": "Leader",
        "term": zero,
    }


async def cluster_statistics(request: Request) -> Response:
    state = request.app.state
    name = state.settings.cluster_hostname
    ready = bool(getattr(state, "ready", False))
    return JSON({"statistics": [{
        "name": name, "status": "HEALTHY", "ready": ready, "open": ready, "dbLoaded": ready, "isVoter": True,
        "leaderId": name, "leaderAddress": f"127.0.0.1:{state.port}", "initialLastAppliedIndex": 0,
        "candidates": {}, "raft": _raft_stats(state),
    }], "synchronized": True})


routes = [
    Route("/v1/nodes", nodes, methods=["GET"]),
    Route("/v1/nodes/{className}", nodes, methods=["GET"]),
    Route("/v1/cluster/statistics", cluster_statistics, methods=["GET"]),
]
