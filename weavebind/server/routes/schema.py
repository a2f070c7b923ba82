"""`/v1/schema`: list, create, read, update and delete classes; add properties."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from weavebind.errors import NotFound
from weavebind.schema.models import ClassInfo
from weavebind.server.http import JSON, blocking, read_json


def _class_or_404(request: Request) -> ClassInfo:
    info = request.app.state.schema.get(request.path_params["className"])
    if info is None:
        raise NotFound(f"class '{request.path_params['className']}' not found in schema")
    return info


async def list_classes(request: Request) -> Response:
    return JSON({"classes": [info.config for info in request.app.state.schema.all()]})


async def create_class(request: Request) -> Response:
    body = await read_json(request)
    info = await blocking(request.app.state.schema.add_class, body)
    return JSON(info.config)


async def get_class(request: Request) -> Response:
    return JSON(_class_or_404(request).config)


async def update_class(request: Request) -> Response:
    info = _class_or_404(request)
    body = await read_json(request)
    updated = await blocking(request.app.state.schema.update_class, info, body)
    return JSON(updated.config)


async def delete_class(request: Request) -> Response:
    await blocking(request.app.state.schema.delete_class, request.path_params["className"])
    return Response(status_code=200)


async def add_property(request: Request) -> Response:
    info = _class_or_404(request)
    body = await read_json(request)
    prop = await blocking(request.app.state.schema.add_property, info, body)
    return JSON(prop)


routes = [
    Route("/v1/schema", list_classes, methods=["GET"]),
    Route("/v1/schema", create_class, methods=["POST"]),
    Route("/v1/schema/{className}", get_class, methods=["GET"]),
    Route("/v1/schema/{className}", update_class, methods=["PUT"]),
    Route("/v1/schema/{className}", delete_class, methods=["DELETE"]),
    Route("/v1/schema/{className}/properties", add_property, methods=["POST"]),
]
