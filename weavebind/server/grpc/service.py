"""`weaviate.v1.Weaviate`: the RPCs of the v4 client, thin over the same use-cases as REST and GraphQL."""

from __future__ import annotations

import time
import uuid as uuidlib
from typing import Any

import grpc

from weavebind.errors import ApiError, NotFound
from weavebind.schema.batch import delete_matching, import_objects
from weavebind.schema.owned import Owned
from weavebind.schema.references import ReferenceService
from weavebind.server.auth import Authenticator
from weavebind.server.grpc import aggregate, convert, search
from weavebind.server.grpc.calls import authenticate, rpc, status_of
from weavebind.server.grpc.filters import to_where
from weavebind.server.grpc.proto import batch_delete_pb2, batch_pb2, tenants_pb2, weaviate_pb2_grpc
from weavebind.server.http import blocking


def import_batch(state: Any, request: Owned) -> batch_pb2.BatchObjectsReply:
    """BatchObjects: every object that converts goes through the REST batch use-case; errors are per object. The
    message is dropped once converted, before anything is stored (its strings were copied into the items)."""
    errors: dict[int, str] = {}
    items, positions = _convert(request.take().objects, errors)
    # The items are ours (the reply names failures by position): the import may drop each once it is built.
    for index, result in zip(positions, import_objects(state.objects, items, owned=True), strict=True):
        if result.error is not None:
            errors[index] = result.error
    return batch_pb2.BatchObjectsReply(errors=[batch_pb2.BatchObjectsReply.BatchError(index=i, error=errors[i])
                                               for i in sorted(errors)])


def _convert(objects: Any, errors: dict[int, str]) -> tuple[list[dict[str, Any]], list[int]]:
    """The REST bodies of the objects that convert, and their positions; the others' errors land in `errors`."""
    items: list[dict[str, Any]] = []
    positions: list[int] = []
    for index, obj in enumerate(objects):
        try:
            items.append(convert.batch_object(obj))
            positions.append(index)
        except ApiError as exc:
            errors[index] = exc.message
    return items, positions


def delete_batch(state: Any, request: batch_delete_pb2.BatchDeleteRequest) -> batch_delete_pb2.BatchDeleteReply:
    """BatchDelete: the Filters message becomes the REST `where`, then the REST batch-delete use-case runs."""
    info = state.schema.get(request.collection) if request.collection else None
    if info is None:
        raise NotFound(f"collection '{request.collection}' not found in schema")
    if not request.HasField("filters"):
        raise ApiError("no filters in batch delete request", status=422)
    where = to_where(request.filters, info, state.schema.get)
    body = {"match": {"class": info.name, "where": where}, "dryRun": request.dry_run,
            "output": "verbose" if request.verbose else "minimal"}
    done = delete_matching(state.objects, body, state.settings.query_maximum_results,
                           request.tenant or None)["results"]
    objects = [batch_delete_pb2.BatchDeleteObject(uuid=uuidlib.UUID(o["id"]).bytes, successful=True, error="")
               for o in done["objects"]]
    # Weaviate's gRPC reply counts every match without an error as successful, in a dry run too (REST: 0).
    successful = done["matches"] - done["failed"] if request.dry_run else done["successful"]
    return batch_delete_pb2.BatchDeleteReply(matches=done["matches"], successful=successful,
                                             failed=done["failed"], objects=objects)


GRPC_TENANT_STATUS = {"ACTIVE": tenants_pb2.TENANT_ACTIVITY_STATUS_ACTIVE,
                      "INACTIVE": tenants_pb2.TENANT_ACTIVITY_STATUS_INACTIVE}


