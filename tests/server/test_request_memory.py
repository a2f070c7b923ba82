"""Peak memory of one large request stays within a small multiple of its body (issue: a 50 MB blob object drove
the server to 2.4 GB). A real `weavebind serve` subprocess; its peak resident set (`VmHWM`) is reset before each
request (`/proc/<pid>/clear_refs` = 5) and read after it. The full figures for 50 MB bodies come from
bench/request_memory_bench.py (docs/benchmarks.md).

The bound: 4x the body plus 64 MiB, the page cache SQLite's writing connection may fill (`cache_size`), which a
large row passes through. Before the fix, the blob check alone took ~30x the body.
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

BODY = 8 * 1024 * 1024
PAGE_CACHE = 64 * 1024 * 1024
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


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    started = start_server(tmp_path_factory.mktemp("memory") / "data", WEAVEBIND_DATABASE_URL="")
    httpx.post(f"{started.url}/v1/schema", json=CLASS, timeout=30).raise_for_status()
    yield started
    started.stop()


def _blob() -> str:
    return base64.b64encode(os.urandom(BODY * 3 // 4)).decode()


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


@pytest.mark.parametrize("surface", ["rest", "batch", "grpc"])
def test_a_large_blob_object_costs_a_small_multiple_of_its_body(server, surface):
    blob = _blob()
    one = {"class": "Blobs", "properties": {"title": "t", "image": blob}}
    send = {"rest": lambda: _post(server, "/v1/objects", one),
            "batch": lambda: _post(server, "/v1/batch/objects", {"objects": [one]}),
            "grpc": lambda: _grpc_batch(server, blob)}[surface]
    send()  # the first write of a surface also sets up what later ones reuse (imports, pages, buffers)
    growth = _growth(server.process.pid, send)
    assert growth <= 4 * len(blob) + PAGE_CACHE, f"{surface}: peak grew by {growth / 2**20:.0f} MiB"
