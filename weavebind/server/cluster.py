"""Read-your-writes across servers that share one database (worker processes, nodes): before a request is
handled, the store applies the changes the other servers committed (Store.sync). A no-op with one server."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
from starlette.types import ASGIApp, Receive, Scope, Send

# Probes answer about this process only; syncing first would make a liveness check wait on the database.
UNSYNCED_PREFIX = "/v1/.well-known/"


async def sync_store(store: Any) -> None:
    if store is not None and store.follower is not None:
        await asyncio.get_running_loop().run_in_executor(None, store.sync)


class ChangeSync:
    """ASGI middleware, inside authentication (an unauthenticated request costs no database read)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(UNSYNCED_PREFIX):
            await sync_store(getattr(scope["app"].state, "store", None))
        await self.app(scope, receive, send)


class GrpcChangeSync(grpc.aio.ServerInterceptor):
    """The same for every gRPC call with one reply (searches, aggregates, tenants, and BatchObjects, which is
    registered stream-unary: grpc/server.py); the batch stream keeps its own pace."""

    def __init__(self, state: Any):
        self.state = state

    async def intercept_service(self, continuation: Any, details: grpc.HandlerCallDetails) -> Any:
        handler = await continuation(details)
        if handler is None or (handler.unary_unary or handler.stream_unary) is None:
            return handler
        inner, state = handler.unary_unary or handler.stream_unary, self.state
        make = grpc.unary_unary_rpc_method_handler if handler.unary_unary else grpc.stream_unary_rpc_method_handler

        async def synced(request: Any, context: grpc.aio.ServicerContext) -> Any:
            await sync_store(getattr(state, "store", None))
            return await inner(request, context)

        return make(synced, request_deserializer=handler.request_deserializer,
                    response_serializer=handler.response_serializer)
