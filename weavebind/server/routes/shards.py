"""`/v1/schema/{className}/shards`: each class's one shard (storage/shards.py), its status and vector queue."""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from weavebind.errors import NotFound, Unprocessable
from weavebind.schema.models import ClassInfo
from weavebind.server.http import JSON, blocking, read_json
from weavebind.storage.shards import SETTABLE, shard_name


def _class(request: Request, error: type[NotFound] | type[Unprocessable]) -> ClassInfo:
    """The class of the path. Weaviate answers GET errors with 404 and PUT errors with 422 (handlers_schema.go)."""
    name = request.path_params["className"]
    info = request.app.state.schema.get(name)
    if info is None:
        raise error(f'class "{name}" not found')
    return info


def _status(store, info: ClassInfo) -> dict:
    return {"name": shard_name(info.name), "status": store.shard_status(info.name),
            "vectorQueueSize": store.indexes.pending_of_class(info.name)}


async def get_shards(request: Request) -> Response:
    info = _class(request, NotFound)
    return JSON([_status(request.app.state.store, info)])


async def update_shard(request: Request) -> Response:
    info = _class(request, Unprocessable)
    shard = request.path_params["shardName"]
    if shard != shard_name(info.name):
        raise Unprocessable(f'shard "{shard}" not found in class "{info.name}"; its shard is '
                            f'"{shard_name(info.name)}"')
    body = await read_json(request)
    status = body.get("status") if isinstance(body, dict) else None
    if status not in SETTABLE:
        raise Unprocessable(f"invalid storage status {orjson.dumps(status).decode()}: use READY or READONLY")
    await blocking(request.app.state.store.set_shard_status, info.name, status)
    return JSON({"status": status})


routes = [
    Route("/v1/schema/{className}/shards", get_shards, methods=["GET"]),
    Route("/v1/schema/{className}/shards/{shardName}", update_shard, methods=["PUT"]),
]
