"""Several servers over one database: two nodes (separate processes and ports) and `serve --workers 2` (one port).
A write acknowledged through one is seen by the next request through the other, thousands of times; schema
changes reach the other's GraphQL schema; kill -9 of one worker loses no acknowledged write."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
import numpy as np
import pytest

from tests.live_server import free_port, wait_until_ready

DIM = 8
SCHEMA = {"class": "Shared", "vectorizer": "none", "properties": [{"name": "n", "dataType": ["int"]}]}



def _serve(env: dict[str, str], *extra: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "GRPC_PORT": str(free_port()), "LOG_LEVEL": "warning", **env}
    proc = subprocess.Popen([sys.executable, "-m", "weavebind", "serve", "--host", "127.0.0.1", "--port",
                             str(port), *extra], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(proc, base, lambda: proc.stderr.read().decode()[-2000:] if proc.poll() is not None else "")
    except RuntimeError:
        proc.kill()
        raise
    return proc, base


def _stop(proc: subprocess.Popen) -> int:
    """SIGTERM and wait; a graceful stop exits 0, or re-raises SIGTERM (uvicorn does, after its shutdown)."""
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


def _near(http: httpx.Client, vector: list[float], limit: int = 1) -> list[str]:
    query = f"{{Get{{Shared(limit:{limit}, nearVector:{{vector:{vector}}}){{_additional{{id}}}}}}}}"
    body = http.post("/v1/graphql", json={"query": query}).json()
    assert "errors" not in body, body
    return [hit["_additional"]["id"] for hit in body["data"]["Get"]["Shared"]]


def _round_trips(writer: httpx.Client, reader: httpx.Client, rounds: int, seed: int) -> list[str]:
    """Write through one, read through the other at once: returns what the reader missed."""
    rng = np.random.default_rng(seed)
    misses: list[str] = []
    for i in range(rounds):
        uid, vector = str(uuid.uuid4()), rng.normal(size=DIM).round(4).tolist()
        assert writer.post("/v1/objects", json={"class": "Shared", "id": uid, "properties": {"n": i},
                                                "vector": vector}).status_code == 200
        if _near(reader, vector) != [uid]:
            misses.append(f"write {uid}")
        if i % 10 == 0:
            assert writer.patch(f"/v1/objects/Shared/{uid}", json={"properties": {"n": -i}}).status_code == 204
            if reader.get(f"/v1/objects/Shared/{uid}").json()["properties"]["n"] != -i:
                misses.append(f"update {uid}")
            assert reader.delete(f"/v1/objects/Shared/{uid}").status_code == 204
            if writer.get(f"/v1/objects/Shared/{uid}").status_code != 404 or uid in _near(writer, vector, 5):
                misses.append(f"delete {uid}")
    return misses


@pytest.mark.slow
def test_two_nodes_see_each_others_writes_at_once(tmp_path, database_url):
    shared = {"WEAVEBIND_DATABASE_URL": database_url, "WEAVEBIND_SHARED_DATABASE": "true"}
    node_a, base_a = _serve({**shared, "PERSISTENCE_DATA_PATH": str(tmp_path / "a")})
    node_b, base_b = _serve({**shared, "PERSISTENCE_DATA_PATH": str(tmp_path / "b")})
    try:
        with httpx.Client(base_url=base_a, timeout=30) as a, httpx.Client(base_url=base_b, timeout=30) as b:
            assert a.post("/v1/schema", json=SCHEMA).status_code == 200
            assert _near(b, [0.0] * DIM) == []  # the class is in B's GraphQL schema at once
            assert _round_trips(a, b, 400, 1) + _round_trips(b, a, 400, 2) == []
            assert b.post("/v1/schema/Shared/properties", json={"name": "tag", "dataType": ["text"]}
                          ).status_code == 200
            query = '{Get{Shared(limit:1){tag}}}'
            assert "errors" not in a.post("/v1/graphql", json={"query": query}).json()
            assert b.delete("/v1/schema/Shared").status_code == 200
            assert a.get("/v1/schema/Shared").status_code == 404
    finally:
        assert _stop(node_a) in (0, -signal.SIGTERM)
        assert _stop(node_b) in (0, -signal.SIGTERM)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _import(base: str, acked: set[str], stop: threading.Event) -> None:
    rng = np.random.default_rng(3)
    while not stop.is_set():
        objects = [{"class": "Shared", "id": str(uuid.uuid4()), "properties": {"n": 1},
                    "vector": rng.normal(size=DIM).tolist()} for _ in range(50)]
        try:  # a new connection per batch: the kernel spreads them over both workers
            results = httpx.post(f"{base}/v1/batch/objects", json={"objects": objects}, timeout=30).json()
        except (httpx.HTTPError, ValueError):
            continue  # its worker was killed: not acknowledged
        acked.update(obj["id"] for obj, result in zip(objects, results, strict=True)
                     if result["result"]["status"] == "SUCCESS")


@pytest.mark.slow
def test_two_workers_share_the_port_read_their_writes_and_survive_kill_9(tmp_path):
    metrics_port = free_port()
    supervisor, base = _serve({"PERSISTENCE_DATA_PATH": str(tmp_path / "data"), "PROMETHEUS_MONITORING_ENABLED":
                               "true", "PROMETHEUS_MONITORING_PORT": str(metrics_port)}, "--workers", "2")
    try:
        workers = _children(supervisor.pid)
        assert len(workers) == 2
        # New connections for every request, so consecutive requests land on either worker.
        with httpx.Client(base_url=base, timeout=30, limits=httpx.Limits(max_keepalive_connections=0)) as http:
            assert http.post("/v1/schema", json=SCHEMA).status_code == 200
            assert _round_trips(http, http, 300, 3) == []
        # The supervisor's scrape sums both workers: every GraphQL query of the round trips is counted once.
        scraped = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).text
        graphql = [line for line in scraped.splitlines()
                   if line.startswith("weaviate_http_request_duration_seconds_count") and "/v1/graphql" in line]
        assert sum(float(line.rsplit(" ", 1)[1]) for line in graphql) >= 330
        acked: set[str] = set()
        stop = threading.Event()
        importer = threading.Thread(target=_import, args=(base, acked, stop))
        importer.start()
        while len(acked) < 2000:
            time.sleep(0.05)
        os.kill(workers[1], signal.SIGKILL)
        time.sleep(1.0)  # the other worker keeps acknowledging meanwhile
        stop.set()
        importer.join()
        deadline = time.monotonic() + 30
        while len(_children(supervisor.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert workers[1] not in _children(supervisor.pid) and len(_children(supervisor.pid)) == 2
        wait_until_ready(supervisor, base, lambda: "")
        with httpx.Client(base_url=base, timeout=30, limits=httpx.Limits(max_keepalive_connections=0)) as http:
            for _ in range(6):  # both workers, whichever answers
                query = '{Aggregate{Shared{meta{count}}}}'
                count = http.post("/v1/graphql", json={"query": query}).json()["data"]["Aggregate"]["Shared"][0]
                assert count["meta"]["count"] >= len(acked)
            for uid in list(acked)[:200]:
                assert http.get(f"/v1/objects/Shared/{uid}").status_code == 200
    finally:
        assert _stop(supervisor) == 0
    assert _children(supervisor.pid) == []
