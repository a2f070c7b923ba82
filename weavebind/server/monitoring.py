"""Request metrics for both front ends (weavebind/metrics.py holds the metrics), and the scrape endpoint on
`PROMETHEUS_MONITORING_PORT` when `PROMETHEUS_MONITORING_ENABLED` is set: served by the one server process, or, with
worker processes, by their supervisor as the sum over the workers (`serve_aggregated_metrics`)."""

from __future__ import annotations

import os
import time
from typing import Any

import grpc
from prometheus_client import CollectorRegistry, multiprocess, start_http_server
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from weavebind import metrics
from weavebind.server.settings import Settings, load_settings
from weavebind.store_metrics import StateCollector, forget_worker, stop_publishing


class HttpMetrics:
    """Outermost ASGI middleware: duration by method, route template and status, and requests in flight. The route
    is the matched one (`/v1/objects/{className}/{id}`), so the label set stays small whatever the paths."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()
        method = scope["method"]

        async def tracked(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        inflight = metrics.HTTP_INFLIGHT.labels(method, _route(scope))
        inflight.inc()
        try:
            await self.app(scope, receive, tracked)
        finally:
            inflight.dec()
            route = _route(scope)
            metrics.HTTP_DURATION.labels(method, route, str(status)).observe(time.perf_counter() - started)
            if status >= 400:
                metrics.ERRORS.labels("rest", str(status)).inc()


def _route(scope: Scope) -> str:
    route = scope.get("route")
    if route is not None:
        return getattr(route, "path", "unknown")
    # The GraphQL lane answers before the router; anything else unmatched gets one label, not one per path.
    return "/v1/graphql" if scope.get("path") == "/v1/graphql" else "unmatched"


class GrpcMetrics(grpc.aio.ServerInterceptor):
    """Duration and status code of every unary gRPC call."""

    async def intercept_service(self, continuation: Any, details: grpc.HandlerCallDetails) -> Any:
        handler = await continuation(details)
        # Unary replies only; BatchObjects is registered stream-unary (it reads its one message itself, see
        # grpc/server.py), which the client cannot tell from unary-unary.
        if handler is None or (handler.unary_unary or handler.stream_unary) is None:
            return handler
        service, _, method = details.method.strip("/").rpartition("/")
        inner = handler.unary_unary or handler.stream_unary
        make = grpc.unary_unary_rpc_method_handler if handler.unary_unary else grpc.stream_unary_rpc_method_handler

        async def timed(request: Any, context: grpc.aio.ServicerContext) -> Any:
            started = time.perf_counter()
            try:
                return await inner(request, context)
            finally:
                code = context.code() or grpc.StatusCode.OK
                name = code.name if isinstance(code, grpc.StatusCode) else str(code)
                metrics.GRPC_DURATION.labels(service, method, name).observe(time.perf_counter() - started)
                if name != "OK":
                    metrics.ERRORS.labels("grpc", name).inc()

        return make(timed, request_deserializer=handler.request_deserializer,
                    response_serializer=handler.response_serializer)


class _WorkerMetrics:
    """A worker's side (PROMETHEUS_MULTIPROC_DIR set): its supervisor serves the port; stopping the worker
    withdraws the view of the store it publishes (store_metrics.py)."""

    def shutdown(self) -> None:
        stop_publishing()


def start_metrics(host: str, settings: Settings) -> Any:
    """What PROMETHEUS_MONITORING_ENABLED starts with the server: None when off; anything returned has
    `shutdown()`. A worker of `serve --workers` leaves the port to its supervisor, which sums the workers."""
    if not settings.prometheus_monitoring_enabled:
        return None
    if settings.prometheus_multiproc_dir:
        return _WorkerMetrics()
    return serve_metrics(host, settings.prometheus_monitoring_port)


def serve_metrics(host: str, port: int) -> Any:
    """Start the scrape endpoint; returns the HTTP server, whose `shutdown()` stops it."""
    server, _thread = start_http_server(port, addr=host, registry=metrics.REGISTRY)
    return server


_aggregated_directory = ""  # the directory the supervisor's endpoint reads, for worker_exited


def serve_aggregated_metrics(host: str, port: int, directory: str) -> Any:
    """The supervisor's scrape endpoint: the metrics of every worker that wrote to `directory` (their
    PROMETHEUS_MULTIPROC_DIR), merged at each scrape. Returns the HTTP server, whose `shutdown()` stops it."""
    global _aggregated_directory
    if not directory or not os.path.isdir(directory):
        raise ValueError(f"PROMETHEUS_MULTIPROC_DIR {directory!r} is not a directory")
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)
    registry.register(StateCollector(directory))
    server, _thread = start_http_server(port, addr=host, registry=registry)
    _aggregated_directory = directory
    return server


def worker_exited(pid: int, directory: str = "") -> None:
    """A worker process ended (crashed or stopped): its in-flight requests and its view of the store stop
    counting. Its counters and histograms stay in the sum, so no total ever goes backwards. `directory`: the
    workers' PROMETHEUS_MULTIPROC_DIR; by default the one `serve_aggregated_metrics` reads, else the setting."""
    directory = directory or _aggregated_directory or load_settings().prometheus_multiproc_dir
    if not directory:
        return  # not multiprocess mode: nothing was written
    multiprocess.mark_process_dead(pid, directory)
    forget_worker(directory, pid)
