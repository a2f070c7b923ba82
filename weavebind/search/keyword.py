"""Get with `bm25` or `hybrid` (spec 1.13, 1.14)."""

from __future__ import annotations

import numpy as np

from weavebind.schema.models import ClassInfo
from weavebind.search import filtered
from weavebind.search.autocut import autocut
from weavebind.search.bm25 import bm25_search
from weavebind.search.context import SearchContext
from weavebind.search.errors import SearchError
from weavebind.search.filters import Clause
from weavebind.search.fusion import explain, fuse
from weavebind.search.grouping import group_hits
from weavebind.search.keyword_index import keyword_index
from weavebind.search.limits import resolve_page
from weavebind.search.near import choose_targets
from weavebind.search.params import GetQuery, HybridQuery, parse_near
from weavebind.search.query_vectors import as_vector, module_vector, query_vector
from weavebind.search.results import GetResult, Hit, fetch, matching_records
from weavebind.search.similarity import keep_get
from weavebind.search.vector_search import search_targets


def keyword_get(ctx: SearchContext, info: ClassInfo, q: GetQuery, clause: Clause | None,
                with_vectors: bool) -> GetResult:
    bm25 = q.bm25
    if not bm25.query:
        raise SearchError("keyword search (bm25) must have query set")
    page = resolve_page(q.limit, q.offset, q.autocut, ctx.settings)
    if q.group_by is None:
        allowed = filtered.allowed(ctx.store, info, clause) if clause is not None else None
        return _indexed_keyword_get(ctx, info, q, page, with_vectors, allowed)
    records = matching_records(ctx, info, clause)
    scored = bm25_search(info, records, ctx.store.count(info.key), bm25.query, bm25.properties, bm25.operator,
                         bm25.minimum_match)
    hits = [Hit(s.record, score=s.score, explain=s.explain) for s in scored]
    return GetResult([], groups=group_hits(info, hits, q.group_by))  # groups rank every match: scored in bm25.py


def _indexed_bm25(ctx: SearchContext, info: ClassInfo, query: str, properties: list[str] | None, operator: str,
                  minimum_match: int, limit: int, allowed: filtered.Allowed | None = None
                  ) -> list[tuple[str, float, str]]:
    """bm25's best `limit` through the inverted index, over the whole class or the objects a filter allows:
    (uuid, score, explanation)."""
    return keyword_index(ctx.store).search(info, None, query, properties, operator, minimum_match, limit,
                                           allowed)


def _indexed_keyword_get(ctx: SearchContext, info: ClassInfo, q: GetQuery, page, with_vectors: bool,
                         allowed: filtered.Allowed | None) -> GetResult:
    bm25 = q.bm25
    ranked = _indexed_bm25(ctx, info, bm25.query, bm25.properties, bm25.operator, bm25.minimum_match,
                           page.offset + page.limit, allowed)
    ranked = ranked[page.offset:page.offset + page.limit]
    if q.autocut:
        ranked = ranked[:autocut([score for _, score, _ in ranked], q.autocut)]
    found = fetch(ctx, info, [uid for uid, _, _ in ranked], with_vectors)
    return GetResult([Hit(found[uid], score=score, explain=text) for uid, score, text in ranked if uid in found])


def _vector_leg_queries(ctx: SearchContext, info: ClassInfo, h: HybridQuery) -> dict[str, np.ndarray]:
    try:
        targets = choose_targets(info, h.target_vectors)
    except SearchError:
        if h.target_vectors:
            raise
        raise SearchError("failed to extract hybrid params: targetVectors need to be set in the hybrid search to "
                          "be handled correctly") from None
    if h.vector is not None:
        return {t: as_vector(h.vector, "hybrid.vector") for t in targets}
    if h.near_vector is not None or h.near_text is not None:
        near = parse_near("nearVector", h.near_vector) if h.near_vector is not None \
            else parse_near("nearText", h.near_text)
        for move in (near.move_to, near.move_away):
            if move is not None:
                move.objects = []  # Weaviate's hybrid ignores movement objects
        return {t: query_vector(ctx, info, t, near) for t in targets}
    offered = ctx.modules.search_modalities(info) if ctx.modules is not None else {}
    if not all("text" in offered.get(t, ()) for t in targets):
        raise SearchError(f"VectorFromInput was called without vectorizer on class {info.name} for input {h.query}")
    return {t: module_vector(ctx, info, t, "text", [h.query or ""]) for t in targets}


def _legs(ctx: SearchContext, info: ClassInfo, h: HybridQuery, allowed: filtered.Allowed | None,
          size: int) -> tuple[list, dict[str, float]]:
    """The fusion inputs; `allowed`: the filter's objects, None without a filter (read only for the keyword leg)."""
    sets: list = []
    distances: dict[str, float] = {}
    if h.alpha > 0:
        found = search_targets(ctx, info, _vector_leg_queries(ctx, info, h), size, allowed, h.combination, h.weights)
        # The vector leg's threshold: maxVectorDistance, else the nearVector / nearText sub-search's own
        # distance or certainty (Weaviate passes those on to the vector search).
        sub = h.near_vector if h.near_vector is not None else h.near_text or {}
        distance = h.max_vector_distance if h.max_vector_distance is not None else sub.get("distance")
        certainty = None if h.max_vector_distance is not None else sub.get("certainty")
        if distance is not None or certainty:
            found = [(u, d) for u, d in found if keep_get(d, certainty, distance)]
        distances = dict(found)
    if 1 - h.alpha > 0:
        if not h.query:
            scored = []
        else:  # the inverted index, over the filter's objects when there is one
            scored = [(uid, score) for uid, score, _ in _indexed_bm25(ctx, info, h.query, h.properties, h.operator,
                                                                      h.minimum_match, size, allowed)]
        if h.max_vector_distance is not None and h.alpha > 0:
            scored = [(uid, score) for uid, score in scored if uid in distances]
        sets.append(("keyword,bm25", 1 - h.alpha, scored))
    if h.alpha > 0:
        sets.append(("vector,hybridVector", h.alpha, [(u, 1 - d) for u, d in distances.items()]))
    return sets, distances


def hybrid_get(ctx: SearchContext, info: ClassInfo, q: GetQuery, clause: Clause | None,
               with_vectors: bool) -> GetResult:
    h = q.hybrid
    page = resolve_page(q.limit, q.offset, q.autocut, ctx.settings)
    size = max(ctx.settings.query_hybrid_maximum_results, page.offset + page.limit)
    allowed = filtered.allowed(ctx.store, info, clause) if clause is not None else None
    sets, distances = _legs(ctx, info, h, allowed, size)
    fused = fuse(sets, h.fusion)
    if q.group_by is None:
        fused = fused[page.offset:page.offset + page.limit]
        if q.autocut:
            fused = fused[:autocut([s for _, s in fused], q.autocut)]
    found = fetch(ctx, info, [u for u, _ in fused], with_vectors)
    hits = [Hit(found[u], distance=distances.get(u), score=s, explain=explain(sets, h.fusion, u))
            for u, s in fused if u in found]
    if q.group_by is not None:
        return GetResult([], groups=group_hits(info, hits, q.group_by))
    return GetResult(hits)
