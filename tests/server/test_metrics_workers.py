"""Metrics of several worker processes (PROMETHEUS_MULTIPROC_DIR), summed by the supervisor's endpoint: two real
`weavebind serve` processes share one metrics directory, as `weavebind serve --workers 2` runs them, and the test
plays the supervisor (serve_aggregated_metrics, worker_exited)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import grpc
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from tests.compat.server import Server, free_port, start_server
from tests.rest import create_class, expect, text_props
from weavebind.server.app import create_app
from weavebind.server.grpc.proto import search_get_pb2, weaviate_pb2_grpc
from weavebind.server.monitoring import serve_aggregated_metrics, worker_exited

Samples = dict[tuple[str, frozenset], float]


def scrape(port: int) -> Samples:
    """Every sample of the endpoint by (name, labels); fails on a series that appears twice."""
    samples: Samples = {}
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            key = (s.name, frozenset(s.labels.items()))
            assert key not in samples, f"duplicate series {key}"
            assert "pid" not in s.labels, f"a per-process series leaked: {key}"
            samples[key] = s.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float | None:
    """The one sample of `name` whose labels include `labels`, None when there is none."""
    found = [v for (n, lab), v in samples.items() if n == name and set(labels.items()) <= lab]
    assert len(found) <= 1, f"{name} {labels} matches {len(found)} series"
    return found[0] if found else None


def eventually(port: int, check: Callable[[Samples], bool], what: str, timeout_s: float = 20) -> Samples:
    """Scrape until `check` holds: a worker publishes its view of the store every few seconds."""
    deadline = time.monotonic() + timeout_s
    while True:
        samples = scrape(port)
        if check(samples):
            return samples
        assert time.monotonic() < deadline, f"{what}: never true within {timeout_s:g} s"
        time.sleep(0.2)


def import_docs(server: Server, ids: list[str]) -> None:
    objects = [{"class": "Doc", "id": uid, "properties": {"title": uid}, "vector": [1, 0]} for uid in ids]
    response = httpx.post(f"{server.url}/v1/batch/objects", json={"objects": objects}, timeout=30)
    assert response.status_code == 200 and not any("errors" in (o.get("result") or {}) for o in response.json())


def exercise(server: Server, meta_calls: int) -> None:
    """The same small mix on each worker: a class, meta calls, one 404 and one gRPC search."""
    created = httpx.post(f"{server.url}/v1/schema", json={"class": "Doc", "vectorizer": "none",
                                                           "properties": [{"name": "title", "dataType": ["text"]}]})
    assert created.status_code == 200, created.text
    for _ in range(meta_calls):
        assert httpx.get(f"{server.url}/v1/meta").status_code == 200
    assert httpx.get(f"{server.url}/v1/objects/Doc/00000000-0000-4000-8000-0000000000ff").status_code == 404
    with grpc.insecure_channel(f"127.0.0.1:{server.grpc_port}") as channel:
        weaviate_pb2_grpc.WeaviateStub(channel).Search(
            search_get_pb2.SearchRequest(collection="Doc", limit=1, uses_127_api=True), timeout=30)


@pytest.fixture
def workers(tmp_path):
    """Two servers as the supervisor starts its workers: one metrics directory, the same metrics port (which they
    must leave alone, or the second could not start), separate data (the change feed between workers sharing one
    database is not what is tested here; separate data also lets the two views of the store differ)."""
    directory = tmp_path / "metrics"
    directory.mkdir()
    env = {"PROMETHEUS_MONITORING_ENABLED": "true", "PROMETHEUS_MONITORING_PORT": str(free_port()),
           "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    started: list[Server] = []
    try:
        for worker_id in ("0", "1"):
            started.append(start_server(tmp_path / f"data{worker_id}", WEAVEBIND_WORKER_ID=worker_id, **env))
        yield started, directory, int(env["PROMETHEUS_MONITORING_PORT"])
    finally:
        for server in started:
            server.stop()


def test_two_workers_requests_add_up_and_store_gauges_follow_the_newest_view(workers):
    (a, b), directory, worker_metrics_port = workers
    with pytest.raises(httpx.ConnectError):  # no worker opened the metrics port
        httpx.get(f"http://127.0.0.1:{worker_metrics_port}/metrics", timeout=2)
    exercise(a, meta_calls=3)
    exercise(b, meta_calls=2)
    port = free_port()
    endpoint = serve_aggregated_metrics("127.0.0.1", port, str(directory))
    try:
        import_docs(a, [f"00000000-0000-4000-8000-00000000000{i}" for i in (1, 2)])
        samples = eventually(port, lambda s: value(s, "object_count", class_name="Doc") == 2, "a's 2 objects")
        assert value(samples, "weaviate_http_request_duration_seconds_count", method="GET", route="/v1/meta",
                     status_code="200") == 5
        assert value(samples, "weaviate_http_request_duration_seconds_count", method="GET",
                     route="/v1/objects/{className}/{id}", status_code="404") == 2
        assert value(samples, "weavebind_errors_total", api="rest", status="404") == 2
        assert value(samples, "weaviate_grpc_server_request_duration_seconds_count", method="Search",
                     status="OK") == 2
        assert value(samples, "queries_durations_ms_count", class_name="Doc", query_type="get") == 2
        assert value(samples, "batch_size_objects_sum") == 2
        inflight = [v for (n, _), v in samples.items() if n == "weaviate_http_requests_inflight"]
        assert inflight and all(v == 0 for v in inflight)  # summed over both workers, nothing in flight now
        assert value(samples, "vector_index_size", class_name="Doc", shard_name="", target_vector="") == 2

        # b learns of more objects later than a: its view is the newest, so it is the one reported (not a sum).
        import_docs(b, [f"00000000-0000-4000-8000-00000000001{i}" for i in (1, 2, 3)])
        samples = eventually(port, lambda s: value(s, "object_count", class_name="Doc") == 3, "b's newer view")
        assert value(samples, "vector_index_size", class_name="Doc") == 3
        assert value(samples, "queue_size", class_name="Doc") in (0, 1, 2, 3)
        assert value(samples, "batch_size_objects_sum") == 5

        # kill -9: b's last view and in-flight gauge stay until the supervisor says b is gone; its counts stay.
        b.process.kill()
        b.process.wait(timeout=30)
        assert list(directory.glob(f"*_{b.process.pid}.*"))
        worker_exited(b.process.pid)
        assert not list(directory.glob(f"gauge_live*_{b.process.pid}.db"))
        assert not list(directory.glob(f"store_state_{b.process.pid}.json"))
        samples = scrape(port)
        assert value(samples, "object_count", class_name="Doc") == 2  # a's view, the only one left
        assert value(samples, "weaviate_http_request_duration_seconds_count", method="GET", route="/v1/meta",
                     status_code="200") == 5  # totals never go backwards

        # a's view changes again (a delete): a smaller count wins too.
        deleted = httpx.delete(f"{a.url}/v1/objects/Doc/00000000-0000-4000-8000-000000000001")
        assert deleted.status_code == 204
        eventually(port, lambda s: value(s, "object_count", class_name="Doc") == 1, "a's delete")
    finally:
        endpoint.shutdown()


def test_aggregated_endpoint_refuses_a_missing_directory(tmp_path: Path):
    with pytest.raises(ValueError, match="not a directory"):
        serve_aggregated_metrics("127.0.0.1", free_port(), str(tmp_path / "absent"))


def test_a_worker_publishes_its_view_of_the_store_and_withdraws_it_when_it_stops(make_settings, database_url,
                                                                               tmp_path):
    directory = tmp_path / "metrics"
    directory.mkdir()
    port = free_port()
    settings = make_settings(WEAVEBIND_DATABASE_URL=database_url, PROMETHEUS_MONITORING_ENABLED="true",
                             PROMETHEUS_MONITORING_PORT=str(port), PROMETHEUS_MULTIPROC_DIR=str(directory))
    published = directory / f"store_state_{os.getpid()}.json"
    with TestClient(create_app(settings)) as client:
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2)
        assert json.loads(published.read_text())["objects"] == []  # published at start-up, before any request
        create_class(client, "Doc", text_props("title"), vectorizer="none")
        expect(client.post("/v1/batch/objects", json={"objects": [
            {"class": "Doc", "properties": {"title": "a"}, "vector": [1, 0]},
            {"class": "Doc", "properties": {"title": "b"}, "vector": [0, 1]}]}))
        deadline = time.monotonic() + 20
        while json.loads(published.read_text())["objects"] != [["Doc", "", 2]]:
            assert time.monotonic() < deadline, published.read_text()
            time.sleep(0.2)
        view = json.loads(published.read_text())
        assert [row[:3] for row in view["sizes"]] == [["Doc", "", ""]] and view["sizes"][0][3] == 2
    assert not published.exists()
