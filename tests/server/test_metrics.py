"""Prometheus metrics (PROMETHEUS_MONITORING_ENABLED): the scrape endpoint on its own port, with Weaviate's metric
names for requests, queries, batches, objects, vector indexes and their queues."""

from __future__ import annotations

import json
import re
from pathlib import Path

import grpc
import httpx

from tests.compat.server import free_port
from tests.rest import ID1, create_class, expect, text_props
from weavebind import metrics
from weavebind.server.grpc.proto import search_get_pb2, weaviate_pb2_grpc


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample of the exposition text (labels given must all match), None when there is none."""
    for line in text.splitlines():
        match = re.match(rf"^{re.escape(name)}(?:{{(.*)}})? (\S+)$", line)
        if match and all(f'{k}="{v}"' in (match.group(1) or "") for k, v in labels.items()):
            return float(match.group(2))
    return None


def grown(before: str, after: str, name: str, **labels: str) -> float:
    """How much a sample grew between two scrapes (the registry is the process's: earlier tests count too)."""
    now = sample(after, name, **labels)
    assert now is not None, f"no sample {name} {labels}"
    return now - (sample(before, name, **labels) or 0)


def test_metrics_describe_requests_queries_batches_and_stored_state(make_client):
    port = free_port()
    client = make_client(PROMETHEUS_MONITORING_ENABLED="true", PROMETHEUS_MONITORING_PORT=str(port))
    before = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    create_class(client, "Doc", text_props("title"), vectorizer="none")
    expect(client.post("/v1/batch/objects", json={"objects": [
        {"class": "Doc", "id": ID1, "properties": {"title": "a"}, "vector": [1, 0]},
        {"class": "Doc", "properties": {"title": "b"}, "vector": [0, 1]}]}))
    expect(client.post("/v1/graphql", json={"query": "{ Get { Doc(nearVector: {vector: [1, 0]}) { title } } }"}))
    assert client.get("/v1/objects/Doc/00000000-0000-4000-8000-0000000000ff").status_code == 404
    with grpc.insecure_channel(f"127.0.0.1:{client.app.state.grpc_port}") as channel:
        weaviate_pb2_grpc.WeaviateStub(channel).Search(
            search_get_pb2.SearchRequest(collection="Doc", limit=1, uses_127_api=True), timeout=30)
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    assert grown(before, text, "weaviate_http_request_duration_seconds_count", method="POST",
                 route="/v1/batch/objects", status_code="200") == 1
    assert grown(before, text, "weaviate_http_request_duration_seconds_count", method="GET",
                 route="/v1/objects/{className}/{id}", status_code="404") == 1
    assert grown(before, text, "weavebind_errors_total", api="rest", status="404") == 1
    assert grown(before, text, "weaviate_grpc_server_request_duration_seconds_count", method="Search",
                 status="OK") == 1
    assert grown(before, text, "queries_durations_ms_count", class_name="Doc", query_type="get") == 2
    assert grown(before, text, "batch_durations_ms_count", operation="put_batch", class_name="Doc") == 1
    assert grown(before, text, "batch_size_objects_sum") == 2
    assert sample(text, "object_count", class_name="Doc") == 2
    assert sample(text, "vector_index_size", class_name="Doc") == 2
    assert sample(text, "queue_size", class_name="Doc") in (0, 1, 2)


def test_the_grafana_dashboard_queries_only_metrics_weavebind_serves():
    dashboard = json.loads((Path(__file__).parents[2] / "docker" / "grafana-dashboard.json").read_text())
    served = {name for names in metrics.REGISTRY._collector_to_names.values() for name in names}
    served |= {"object_count", "vector_index_size", "queue_size"}  # StoreCollector's, read at scrape time
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            # A metric stands before a range (`x[5m]`) or alone in parentheses (`sum by (c) (x)`).
            used = set(re.findall(r"([a-z][a-z0-9_]*)\[", target["expr"]))
            used |= set(re.findall(r"\) \(([a-z][a-z0-9_]*)\)", target["expr"]))
            assert used and used <= served, (panel["title"], used - served)
