"""Peak memory of one large request stays within a small multiple of its body (issue: a 50 MB blob object drove
the server to 2.4 GB). A real `weavebind serve` subprocess; its peak resident set (`VmHWM`) is reset before each
request (`/proc/<pid>/clear_refs` = 5) and read after it. The full figures for 50 MB bodies come from
bench/request_memory_bench.py (docs/benchmarks.md).

The bound: 3.25x the body plus a few MiB (SQLite's page cache while a large row is written, allocator slack), for
a body of 16 MiB (without weavebind.heap.tune glibc served its copies from arenas that kept them: 5x).
A write peaks at 3 copies: while the body is parsed (the body, orjson's copy of it, the parsed value), and while
the row is written (the properties JSON, SQLite's bound copy of it, SQLite's record; the parsed value is dropped
meanwhile). One copy more (the body or the gRPC message kept by the handler, the parsed value kept while SQLite
copies, the page cache holding the row) fails the test. GraphQL's `where` value on a `word` property is held with
its terms joined in one string (a string per term took ~2.8x the value). Before the fixes the blob check alone
took ~30x the body; then 5x (REST, GraphQL), 8x (gRPC).
"""

from __future__ import annotations

import base64
import os
import uuid
from pathlib import Path

import grpc
import httpx
import orjson
import pytest
from google.protobuf import struct_pb2

from tests.compat.server import start_server
from weavebind.server.grpc.proto import batch_pb2, weaviate_pb2_grpc

BODY = 16 * 1024 * 1024  # under glibc's default largest mmap threshold (32 MiB): heap.tune must hold for it
SLACK = 8 * 1024 * 1024
BOUND = 3.25  # peak growth allowed, in bodies
CLASS = {"class": "Blobs", "vectorizer": "none",
         "properties": [{"name": "title", "dataType": ["text"]}, {"name": "image", "dataType": ["blob"]}]}

pytestmark = pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux /proc")


def _kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(key)


def _growth(pid: int, send) -> int:
    """Bytes the peak resident set grew by over the resident set before `send()`."""
    before = _kb(pid, "VmRSS")
    Path(f"/proc/{pid}/clear_refs").write_text("5")
    send()
    return _kb(pid, "VmHWM") - before


@pytest.fixture
def server(tmp_path):
    """A fresh server per surface, as in the bench: memory another surface's request freed but the allocator kept
    would be reused without growing the resident set, and hide a copy."""
    started = start_server(tmp_path / "data", WEAVEBIND_DATABASE_URL="")
    httpx.post(f"{started.url}/v1/schema", json=CLASS, timeout=30).raise_for_status()
    yield started
    started.stop()


def _blob(size: int = BODY) -> str:
    return base64.b64encode(os.urandom(size * 3 // 4)).decode()


def _post(server, path: str, body: dict) -> None:
    reply = httpx.post(f"{server.url}{path}", content=orjson.dumps(body),
                       headers={"content-type": "application/json"}, timeout=120)
    assert reply.status_code == 200, reply.text[:300]


def _grpc_batch(server, blob: str) -> None:
    props = struct_pb2.Struct()
    props.update({"title": "t", "image": blob})
    item = batch_pb2.BatchObject(uuid=str(uuid.uuid4()), collection="Blobs",
                                 properties=batch_pb2.BatchObject.Properties(non_ref_properties=props))
    with grpc.insecure_channel(f"127.0.0.1:{server.grpc_port}") as channel:
        reply = weaviate_pb2_grpc.WeaviateStub(channel).BatchObjects(
            batch_pb2.BatchObjectsRequest(objects=[item]), timeout=120)
    assert not reply.errors, reply.errors


def _graphql(server, blob: str) -> None:
    """GraphQL has no writes: the text travels as a `where` value, through a variable."""
    query = 'query($v: WhereValue){Get{Blobs(where:{path:["title"],operator:Equal,valueText:$v}){title}}}'
    reply = httpx.post(f"{server.url}/v1/graphql", content=orjson.dumps({"query": query, "variables": {"v": blob}}),
                       headers={"content-type": "application/json"}, timeout=120)
    assert reply.status_code == 200 and "errors" not in reply.json(), reply.text[:300]


def _sender(server, surface: str, blob: str):
    one = {"class": "Blobs", "properties": {"title": "t", "image": blob}}
    return {"rest": lambda: _post(server, "/v1/objects", one),
            "batch": lambda: _post(server, "/v1/batch/objects", {"objects": [one]}),
            "grpc": lambda: _grpc_batch(server, blob),
            "graphql": lambda: _graphql(server, blob)}[surface]


@pytest.mark.parametrize("surface", ["rest", "batch", "grpc", "graphql"])
def test_a_large_blob_object_costs_a_small_multiple_of_its_body(server, surface):
    _sender(server, surface, _blob(1000))()  # a small request first: imports and lazy set-up are not the cost
    blob = _blob()
    growth = _growth(server.process.pid, _sender(server, surface, blob))
    print(f"{surface}: peak grew by {growth / len(blob):.2f}x the body")
    assert growth <= BOUND * len(blob) + SLACK, f"{surface}: peak grew by {growth / 2**20:.0f} MiB"


def test_large_graphql_queries_leave_nothing_behind(server):
    """graphql-core's execution leaves reference cycles holding the variables; the route collects them after a
    large request (routes/graphql.py), or each 8 MiB query kept its value until the collector's next full pass."""
    _graphql(server, _blob(1000))
    _graphql(server, _blob(8 * 1024 * 1024))
    after_first = _kb(server.process.pid, "VmRSS")
    for _ in range(3):
        _graphql(server, _blob(8 * 1024 * 1024))
    grown = _kb(server.process.pid, "VmRSS") - after_first
    assert grown < 6 * 1024 * 1024, f"the resident set grew by {grown / 2**20:.0f} MiB over three queries"
