"""Request metrics for both front ends (weavebind/metrics.py holds the metrics), and the scrape endpoint on
`PROMETHEUS_MONITORING_PORT` when `PROMETHEUS_MONITORING_ENABLED` is set."""

from __future__ import annotations

import time
from typing import Any

import grpc
from prometheus_client import start_http_server
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from weavebind import metrics


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


def serve_metrics(host: str, port: int) -> Any:
    """Start the scrape endpoint; returns the HTTP server, whose `shutdown()` stops it."""
    server, _thread = start_http_server(port, addr=host, registry=metrics.REGISTRY)
    return server
