"""`/v1/backups/{backend}`: create, list, status, cancel and restore backups (weavebind.schema.backups)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from weavebind.errors import Unprocessable
from weavebind.server.http import JSON, blocking, read_json


def _service(request: Request):
    return request.app.state.backups


def _location(request: Request) -> dict[str, str]:
    """The `bucket` and `path` query parameters: where a backup made with a Bucket/Path override lives."""
    return {name: request.query_params[name] for name in ("bucket", "path") if name in request.query_params}


async def create_backup(request: Request) -> Response:
    body = await read_json(request)
    if not isinstance(body, dict):
        raise Unprocessable('the body must be a JSON object {"id": ..., "include": [...], "exclude": [...], '
                            '"config": {...}}')
    return JSON(await blocking(_service(request).create, request.path_params["backend"], body))


async def list_backups(request: Request) -> Response:
    return JSON(await blocking(_service(request).list, request.path_params["backend"]))


async def backup_status(request: Request) -> Response:
    params = request.path_params
    return JSON(await blocking(_service(request).status, params["backend"], params["id"], _location(request)))


async def cancel_backup(request: Request) -> Response:
    params = request.path_params
    await blocking(_service(request).cancel, params["backend"], params["id"], _location(request))
    return Response(status_code=204)


async def restore_backup(request: Request) -> Response:
    body = await read_json(request)
    params = request.path_params
    return JSON(await blocking(_service(request).restore, params["backend"], params["id"], body))


async def cancel_restore(request: Request) -> Response:
    params = request.path_params
    await blocking(_service(request).cancel_restore, params["backend"], params["id"])
    return Response(status_code=204)


async def restore_status(request: Request) -> Response:
    params = request.path_params
    return JSON(await blocking(_service(request).restore_status, params["backend"], params["id"]))


routes = [
    Route("/v1/backups/{backend}", create_backup, methods=["POST"]),
    Route("/v1/backups/{backend}", list_backups, methods=["GET"]),
    Route("/v1/backups/{backend}/{id}", backup_status, methods=["GET"]),
    Route("/v1/backups/{backend}/{id}", cancel_backup, methods=["DELETE"]),
    Route("/v1/backups/{backend}/{id}/restore", restore_backup, methods=["POST"]),
    Route("/v1/backups/{backend}/{id}/restore", restore_status, methods=["GET"]),
    Route("/v1/backups/{backend}/{id}/restore", cancel_restore, methods=["DELETE"]),
]
