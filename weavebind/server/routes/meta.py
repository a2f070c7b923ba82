"""`/v1/meta`, the well-known probes and the `/v1` links list."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from weavebind.errors import NotFound
from weavebind.server.http import JSON, blocking


async def meta(request: Request) -> Response:
    state = request.app.state
    settings = state.settings
    modules = {name: {} for name in settings.enable_modules}
    backups = getattr(state, "backups", None)
    for name, backend in (backups.backends.items() if backups is not None else ()):
        modules[f"backup-{name}"] = backend.meta()  # what Weaviate's module reports about itself
    registry = getattr(state, "modules", None)
    if registry is not None:  # each container's own /meta, or {"error": ...}: never a failed /v1/meta
        modules.update(await blocking(registry.meta))
    return JSON({
        "hostname": f"http://[::]:{state.port}",
        "version": settings.weavebind_weaviate_version,
        "modules": modules,
        "grpcMaxMessageSize": settings.weavebind_max_request_bytes,  # the gRPC server's limit too
    })


async def live(_request: Request) -> Response:
    return Response(status_code=200)


async def ready(request: Request) -> Response:
    return Response(status_code=200 if getattr(request.app.state, "ready", False) else 503)


async def openid_configuration(_request: Request) -> Response:
    # v3 and v4 clients treat a 200 here as "OIDC is on" and fail to connect; Weaviate answers 404 when it is off.
    raise NotFound("OIDC is not configured")


async def links(_request: Request) -> Response:
    names = ["meta", "schema", "objects", "batch", "graphql", "nodes"]
    return JSON({"links": [{"href": f"/v1/{n}", "name": n} for n in names]})


routes = [
    Route("/v1/meta", meta, methods=["GET"]),
    Route("/v1/.well-known/live", live, methods=["GET"]),
    Route("/v1/.well-known/ready", ready, methods=["GET"]),
    Route("/v1/.well-known/openid-configuration", openid_configuration, methods=["GET"]),
    Route("/v1", links, methods=["GET"]),
]
