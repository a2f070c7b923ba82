"""A short lane for cheap GraphQL queries: `POST /v1/graphql` answered right here, on the event loop, when the
query's compiled plan is cheap (schema/graphql/fastpath.py), without Starlette's exception middleware, router,
request and response objects (about 25 us of a 0.8 ms vector query, bench/query_bench.py).

Everything else goes on to the app unchanged, with the body handed over again: other paths and methods, bodies
over MAX_BODY or not valid JSON, queries without a cheap plan, a plan that fails. The GraphQL route
(routes/graphql.py) thus stays the one place that answers errors, and it reuses the request this lane prepared.
Authentication has already run: the lane sits inside AuthMiddleware.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from weavebind.errors import Unprocessable
from weavebind.server.routes.graphql import PREPARED, valid_request

PATH = "/v1/graphql"
HEADERS = [(b"content-type", b"application/json")]
# Larger bodies go straight to the route, which prepares them in a worker thread: checking and lifting a query
# is linear in its length, and a multi-megabyte one must not hold up the event loop. A 512-d query is ~6 KB.
MAX_BODY = 128 * 1024


class GraphQLLane:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        service = _service(scope)
        if service is None or scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != PATH:
            await self.app(scope, receive, send)
            return
        limit = min(scope["app"].state.settings.weavebind_max_request_bytes, MAX_BODY)
        body, complete = await _read(receive, limit)
        answer = _answer(scope, service, body) if complete and len(body) <= limit else None
        if answer is None:
            await self.app(scope, _replay(body, complete, receive), send)
            return
        content = orjson.dumps(answer, option=orjson.OPT_SERIALIZE_NUMPY)
        await send({"type": "http.response.start", "status": 200,
                    "headers": [*HEADERS, (b"content-length", str(len(content)).encode())]})
        await send({"type": "http.response.body", "body": content})


def _service(scope: Scope) -> Any:
    app = scope.get("app")
    return getattr(app.state, "graphql", None) if app is not None else None


async def _read(receive: Receive, limit: int) -> tuple[bytes, bool]:
    """The body read so far, and whether that is all of it. Reading stops past `limit` (or if the client went
    away); the rest is left for the app, which reads and answers it."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"", False
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), True
        if size > limit:
            return b"".join(chunks), False


def _replay(body: bytes, complete: bool, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": not complete}
    return replay


def _answer(scope: Scope, service: Any, body: bytes) -> dict[str, Any] | None:
    """The compiled plan's answer; None for anything the route should handle."""
    try:
        request = valid_request(orjson.loads(body))
    except (orjson.JSONDecodeError, Unprocessable):
        return None
    prepared = service.prepare(request)
    answer = service.execute_on_loop(prepared)
    if answer is None:
        scope.setdefault("state", {})[PREPARED] = prepared
    return answer
