"""Prometheus metrics, with Weaviate's names where it has them (`PROMETHEUS_MONITORING_ENABLED`).

The metrics live in one registry of their own; recording into them costs a dictionary lookup and an addition, so
the code records unconditionally and only the scrape endpoint depends on the setting. Gauges of stored state
(objects, vector index sizes, indexing queues) are not kept up to date on every write: store_metrics.py reads them
from the store at scrape time, or publishes each worker's view when several worker processes serve.

With `PROMETHEUS_MULTIPROC_DIR` set before this module is imported (`weavebind serve --workers`), prometheus_client
keeps every value in a file of that directory per process, and the supervisor serves their sum
(server/monitoring.py `serve_aggregated_metrics`): counters and histograms add up by themselves; a gauge says how
in its `multiprocess_mode`.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Summary

from weavebind.store_metrics import StoreCollector, publish_store_state, stop_publishing

REGISTRY = CollectorRegistry(auto_describe=True)
SECONDS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
MILLISECONDS = tuple(s * 1000 for s in SECONDS)

HTTP_DURATION = Histogram("weaviate_http_request_duration_seconds", "Time (in seconds) spent serving requests.",
                          ["method", "route", "status_code"], buckets=SECONDS, registry=REGISTRY)
# Across worker processes (PROMETHEUS_MULTIPROC_DIR) the requests in flight add up; a dead worker's drop out.
HTTP_INFLIGHT = Gauge("weaviate_http_requests_inflight", "Current number of inflight requests.",
                      ["method", "route"], registry=REGISTRY, multiprocess_mode="livesum")
GRPC_DURATION = Histogram("weaviate_grpc_server_request_duration_seconds", "Time (in seconds) spent serving requests.",
                          ["grpc_service", "method", "status"], buckets=SECONDS, registry=REGISTRY)
QUERIES_DURATION = Histogram("queries_durations_ms", "Duration of queries in milliseconds",
                             ["class_name", "query_type"], buckets=MILLISECONDS, registry=REGISTRY)
BATCH_DURATION = Histogram("batch_durations_ms", "Duration in ms of a single batch",
                           ["operation", "class_name", "shard_name"], buckets=MILLISECONDS, registry=REGISTRY)
BATCH_SIZE = Summary("batch_size_objects", "Number of objects in a batch", registry=REGISTRY)
BATCH_DELETE_DURATION = Summary("batch_delete_durations_ms", "Duration in ms of a single delete batch",
                                ["operation", "class_name", "shard_name"], registry=REGISTRY)
INFERENCE_DURATION = Histogram("module_external_request_duration_seconds",
                               "Duration of a vectorizer's inference request (container or in-process model)",
                               ["module", "op"], buckets=SECONDS, registry=REGISTRY)
INFERENCE_BATCH = Histogram("module_external_batch_length", "Inputs per inference request", ["module"],
                            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512), registry=REGISTRY)
ERRORS = Counter("weavebind_errors_total", "Answers that refused or failed a request, by API and status",
                 ["api", "status"], registry=REGISTRY)


@contextmanager
def timed_ms(histogram: Any, **labels: str) -> Iterator[None]:
    """Observe the block's duration in milliseconds into `histogram` (a Histogram or Summary with labels)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        histogram.labels(**labels).observe((time.perf_counter() - started) * 1000)


def timed_query(query_type: str) -> Callable[[Callable], Callable]:
    """Decorate a query runner `(ctx, q, ...)` to observe `queries_durations_ms{class_name=q.class_name}`."""
    def wrap(func: Callable) -> Callable:
        @functools.wraps(func)
        def run(ctx: Any, q: Any, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return func(ctx, q, *args, **kwargs)
            finally:
                QUERIES_DURATION.labels(q.class_name, query_type).observe((time.perf_counter() - started) * 1000)
        return run
    return wrap


def inference_done(module: str, op: str, inputs: int, started: float) -> None:
    """One inference request of `inputs` items, begun at perf_counter `started`."""
    INFERENCE_DURATION.labels(module, op).observe(time.perf_counter() - started)
    INFERENCE_BATCH.labels(module).observe(inputs)


def watch_store(store: Any, directory: str = "") -> None:
    """Serve the store's gauges (once per store; a test may open several apps in one process). `directory`: a
    worker's PROMETHEUS_MULTIPROC_DIR, where it publishes its view for the supervisor (store_metrics.py)."""
    for collector in list(getattr(REGISTRY, "_collector_to_names", {})):
        if isinstance(collector, StoreCollector):
            REGISTRY.unregister(collector)
    stop_publishing()
    if directory:
        publish_store_state(store, directory)
    else:
        REGISTRY.register(StoreCollector(store))
