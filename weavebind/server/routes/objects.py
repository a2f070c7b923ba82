"""`/v1/objects`: create, list, and the by-class and legacy by-id forms of get/head/put/patch/delete."""

from __future__ import annotations

import functools
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from weavebind.errors import NotFound, Unprocessable
from weavebind.schema.models import ClassInfo
from weavebind.schema.objects import render
from weavebind.schema.owned import Owned
from weavebind.schema.properties import is_uuid
from weavebind.server.http import JSON, blocking, include_vector, path_uuid, query_int, read_json


def _class_or_404(request: Request, body: Any = None) -> ClassInfo:
    """The addressed class, bound to the request's tenant (`?tenant=`, or the body's for PUT and PATCH)."""
    name = request.path_params.get("className") or request.query_params.get("class")
    schema = request.app.state.schema
    info = schema.get(name)
    if info is None:
        raise NotFound(f"class '{name}' not found in schema")
    return schema.tenants.scope(info, _tenant(request, body))


def _tenant(request: Request, body: Any = None) -> str | None:
    tenant = request.query_params.get("tenant")
    if tenant is None and isinstance(body, dict):
        tenant = body.get("tenant")
        if tenant is not None and not isinstance(tenant, str):
            raise Unprocessable("invalid object: tenant must be a string")
    return tenant or None


async def create(request: Request) -> Response:
    state = request.app.state
    # Handed over, not kept here: a large blob then has no copy left over while it is stored.
    record = await blocking(state.objects.create, Owned(await read_json(request)))
    return JSON(render(record, state.schema.get(record.class_name), include_vector=True))


def _page(request: Request) -> tuple[int, int, str | None]:
    settings = request.app.state.settings
    limit = query_int(request, "limit", settings.query_defaults_limit)
    offset = query_int(request, "offset", 0)
    if limit < 0 or offset < 0:
        raise Unprocessable("offset and limit must not be negative")
    if limit + offset > settings.query_maximum_results:
        # Weaviate's texts (spec 3.4); it answers 500 without ?class=, a client error here as everywhere.
        prefix = "msg:offset or limit code:400 err:" if request.query_params.get("class") else "list objects: "
        raise Unprocessable(
            f"{prefix}query maximum results exceeded: the total limit calculated from the provided offset "
            f"'{offset}' and limit '{limit}' exceeds the configured value for QUERY_MAXIMUM_RESULTS "
            f"'{settings.query_maximum_results}'. If you've supplied a negative offset or limit, this may be an "
            "underflow error")
    after = request.query_params.get("after")
    if after is not None:
        if not request.query_params.get("class"):
            raise Unprocessable("cursor api: invalid 'after' parameter: class name must be set")
        if offset:
            raise Unprocessable("cursor api: invalid 'after' parameter: offset cannot be set with after and limit "
                                "parameters")
        if after and not is_uuid(after):
            raise Unprocessable(f"cursor api: invalid 'after' parameter: '{after}' is not a uuid")
        after = after.lower()
    return limit, offset, after


async def list_objects(request: Request) -> Response:
    state = request.app.state
    info = _class_or_404(request) if request.query_params.get("class") else None
    limit, offset, after = _page(request)
    with_vector = include_vector(request)
    records = await blocking(state.store.list, info.key if info else None, limit, offset, after, with_vector)
    rendered = [render(r, state.schema.get(r.class_name), with_vector) for r in records]
    return JSON({"objects": rendered, "totalResults": len(rendered), "deprecations": []})


async def _find(request: Request, with_vector: bool = False, body: Any = None):
    """The object addressed by the path: /{className}/{id}, or the legacy /{id} in any class without tenants."""
    state = request.app.state
    uid = path_uuid(request)
    if "className" in request.path_params:
        info = _class_or_404(request, body)
        record = await blocking(state.store.get, info.key, uid, with_vector)
    else:
        found = await blocking(state.store.get_many, None, [uid], with_vector)
        record = found[0] if found else None
    if record is None:
        raise NotFound(f"no object with id '{uid}'")
    return record


async def get_object(request: Request) -> Response:
    with_vector = include_vector(request)
    record = await _find(request, with_vector)
    return JSON(render(record, request.app.state.schema.get(record.class_name), with_vector))


async def head_object(request: Request) -> Response:
    try:
        await _find(request)
    except NotFound:
        return Response(status_code=404)
    return Response(status_code=204)


async def replace_object(request: Request) -> Response:
    state = request.app.state
    body = await read_json(request)
    uid = path_uuid(request)
    if "className" in request.path_params:
        info = _class_or_404(request, body)
    else:
        name = (body.get("class") if isinstance(body, dict) else None) or ""
        info = state.schema.get(name)
        if info is None:
            raise NotFound(f"class '{name}' not found in schema")
        info = state.schema.tenants.scope(info, _tenant(request, body))
    record = await blocking(state.objects.replace, info, uid, body)
    return JSON(render(record, state.schema.get(record.class_name), include_vector=True))


async def patch_object(request: Request) -> Response:
    state = request.app.state
    body = await read_json(request)
    record = await _find(request, body=body)
    info = state.schema.tenants.scope(state.schema.get(record.class_name), record.tenant)
    await blocking(state.objects.merge, info, record.uuid, body)
    return Response(status_code=204)


async def delete_object(request: Request) -> Response:
    state = request.app.state
    uid = path_uuid(request)
    if "className" in request.path_params:
        info = _class_or_404(request)
        await blocking(state.store.delete, info.key, [uid])
    else:
        for record in await blocking(state.store.get_many, None, [uid]):
            await blocking(state.store.delete, record.class_name, [uid])
    return Response(status_code=204)


async def validate_object(request: Request) -> Response:
    body = await read_json(request)
    await blocking(functools.partial(request.app.state.objects.build_record, body, create=False, writing=False))
    return Response(status_code=200)


routes = [
    Route("/v1/objects", create, methods=["POST"]),
    Route("/v1/objects", list_objects, methods=["GET"]),
    Route("/v1/objects/validate", validate_object, methods=["POST"]),
    *[Route(path, endpoint, methods=[method])
      for path in ("/v1/objects/{className}/{id}", "/v1/objects/{id}")
      # HEAD before GET: Starlette's GET routes also answer HEAD, with GET's 200 instead of Weaviate's 204.
      for method, endpoint in (("HEAD", head_object), ("GET", get_object), ("PUT", replace_object),
                               ("PATCH", patch_object), ("DELETE", delete_object))],
]
