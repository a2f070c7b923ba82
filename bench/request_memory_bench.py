"""Peak memory of one large request, per surface: REST `POST /v1/objects`, `POST /v1/batch/objects`, GraphQL and
gRPC `BatchObjects`, each carrying one base64 blob of `--mb` megabytes (a class without modules, so no model).

A fresh `weavebind serve` subprocess per surface: after a small warm-up request on the same surface (imports and
lazy set-up are not the request's cost) the peak resident set (`VmHWM` of /proc/<pid>/status) is reset to the
current one (`/proc/<pid>/clear_refs` = 5), the large request is sent, and the growth of the peak over the resident
set before it is the request's cost; `kept_mb` is what the resident set still holds 0.5 s after it.
Run: `PYTHONPATH=$PWD .venv/bin/python bench/request_memory_bench.py --mb 50`.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import time
import uuid
from pathlib import Path

import grpc
import httpx
import orjson
from google.protobuf import struct_pb2

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402
from bench.common import Server, workdir  # noqa: E402
from weavebind.server.grpc.proto import batch_pb2, weaviate_pb2_grpc  # noqa: E402

SURFACES = ("rest", "batch", "graphql", "grpc")
CLASS = {"class": "Blobs", "vectorizer": "none",
         "properties": [{"name": "title", "dataType": ["text"]}, {"name": "image", "dataType": ["blob"]}]}
MB = 1_000_000


def proc_status(pid: int) -> dict[str, int]:
    """The kB figures of /proc/<pid>/status, in bytes."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if rest.strip().endswith("kB"):
            found[key] = int(rest.split()[0]) * 1024
    return found


def reset_peak(pid: int) -> bool:
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:  # kernels before 4.0, or no permission: the peak then counts from the process start
        return False


def blob_text(size: int) -> str:
    """Base64 text of about `size` bytes (random bytes: nothing compresses or interns them)."""
    return base64.b64encode(os.urandom(size * 3 // 4)).decode()


def send(surface: str, server: Server, grpc_port: int, blob: str) -> str:
    """Send one object (or query) carrying `blob`; returns a short outcome for the report."""
    if surface == "grpc":
        return _send_grpc(grpc_port, blob)
    with httpx.Client(base_url=server.url, timeout=600) as client:
        if surface == "rest":
            body = {"class": "Blobs", "properties": {"title": "t", "image": blob}}
            reply = client.post("/v1/objects", content=orjson.dumps(body), headers=_JSON)
        elif surface == "batch":
            body = {"objects": [{"class": "Blobs", "properties": {"title": "t", "image": blob}}]}
            reply = client.post("/v1/batch/objects", content=orjson.dumps(body), headers=_JSON)
        else:  # GraphQL has no writes: the text travels as a filter value through a variable
            query = 'query($v: WhereValue){Get{Blobs(where:{path:["title"],operator:Equal,valueText:$v}){title}}}'
            reply = client.post("/v1/graphql", content=orjson.dumps({"query": query, "variables": {"v": blob}}),
                                headers=_JSON)
        return f"{reply.status_code} {reply.text[:120]}"


_JSON = {"content-type": "application/json"}


def _send_grpc(port: int, blob: str) -> str:
    options = [("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1)]
    with grpc.insecure_channel(f"127.0.0.1:{port}", options=options) as channel:
        stub = weaviate_pb2_grpc.WeaviateStub(channel)
        props = struct_pb2.Struct()
        props.update({"title": "t", "image": blob})
        item = batch_pb2.BatchObject(uuid=str(uuid.uuid4()), collection="Blobs",
                                     properties=batch_pb2.BatchObject.Properties(non_ref_properties=props))
        try:
            reply = stub.BatchObjects(batch_pb2.BatchObjectsRequest(objects=[item]), timeout=600)
        except grpc.RpcError as exc:
            return f"{exc.code().name} {exc.details()[:120]}"
        return f"OK errors={[e.error[:80] for e in reply.errors]}"


def measure(surface: str, size: int, env: dict[str, str]) -> dict:
    with workdir("wb-reqmem-") as tmp:
        grpc_port = Server(tmp).port  # a free port for gRPC
        base = common.server_env
        # The server's environment: the shared one (SQLite by default) with this run's settings on top.
        common.server_env = lambda data: {**base(data), "GRPC_PORT": str(grpc_port), "LOG_LEVEL": "warning", **env}
        server = Server(tmp / "data")
        try:
            server.start()
        finally:
            common.server_env = base
        try:
            server.wait_ready()
            httpx.delete(f"{server.url}/v1/schema/Blobs", timeout=60)  # a PostgreSQL database may hold a last run's
            httpx.post(f"{server.url}/v1/schema", json=CLASS, timeout=60).raise_for_status()
            send(surface, server, grpc_port, blob_text(1000))  # warm-up
            time.sleep(0.5)
            blob = blob_text(size)
            pid = server.proc.pid
            before = proc_status(pid)["VmRSS"]
            reset = reset_peak(pid)
            start = time.perf_counter()
            outcome = send(surface, server, grpc_port, blob)
            seconds = time.perf_counter() - start
            peak = proc_status(pid)["VmHWM"]
            time.sleep(0.5)
            after = proc_status(pid)["VmRSS"]  # what the server keeps once the request is over
        finally:
            server.stop()
    return {"surface": surface, "body_mb": round(size / MB, 1), "rss_before_mb": round(before / MB),
            "peak_mb": round(peak / MB), "growth_mb": round((peak - before) / MB),
            "kept_mb": round((after - before) / MB),
            "growth_x_body": round((peak - before) / size, 2), "peak_reset": reset, "seconds": round(seconds, 2),
            "outcome": outcome}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=50, help="size of the base64 blob in megabytes")
    parser.add_argument("--surfaces", default=",".join(SURFACES))
    parser.add_argument("--env", action="append", default=[], help="NAME=value for the server, repeatable")
    args = parser.parse_args()
    env = dict(item.split("=", 1) for item in args.env)
    for surface in args.surfaces.split(","):
        print(json.dumps(measure(surface, int(args.mb * MB), env)), flush=True)


if __name__ == "__main__":
    main()
