"""`/v1/schema/{className}/shards`: a class's shard, or its tenants' (schema/shards.py), their status and vector
queue."""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from weavebind.errors import NotFound, Unprocessable
from weavebind.schema.models import ClassInfo
from weavebind.schema.shards import Shard, shards_of
from weavebind.server.http import JSON, blocking, read_json
from weavebind.storage.shards import SETTABLE


def _class(request: Request, error: type[NotFound] | type[Unprocessable]) -> ClassInfo:
    """The class of the path. Weaviate answers GET errors with 404 and PUT errors with 422 (handlers_schema.go)."""
    name = request.path_params["className"]
    info = request.app.state.schema.get(name)
    if info is None:
        raise error(f'class "{name}" not found')
    return info


def _status(store, shard: Shard) -> dict:
    return {"name": shard.name, "status": store.shard_status(shard.key),
            "vectorQueueSize": store.indexes.pending_count(shard.key)}


async def get_shards(request: Request) -> Response:
    info = _class(request, NotFound)
    state = request.app.state
    return JSON([_status(state.store, shard) for shard in shards_of(state.schema, info)])


async def update_shard(request: Request) -> Response:
    info = _class(request, Unprocessable)
    name = request.path_params["shardName"]
    shards = shards_of(request.app.state.schema, info)
    shard = next((s for s in shards if s.name == name), None)
    if shard is None:
        known = ", ".join(f'"{s.name}"' for s in shards[:5]) + (", ..." if len(shards) > 5 else "")
        raise Unprocessable(f'shard "{name}" not found in class "{info.name}"; its shards: {known or "none"}')
    body = await read_json(request)
    status = body.get("status") if isinstance(body, dict) else None
    if status not in SETTABLE:
        raise Unprocessable(f"invalid storage status {orjson.dumps(status).decode()}: use READY or READONLY")
    await blocking(request.app.state.store.set_shard_status, shard.key, status)
    return JSON({"status": status})


routes = [
    Route("/v1/schema/{className}/shards", get_shards, methods=["GET"]),
    Route("/v1/schema/{className}/shards/{shardName}", update_shard, methods=["PUT"]),
]
