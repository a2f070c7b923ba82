"""Reference routes: `/v1/objects/{className}/{id}/references/{propertyName}` (POST add, PUT replace, DELETE
remove), their legacy by-id forms, and `POST /v1/batch/references` (REST rendering of `schema/references.py`)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from weavebind.errors import Unprocessable
from weavebind.schema.references import ReferenceService
from weavebind.server.http import JSON, blocking, path_uuid, read_json


def _service(request: Request) -> ReferenceService:
    return ReferenceService(request.app.state.objects)


async def _call(request: Request, method: str) -> None:
    body = await read_json(request)
    uid = path_uuid(request)
    action = getattr(_service(request), method)
    await blocking(action, request.path_params.get("className"), uid, request.path_params["propertyName"], body,
                   request.query_params.get("tenant") or None)


async def add_reference(request: Request) -> Response:
    await _call(request, "add")
    return Response(status_code=200)


async def replace_references(request: Request) -> Response:
    await _call(request, "replace")
    return Response(status_code=200)


async def delete_reference(request: Request) -> Response:
    await _call(request, "delete")
    return Response(status_code=204)


def _result(item: Any, error: str | None) -> dict[str, Any]:
    shown = {k: item[k] for k in ("from", "to", "tenant") if k in item} if isinstance(item, dict) else {}
    if error is None:
        return {**shown, "result": {"status": "SUCCESS"}}
    return {**shown, "result": {"status": "FAILED", "errors": {"error": [{"message": error}]}}}


async def batch_references(request: Request) -> Response:
    body = await read_json(request)
    if not isinstance(body, list):
        raise Unprocessable("invalid params: the body must be a list of references [{\"from\": ..., \"to\": ...}]")
    if not body:
        raise Unprocessable("invalid params: length cannot be 0, need at least one reference for batching")
    errors = await blocking(_service(request).add_many, body)
    return JSON([_result(item, error) for item, error in zip(body, errors, strict=True)])


routes = [
    *[Route(path + "/references/{propertyName}", endpoint, methods=[method])
      for path in ("/v1/objects/{className}/{id}", "/v1/objects/{id}")
      for method, endpoint in (("POST", add_reference), ("PUT", replace_references),
                               ("DELETE", delete_reference))],
    Route("/v1/batch/references", batch_references, methods=["POST"]),
]
