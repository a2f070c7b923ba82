"""Read-your-writes across servers that share one database (worker processes, nodes): before a request is
handled, the store applies the changes the other servers committed (Store.sync). A no-op with one server."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
from starlette.types import ASGIApp, Receive, Scope, Send

# Probes answer about this process only; syncing first would make a liveness check wait on the database.
UNSYNCED_PREFIX = "/v1/.well-known/"


class SyncGate:
    """The per-request sync, shared by HTTP and gRPC. A request must see every write acknowledged before it
    arrived, so it waits for a sync that began after its arrival; requests arriving together share one sync
    instead of each paying its own round trip (with 8 clients the check alone cost ~0.5 ms of CPU per request).
    On a SQLite file the check is a read through the event loop's own connection (tens of microseconds) and is made
    inline; only a catch-up, or any check on PostgreSQL (a network round trip), runs in a worker thread."""

    def __init__(self, store: Any):
        self.store = store
        self.inline_check = store.local_reads
        self.started = 0  # syncs started so far; the one numbered n began after every request that saw n - 1
        self.completed = 0
        self.current: asyncio.Future | None = None

    async def wait(self) -> None:
        if self.inline_check and not self.store.behind():
            return
        need = self.started + 1
        while self.completed < need:
            if self.current is None:
                self._start()
            future, number = self.current, self.started
            try:
                await asyncio.shield(future)  # a finished future returns at once, without yielding to the loop
            finally:
                if future.done():  # so the state is settled here, not in a callback the loop would run later
                    self._finish(number, future)

    def _start(self) -> None:
        self.started += 1
        self.current = asyncio.get_running_loop().run_in_executor(None, self.store.sync)

    def _finish(self, number: int, future: asyncio.Future) -> None:
        if self.current is future:
            self.current = None
        if not future.cancelled() and future.exception() is None:
            self.completed = max(self.completed, number)


async def sync_store(state: Any) -> None:
    store = getattr(state, "store", None)
    if store is None or store.follower is None:
        return
    gate = getattr(state, "sync_gate", None)
    if gate is None:
        gate = state.sync_gate = SyncGate(store)
    await gate.wait()


class ChangeSync:
    """ASGI middleware, inside authentication (an unauthenticated request costs no database read)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(UNSYNCED_PREFIX):
            await sync_store(scope["app"].state)
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
            await sync_store(state)
            return await inner(request, context)

        return make(synced, request_deserializer=handler.request_deserializer,
                    response_serializer=handler.response_serializer)
