"""`Search`: request → `search.get.run_get` (the code GraphQL Get runs) → reply."""

from __future__ import annotations

from typing import Any

from weavebind.search.context import SearchContext
from weavebind.search.get import run_get
from weavebind.search.inline import cheap_get
from weavebind.server.grpc.proto import search_get_pb2
from weavebind.server.grpc.search_reply import References, reply, wants_vectors
from weavebind.server.grpc.search_request import get_query


def context(state: Any) -> SearchContext:
    return SearchContext(store=state.store, schema=state.schema, modules=getattr(state, "modules", None),
                         settings=state.settings)


def run(state: Any, request: search_get_pb2.SearchRequest) -> search_get_pb2.SearchReply:
    ctx = context(state)
    info = ctx.class_info(request.collection, request.tenant or None)  # a missing class: NOT_FOUND
    query = get_query(request, info, state.schema.get, state.settings.query_defaults_limit)
    return _answer(state, ctx, request, info, query)


def run_inline(state: Any, request: search_get_pb2.SearchRequest) -> search_get_pb2.SearchReply | None:
    """The reply, computed right on the event loop, when the search is cheap (search/inline.py); None: run it in
    a worker thread with `run`, which also reports any error the usual way."""
    ctx = context(state)
    info = state.schema.get(request.collection)
    if info is None:
        return None
    try:
        query = get_query(request, info, state.schema.get, state.settings.query_defaults_limit)
        # Replies carry the objects' properties unless asked otherwise: count every search as reading them.
        if not cheap_get(ctx, query, reads_objects=True):
            return None
        return _answer(state, ctx, request, info, query)
    except Exception:  # noqa: BLE001 -- the threaded path answers errors properly
        return None


def _answer(state: Any, ctx: SearchContext, request: search_get_pb2.SearchRequest, info: Any, query: Any
            ) -> search_get_pb2.SearchReply:
    metadata = request.metadata if request.HasField("metadata") else None
    result = run_get(ctx, query, with_vectors=wants_vectors(metadata))
    return reply(request, info, result, References(state.store, state.schema.get))