def tenants_get(state: Any, request: tenants_pb2.TenantsGetRequest) -> tenants_pb2.TenantsGetReply:
    """TenantsGet: every tenant of the collection, or those of `names` that exist."""
    info = state.schema.get(request.collection)
    if info is None:
        raise NotFound(f"collection '{request.collection}' not found in schema")
    names = list(request.names.values) if request.HasField("names") else None
    return tenants_pb2.TenantsGetReply(tenants=[
        tenants_pb2.Tenant(name=t["name"], activity_status=GRPC_TENANT_STATUS[t["activityStatus"]])
        for t in state.schema.tenants.list(info, names)])


def reference_batch(state: Any, request: batch_pb2.BatchReferencesRequest) -> batch_pb2.BatchReferencesReply:
    """BatchReferences: each message becomes the REST `{from, to, tenant}` item of `/v1/batch/references` and goes
    through the same use-case; errors are per reference, by position."""
    items = []
    for ref in request.references:
        target = f"{ref.to_collection}/{ref.to_uuid}" if ref.to_collection else ref.to_uuid
        item = {"from": f"weaviate://localhost/{ref.from_collection}/{ref.from_uuid}/{ref.name}",
                "to": f"weaviate://localhost/{target}"}
        if ref.tenant:
            item["tenant"] = ref.tenant
        items.append(item)
    errors = ReferenceService(state.objects).add_many(items)
    return batch_pb2.BatchReferencesReply(errors=[batch_pb2.BatchReferencesReply.BatchError(index=i, error=e)
                                                  for i, e in enumerate(errors) if e is not None])


class WeaviateService(weaviate_pb2_grpc.WeaviateServicer):
    """One instance per server; `state` is the Starlette app's state (store, schema, objects, settings)."""

    def __init__(self, state: Any, authenticator: Authenticator):
        self.state = state
        self.authenticator = authenticator

    @rpc("BatchObjects", read=False)
    async def BatchObjects(self, request: Any, context: grpc.aio.ServicerContext) -> Any:  # noqa: N802
        return await _timed(import_batch, self.state, request)  # an Owned message (server.READ_BY_HANDLER)

    @rpc("BatchDelete", read=False)
    async def BatchDelete(self, request: Any, context: grpc.aio.ServicerContext) -> Any:  # noqa: N802
        return await _timed(delete_batch, self.state, request)

    @rpc("Search", read=True)
    async def Search(self, request: Any, context: grpc.aio.ServicerContext) -> Any:  # noqa: N802
        started = time.perf_counter()
        reply = search.run_inline(self.state, request)  # cheap searches skip the thread hop (search/inline.py)
        if reply is None:
            return await _timed(search.run, self.state, request)
        reply.took = time.perf_counter() - started
        return reply

    @rpc("Aggregate", read=True)
    async def Aggregate(self, request: Any, context: grpc.aio.ServicerContext) -> Any:  # noqa: N802
        return await _timed(aggregate.run, self.state, request)

    @rpc("BatchReferences", read=False)
    async def BatchReferences(self, request: Any, context: grpc.aio.ServicerContext) -> Any:  # noqa: N802
        return await _timed(reference_batch, self.state, request)

    @rpc("TenantsGet", read=True)
    async def TenantsGet(self, request: Any, context: grpc.aio.ServicerContext) -> Any:  # noqa: N802
        return await _timed(tenants_get, self.state, request)

    async def BatchStream(self, request_iterator: Any, context: grpc.aio.ServicerContext) -> Any:  # noqa: N802
        try:  # credentials first, as on every other call: an anonymous caller learns nothing about the server
            authenticate(self.authenticator, context, "BatchStream", read=False)
        except ApiError as exc:
            await context.abort(status_of(exc), exc.message)
        await context.abort(grpc.StatusCode.UNIMPLEMENTED, "BatchStream (server-side batching) is not available "
                            "in weavebind; use dynamic or fixed-size batching")


async def _timed(func: Any, state: Any, argument: Any) -> Any:
    """Run a call off the event loop and report its duration in the reply's `took`, as Weaviate does."""
    started = time.perf_counter()
    reply = await blocking(func, state, argument)
    reply.took = time.perf_counter() - started
    return reply
