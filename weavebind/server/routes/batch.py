"""`/v1/batch/objects`: import with per-object results, and delete by a `where` match (REST rendering of
`weavebind.schema.batch`, which gRPC shares)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from weavebind.errors import Unprocessable
from weavebind.schema.batch import delete_matching, import_objects
from weavebind.schema.objects import render
from weavebind.server.http import JSON, blocking, read_json


def _failed(item: Any, message: str) -> dict[str, Any]:
    shown = item if isinstance(item, dict) else {}
    return {**shown, "deprecations": None,
            "result": {"status": "FAILED", "errors": {"error": [{"message": message}]}}}


def _succeeded(rendered: dict[str, Any]) -> dict[str, Any]:
    return {**rendered, "deprecations": None, "result": {"status": "SUCCESS"}}


def import_batch(state, items: list[Any]) -> list[dict[str, Any]]:
    rendered = []
    for item, result in zip(items, import_objects(state.objects, items), strict=True):
        if result.error is not None:
            rendered.append(_failed(item, result.error))
        elif result.record is not None:
            rendered.append(_succeeded(render(result.record, result.info, include_vector=True)))
        else:  # an earlier duplicate of a uuid in this batch: the last one was stored
            rendered.append(_succeeded({k: v for k, v in item.items() if k != "vector"}))
    return rendered


async def batch_objects(request: Request) -> Response:
    body = await read_json(request)
    items = body.get("objects") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise Unprocessable("invalid param 'objects': cannot be empty, need at least one object for batching")
    return JSON(await blocking(import_batch, request.app.state, items))


def delete_batch(state, body: Any, tenant: str | None = None) -> dict[str, Any]:
    return delete_matching(state.objects, body, state.settings.query_maximum_results, tenant)


async def batch_delete(request: Request) -> Response:
    body = await read_json(request)
    return JSON(await blocking(delete_batch, request.app.state, body, request.query_params.get("tenant")))


routes = [
    Route("/v1/batch/objects", batch_objects, methods=["POST"]),
    Route("/v1/batch/objects", batch_delete, methods=["DELETE"]),
]
