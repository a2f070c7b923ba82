"""`/v1/schema/{className}/tenants`: list, create, update (activity status) and delete a class's tenants; get or
probe one. The rules live in `weavebind.schema.tenants`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from weavebind.errors import ApiError, Unprocessable
from weavebind.schema.models import ClassInfo
from weavebind.server.http import JSON, blocking, read_json


def _class(request: Request) -> ClassInfo:
    name = request.path_params["className"]
    info = request.app.state.schema.get(name)
    if info is None:  # Weaviate answers the tenants API's missing class with 422, not 404
        raise Unprocessable(f'class "{name}": class not found')
    return info


async def list_tenants(request: Request) -> Response:
    return JSON(request.app.state.schema.tenants.list(_class(request)))


async def add_tenants(request: Request) -> Response:
    body = await read_json(request)
    return JSON(await blocking(request.app.state.schema.tenants.add, _class(request), body))


async def update_tenants(request: Request) -> Response:
    body = await read_json(request)
    return JSON(await blocking(request.app.state.schema.tenants.update, _class(request), body))


async def delete_tenants(request: Request) -> Response:
    body = await read_json(request)
    await blocking(request.app.state.schema.tenants.delete, _class(request), body)
    return Response(status_code=200)


async def get_tenant(request: Request) -> Response:
    return JSON(request.app.state.schema.tenants.get(_class(request), request.path_params["tenantName"]))


async def tenant_exists(request: Request) -> Response:
    try:
        request.app.state.schema.tenants.get(_class(request), request.path_params["tenantName"])
    except ApiError as exc:
        return Response(status_code=exc.status)
    return Response(status_code=200)


routes = [
    Route("/v1/schema/{className}/tenants", list_tenants, methods=["GET"]),
    Route("/v1/schema/{className}/tenants", add_tenants, methods=["POST"]),
    Route("/v1/schema/{className}/tenants", update_tenants, methods=["PUT"]),
    Route("/v1/schema/{className}/tenants", delete_tenants, methods=["DELETE"]),
    # HEAD before GET: Starlette's GET routes also answer HEAD.
    Route("/v1/schema/{className}/tenants/{tenantName}", tenant_exists, methods=["HEAD"]),
    Route("/v1/schema/{className}/tenants/{tenantName}", get_tenant, methods=["GET"]),
]
