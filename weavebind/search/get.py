"""The `Get { Class(...) }` pipeline, in Weaviate's order (spec 1.6): where, sort conflicts, certainty, then
bm25, near*, hybrid or a plain list."""

from __future__ import annotations

from weavebind.metrics import timed_query
from weavebind.schema.models import ClassInfo
from weavebind.search import filtered
from weavebind.search.autocut import autocut
from weavebind.search.context import SearchContext
from weavebind.search.errors import SearchError
from weavebind.search.filters import ClassLookup, Clause, FilterError, where_for_class
from weavebind.search.grouping import group_hits
from weavebind.search.keyword import hybrid_get, keyword_get
from weavebind.search.limits import resolve_page
from weavebind.search.near import choose_targets, default_target, metric, validate_near
from weavebind.search.params import GetQuery, NearQuery
from weavebind.search.query_vectors import GET_CHAIN, query_vector
from weavebind.search.results import GetResult, Hit, fetch, matching_records, with_vectors_of
from weavebind.search.similarity import check_certainty, keep_get
from weavebind.search.sort import parse_sort, sort_records
from weavebind.search.vector_search import search_targets
from weavebind.storage.records import ObjectRecord


def compile_where(info: ClassInfo, raw: dict | None, classes: ClassLookup | None = None) -> Clause | None:
    """The parsed filter; `classes` (name -> ClassInfo) resolves reference paths."""
    if raw is None:
        return None
    try:
        return where_for_class(raw, info, classes)
    except FilterError as exc:
        prefix = "could not extract filters: invalid where filter: " if exc.kind == "parse" \
            else "invalid 'where' filter: "
        raise SearchError(prefix + str(exc)) from None


def _check_cursor(q: GetQuery) -> None:
    if q.limit is None or q.limit < 0:
        raise SearchError("cursor api: invalid 'after' parameter: limit parameter must be set")
    if q.near or q.where is not None or q.bm25 or q.hybrid or q.sort or q.group_by or q.offset:
        raise SearchError("other params cannot be set with after and limit parameters")
    if q.after is not None and "\x00" in q.after:  # PostgreSQL cannot compare with it (docs/compatibility.md)
        raise SearchError("cursor api: invalid 'after' parameter: it holds a NUL character (\\u0000)")


def _check_certainty(info: ClassInfo, q: GetQuery) -> None:
    given = any(n.certainty for n in q.near)
    if not (given or q.wants_certainty):
        return
    requested = q.near[0].target_vectors if q.near else None
    try:
        targets = choose_targets(info, requested) if requested else [default_target(info)]
    except SearchError:
        return  # the target-vector error is reported later, in Weaviate's order
    check_certainty(metric(info, t) for t in targets)


@timed_query("get")
def run_get(ctx: SearchContext, q: GetQuery, with_vectors: bool = False) -> GetResult:
    """Run one Get. `with_vectors` loads the objects' vectors (for `_additional { vector vectors }`)."""
    info = ctx.class_info(q.class_name, q.tenant)
    clause = compile_where(info, q.where, ctx.schema.get)
    sort = parse_sort(info, q.sort) if q.sort else None
    if sort and q.bm25 is not None:
        raise SearchError("bm25 search is not compatible with sort")
    if sort and q.hybrid is not None:
        raise SearchError("hybrid search is not compatible with sort")
    if q.after is not None:
        _check_cursor(q)
    _check_certainty(info, q)
    if q.bm25 is not None:
        if q.near:
            raise SearchError("conflict: both near<Media> and keyword-based (bm25) arguments present, choose one")
        return keyword_get(ctx, info, q, clause, with_vectors)
    if q.near:
        try:
            near = validate_near(q.near)
        except SearchError as exc:
            raise SearchError(f"explorer: get class: vectorize params: {exc.message}") from None
        return vector_get(ctx, info, q, near, clause, sort, with_vectors)
    if q.hybrid is not None:
        return hybrid_get(ctx, info, q, clause, with_vectors)
    return list_get(ctx, info, q, clause, sort, with_vectors)


def list_get(ctx: SearchContext, info: ClassInfo, q: GetQuery, clause: Clause | None, sort: list | None,
             with_vectors: bool) -> GetResult:
    page = resolve_page(q.limit, q.offset, q.autocut, ctx.settings, plain_list=True)
    if q.after is not None:
        records = ctx.store.list(info.key, page.limit, 0, after=q.after.lower(), with_vectors=with_vectors)
    elif clause is None and sort is None:
        records = ctx.store.list(info.key, page.limit, page.offset, with_vectors=with_vectors)
    else:
        records = matching_records(ctx, info, clause)
        if sort:
            records = sort_records(records, sort)
        records = records[page.offset:page.offset + page.limit]
        if with_vectors:
            records = with_vectors_of(ctx, info, records)
    return GetResult([Hit(r) for r in records])


def query_vectors(ctx: SearchContext, info: ClassInfo, near: NearQuery) -> dict:
    requested = near.target_vectors or (list(near.vector_per_target) if near.vector_per_target else None)
    try:
        targets = choose_targets(info, requested)
    except SearchError as exc:
        raise SearchError(f"explorer: get class: validate target vector: {exc.message}") from None
    try:
        return {t: query_vector(ctx, info, t, near) for t in targets}
    except SearchError as exc:
        raise SearchError(GET_CHAIN + exc.message) from None


def vector_get(ctx: SearchContext, info: ClassInfo, q: GetQuery, near: NearQuery, clause: Clause | None,
               sort: list | None, with_vectors: bool) -> GetResult:
    queries = query_vectors(ctx, info, near)
    page = resolve_page(q.limit, q.offset, q.autocut, ctx.settings, threshold=near.has_threshold)
    allowed = filtered.allowed(ctx.store, info, clause) if clause is not None else None
    k = page.offset + page.limit
    if q.group_by is not None:
        k = min(ctx.settings.query_maximum_results, max(k, q.group_by.groups * q.group_by.objects_per_group * 10))
    try:
        found = search_targets(ctx, info, queries, k, allowed, near.combination, near.weights)
    except SearchError as exc:
        raise SearchError(f"explorer: get class: {exc.message}") from None
    if q.group_by is None:
        found = found[page.offset:]
    found = [(u, d) for u, d in found if keep_get(d, near.certainty, near.distance)]
    if q.ids_only and q.group_by is None and not sort and not with_vectors:
        hits = [Hit(ObjectRecord(info.name, u, {}, 0, 0), distance=d) for u, d in found]
    else:
        records = fetch(ctx, info, [u for u, _ in found], with_vectors)
        hits = [Hit(records[u], distance=d) for u, d in found if u in records]
    if q.group_by is not None:
        return GetResult(hits=[], groups=group_hits(info, hits, q.group_by))
    if sort:
        hits = sort_records(hits, sort, record_of=lambda hit: hit.record)
    if q.autocut:
        hits = hits[:autocut([h.distance for h in hits], q.autocut)]
    return GetResult(hits)
