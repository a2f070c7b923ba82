"""`/v1/aliases`: create, list (optionally of one class), get, repoint and delete collection aliases
(`weavebind.schema.aliases`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from weavebind.server.http import JSON, blocking, read_json


async def list_aliases(request: Request) -> Response:
    return JSON({"aliases": request.app.state.schema.aliases.list(request.query_params.get("class"))})


async def create_alias(request: Request) -> Response:
    body = await read_json(request)
    return JSON(await blocking(request.app.state.schema.aliases.create, body))


async def get_alias(request: Request) -> Response:
    return JSON(request.app.state.schema.aliases.get(request.path_params["aliasName"]))


async def update_alias(request: Request) -> Response:
    body = await read_json(request)
    return JSON(await blocking(request.app.state.schema.aliases.update, request.path_params["aliasName"], body))


async def delete_alias(request: Request) -> Response:
    await blocking(request.app.state.schema.aliases.delete, request.path_params["aliasName"])
    return Response(status_code=204)


routes = [
    Route("/v1/aliases", list_aliases, methods=["GET"]),
    Route("/v1/aliases", create_alias, methods=["POST"]),
    Route("/v1/aliases/{aliasName}", get_alias, methods=["GET"]),
    Route("/v1/aliases/{aliasName}", update_alias, methods=["PUT"]),
    Route("/v1/aliases/{aliasName}", delete_alias, methods=["DELETE"]),
]
