"""Which searches may run on the server's event loop instead of a worker thread.

Handing a request to a thread and back costs more than a small HNSW search (0.1-0.25 ms against ~0.3 ms on the
benchmark machine, bench/query_bench.py), but whatever runs on the loop holds up every other request and the gRPC
server meanwhile. So only searches that are small by construction qualify: one vector search with a small k on
HNSW indexes, with no filter to scan, no inference to wait for, no write in the last second, few vectors waiting
for the indexer (those are scanned exactly), one target, and object reads only where they never wait for a pooled
connection or a network round trip (Store.local_reads: SQLite). Shared by GraphQL's compiled plans and gRPC Search.
"""

from __future__ import annotations

import time

from weavebind.search.context import SearchContext
from weavebind.search.params import GetQuery
from weavebind.storage.records import storage_key

MAX_K = 100
MAX_PENDING = 4096
WRITES_RECENT_SECONDS = 1.0


def small_vector_search(ctx: SearchContext, class_name: str, k: int, reads_objects: bool,
                        tenant: str | None = None) -> bool:
    """The run-time half: a k-nearest search on `class_name` (`tenant`) that is cheap right now. A tenant must be
    active already: creating or activating one is work for a thread, and so is answering a bad one."""
    if not 0 <= k <= MAX_K or (reads_objects and not ctx.store.local_reads):
        return False
    info = ctx.schema.get(class_name)
    if info is None or info.multi_tenant != bool(tenant) \
            or (tenant and ctx.schema.tenants.statuses.get(info.name, {}).get(tenant) != "HOT"):
        return False
    indexes = ctx.store.indexes
    # While writes arrive, a search may wait for the indexer's add or a write's tombstones (the index's lock):
    # on the loop that wait would hold up every request, in a thread only this one.
    if time.monotonic() - indexes.last_write < WRITES_RECENT_SECONDS:
        return False
    return all(t.index_type == "hnsw" for t in info.targets.values()) \
        and indexes.pending_count(storage_key(info.name, tenant)) <= MAX_PENDING


def cheap_get(ctx: SearchContext, q: GetQuery, reads_objects: bool) -> bool:
    """A Get that is one `nearVector` search with a limit, and nothing else to scan, sort, group or call."""
    if q.where is not None or q.bm25 is not None or q.hybrid is not None or q.sort or q.group_by is not None \
            or q.after is not None or q.limit is None or len(q.near) != 1:
        return False
    near = q.near[0]
    if near.argument != "nearVector" or near.vector_per_target or len(near.target_vectors or ()) > 1 \
            or near.move_to is not None or near.move_away is not None:
        return False
    return small_vector_search(ctx, q.class_name, q.limit + (q.offset or 0), reads_objects, q.tenant)
