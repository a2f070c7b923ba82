"""The gRPC server of the v4 clients, started and stopped by the HTTP app's lifespan.

It is a `grpc.aio` server in the same event loop as the HTTP app: its lifetime is the lifespan's (it drains its
calls before storage closes), handlers read the app state directly, and blocking SQL/FAISS work goes to the same
thread pool as REST's (`server.http.blocking`), so one limit bounds the threads both front ends use.
"""

from __future__ import annotations

import logging
from typing import Any

import grpc

from weavebind.server.auth import Authenticator
from weavebind.server.cluster import GrpcChangeSync
from weavebind.server.grpc.calls import reading_itself, sized, tolerant
from weavebind.server.grpc.proto import health_weaviate_pb2, weaviate_pb2_grpc
from weavebind.server.grpc.service import WeaviateService
from weavebind.server.monitoring import GrpcMetrics

log = logging.getLogger("weavebind.grpc")

_HEALTH = health_weaviate_pb2.WeaviateHealthCheckResponse
STOP_GRACE_SECONDS = 5.0
# Calls whose message may be large (objects with blobs): they read it themselves and free it once converted
# (calls.reading_itself), so a call holds it about once instead of three times.
READ_BY_HANDLER = ("BatchObjects",)


def _health_handler(state: Any) -> grpc.GenericRpcHandler:
    """`grpc.health.v1.Health/Check`, without auth: the v4 client calls it at connect with no credentials."""

    async def check(_request: Any, _context: grpc.aio.ServicerContext) -> Any:
        return _HEALTH(status=_HEALTH.SERVING if getattr(state, "ready", False) else _HEALTH.NOT_SERVING)

    method = grpc.unary_unary_rpc_method_handler(
        check, request_deserializer=health_weaviate_pb2.WeaviateHealthCheckRequest.FromString,
        response_serializer=_HEALTH.SerializeToString)
    return grpc.method_handlers_generic_handler("grpc.health.v1.Health", {"Check": method})


class _Handlers:
    """Collects the method handlers the generated `add_WeaviateServicer_to_server` registers."""

    def __init__(self) -> None:
        self.service = ""
        self.handlers: dict[str, Any] = {}

    def add_registered_method_handlers(self, service: str, handlers: dict[str, Any]) -> None:
        self.service, self.handlers = service, handlers

    def add_generic_rpc_handlers(self, _handlers: Any) -> None:
        pass


def _add_service(servicer: WeaviateService, server: grpc.aio.Server) -> None:
    """Register the Weaviate service with deserializers that never raise (calls.tolerant), so bytes protobuf cannot
    parse reach the handler's auth check and become INVALID_ARGUMENT instead of a logged INTERNAL."""
    found = _Handlers()
    weaviate_pb2_grpc.add_WeaviateServicer_to_server(servicer, found)
    handlers = {name: handler._replace(request_deserializer=tolerant(handler.request_deserializer))
                for name, handler in found.handlers.items()}
    for name in READ_BY_HANDLER:
        unary = handlers[name]
        handlers[name] = grpc.stream_unary_rpc_method_handler(
            reading_itself(unary.unary_unary), request_deserializer=sized(unary.request_deserializer),
            response_serializer=unary.response_serializer)
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(found.service, handlers),))
    server.add_registered_method_handlers(found.service, handlers)


async def start_grpc(state: Any, authenticator: Authenticator, host: str, port: int) -> grpc.aio.Server:
    """Bind `host:port` (port 0: any free port, stored in `state.grpc_port`) and start serving."""
    # One limit for every surface; /v1/meta advertises it and the v4 client sizes its channel by it. gRPC's core
    # refuses a larger message (RESOURCE_EXHAUSTED) once it has received it, before Python sees it: a 50 MB
    # message over a 1 MB limit cost the server 1x its size, transiently (bench/request_memory_bench.py).
    limit = state.settings.weavebind_max_request_bytes
    options = [("grpc.max_receive_message_length", limit), ("grpc.max_send_message_length", limit)]
    server = grpc.aio.server(options=options, interceptors=[GrpcMetrics(), GrpcChangeSync(state)])
    _add_service(WeaviateService(state, authenticator), server)
    server.add_generic_rpc_handlers((_health_handler(state),))
    try:
        bound = server.add_insecure_port(f"{host}:{port}")
    except RuntimeError as exc:  # grpcio raises when the port is taken; say which setting to change
        raise RuntimeError(f"cannot listen for gRPC on {host}:{port} ({exc}); set GRPC_PORT to a free port") from None
    await server.start()
    state.grpc_port = bound
    log.info("gRPC listening on %s:%d", host, bound)
    return server


async def stop_grpc(server: grpc.aio.Server) -> None:
    """Refuse new calls and let running ones finish (up to STOP_GRACE_SECONDS) before storage closes."""
    await server.stop(STOP_GRACE_SECONDS)
