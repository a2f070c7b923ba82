"""`Aggregate { Class(...) }` (spec 1.18): choose the objects (where, near*, hybrid), group them, and summarise
their properties (`aggregate_props.py`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from weavebind.metrics import timed_query
from weavebind.schema.models import ClassInfo
from weavebind.search import filtered
from weavebind.search.context import SearchContext
from weavebind.search.errors import SearchError
from weavebind.search.get import compile_where, query_vectors
from weavebind.search.grouping import group_values
from weavebind.search.keyword import hybrid_get
from weavebind.search.limits import check_object_limit
from weavebind.search.near import validate_near
from weavebind.search.params import GetQuery, HybridQuery, NearQuery
from weavebind.search.results import fetch, matching_records
from weavebind.search.similarity import keep_get
from weavebind.search.vector_search import search_targets
from weavebind.storage.records import ObjectRecord


@dataclass
class AggregateQuery:
    class_name: str
    tenant: str | None = None
    where: dict | None = None
    group_by: list[str] | None = None
    limit: int | None = None
    object_limit: int | None = None
    near: list[NearQuery] = field(default_factory=list)
    hybrid: HybridQuery | None = None
    count_only: bool = False  # nothing but `meta { count }` is asked for: objects need not be read


@dataclass
class AggregateGroup:
    info: ClassInfo
    records: list[ObjectRecord]
    path: list[str] | None = None
    value: str | None = None
    stored_count: int | None = None  # set instead of records when only the count was asked for

    @property
    def count(self) -> int:
        return self.stored_count if self.stored_count is not None else len(self.records)


def _near_records(ctx: SearchContext, info: ClassInfo, q: AggregateQuery, allowed: filtered.Allowed | None
                  ) -> list[ObjectRecord]:
    try:
        near = validate_near(q.near)
    except SearchError as exc:
        raise SearchError(f"vectorize params: {exc.message}") from None
    if not q.object_limit and not near.has_threshold:
        raise SearchError("must provide certainty or objectLimit with vector search")
    k = q.object_limit or ctx.settings.query_maximum_results
    found = search_targets(ctx, info, query_vectors(ctx, info, near), k, allowed, near.combination, near.weights)
    found = [u for u, d in found if keep_get(d, near.certainty, near.distance)]
    records = fetch(ctx, info, found, False)
    return [records[u] for u in found if u in records]


def _records(ctx: SearchContext, info: ClassInfo, q: AggregateQuery) -> list[ObjectRecord]:
    clause = compile_where(info, q.where, ctx.schema.get)
    if q.near:
        allowed = filtered.allowed(ctx.store, info, clause) if clause is not None else None
        return _near_records(ctx, info, q, allowed)
    if q.hybrid is not None:
        query = GetQuery(info.name, limit=q.object_limit, where=q.where, hybrid=q.hybrid)
        return [hit.record for hit in hybrid_get(ctx, info, query, clause, False).hits]
    return matching_records(ctx, info, clause)


def _count(ctx: SearchContext, info: ClassInfo, q: AggregateQuery) -> int:
    """`meta { count }` alone: one SQL count without a filter, else the size of the filter's allowed set, which
    the inverted index gives without reading an object where it can answer the clause."""
    clause = compile_where(info, q.where, ctx.schema.get)
    if clause is None:
        return ctx.store.count(info.key)
    return len(filtered.allowed(ctx.store, info, clause))


@timed_query("aggregate")
def run_aggregate(ctx: SearchContext, q: AggregateQuery) -> list[AggregateGroup]:
    """One group for the whole selection, or one per value of the groupBy property (largest groups first,
    at most `limit` of them)."""
    info = ctx.class_info(q.class_name, q.tenant)
    check_object_limit(q.object_limit, ctx.settings)
    if q.count_only and not q.group_by and not q.near and q.hybrid is None:
        return [AggregateGroup(info, [], stored_count=_count(ctx, info, q))]
    records = _records(ctx, info, q)
    if not q.group_by:
        return [AggregateGroup(info, records)]
    prop = q.group_by[0]
    if len(q.group_by) != 1 or prop not in info.properties:
        path = ".".join(p or "" for p in q.group_by)  # GraphQL allows `groupBy: [null]`
        raise SearchError(f"could not extract groupBy path: no such prop with name '{path}' "
                          f"found in class '{info.name}' in the schema. Check your schema files for which "
                          "properties in this class are available")
    groups: dict[str, list[ObjectRecord]] = {}
    for record in records:
        value = (record.properties or {}).get(prop)
        if value is None:
            continue  # Weaviate's group-by leaves out objects without a value
        for key in group_values(value):
            groups.setdefault(key, []).append(record)
    ordered = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
    if q.limit is not None and q.limit >= 0:
        ordered = ordered[:q.limit]
    return [AggregateGroup(info, members, list(q.group_by), value) for value, members in ordered]
