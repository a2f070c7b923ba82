"""Request/response helpers shared by the route modules: JSON in and out, size limits, threads."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

import orjson
from starlette.requests import Request
from starlette.responses import Response

from weavebind.errors import BadRequest, PayloadTooLarge, RouteError, Unprocessable
from weavebind.schema.objects import parse_uuid

T = TypeVar("T")


class JSON(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_SERIALIZE_NUMPY)


async def read_json(request: Request) -> Any:
    """The request body as JSON, refusing bodies over WEAVEBIND_MAX_REQUEST_BYTES before reading them whole."""
    limit = request.app.state.settings.weavebind_max_request_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"request body of {declared} bytes exceeds the limit of {limit} bytes "
                              "(WEAVEBIND_MAX_REQUEST_BYTES)")
    body = await _read_body(request, limit)
    if not body.strip():
        raise Unprocessable("the request body is empty; a JSON document is required")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise RouteError(f"parsing body from request failed, because {exc}", status=400) from None


async def _read_body(request: Request, limit: int) -> bytes | bytearray:
    """The body in one buffer, each chunk dropped once copied: a list of chunks joined at the end held the body
    twice, and the parsed JSON makes it three times (a 50 MB object peaked at 3x its size here). A body that comes
    in one chunk is used as it is."""
    body: bytes | bytearray = b""
    async for chunk in request.stream():
        if len(body) + len(chunk) > limit:
            raise PayloadTooLarge(f"request body exceeds the limit of {limit} bytes (WEAVEBIND_MAX_REQUEST_BYTES)")
        if not body:
            body = chunk
        elif chunk:
            if isinstance(body, bytes):
                body = bytearray(body)
            body += chunk
    return body


def path_uuid(request: Request, name: str = "id") -> str:
    try:
        return parse_uuid(request.path_params[name], name + " in path")
    except Unprocessable as exc:
        raise RouteError(exc.message, status=422) from None


def query_int(request: Request, name: str, default: int | None) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise RouteError(f"{name} in query must be of type int64: \"{raw}\"", status=422) from None


def include_vector(request: Request) -> bool:
    raw = request.query_params.get("include")
    if not raw:
        return False
    wanted = [item.strip() for item in raw.split(",") if item.strip()]
    for item in wanted:
        if item not in ("vector", "classification"):
            raise BadRequest(f"unrecognized property '{item}' in ?include list")
    return "vector" in wanted


async def blocking(func: Callable[..., T], *args: Any) -> T:
    """Run SQL/FAISS work off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(None, func, *args)
