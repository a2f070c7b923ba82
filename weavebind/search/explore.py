"""`Explore { }` (spec 1.17): one vector search across every class, merged by distance.

Unlike Weaviate, a module argument (nearText, nearImage, ...) is vectorized by each class's own module, so
Explore keeps working when several modules are enabled; classes whose vectorizer cannot take the argument are
left out of the search.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from weavebind.schema.models import ClassInfo
from weavebind.search.context import SearchContext
from weavebind.search.errors import SearchError
from weavebind.search.limits import explore_page
from weavebind.search.near import choose_targets, metric, validate_near
from weavebind.search.params import NearQuery
from weavebind.search.query_vectors import query_vector
from weavebind.search.similarity import check_certainty, keep_explore
from weavebind.search.vector_search import search_one

NO_PARAMS = ("invalid params: received no search params, one of [nearVector, nearObject] or module search params "
             "is required for an exploration")


@dataclass
class ExploreHit:
    class_name: str
    uuid: str
    distance: float

    @property
    def beacon(self) -> str:
        return f"weaviate://localhost/{self.class_name}/{self.uuid}"


def _searchable(ctx: SearchContext, near: NearQuery) -> list[tuple[ClassInfo, str]]:
    """(class, target) pairs Explore searches: the requested or default target of every class that has it and,
    for a module argument, whose vectorizer offers that modality."""
    pairs = []
    for info in ctx.schema.all():
        if info.multi_tenant:
            continue  # Explore takes no tenant, as in Weaviate: its classes' objects are out of its reach
        try:
            target = choose_targets(info, near.target_vectors[:1] if near.target_vectors else None)[0]
        except SearchError:
            continue  # several named vectors and none asked for, or the asked-for one is not in this class
        if near.modality:
            offered = ctx.modules.search_modalities(info) if ctx.modules is not None else {}
            if near.modality not in offered.get(target, ()):
                continue
        pairs.append((info, target))
    return pairs


def _check_metrics(pairs: list[tuple[ClassInfo, str]], near: NearQuery, wants_certainty: bool) -> None:
    metrics = {info.name: metric(info, target) for info, target in pairs}
    if len(set(metrics.values())) > 1:
        listed = ", ".join(f"class '{name}' uses distance metric '{m}'" for name, m in metrics.items())
        raise SearchError(f"vector search across classes not possible: found different distance metrics: {listed}")
    if (near.certainty or wants_certainty) and metrics:
        check_certainty([next(iter(metrics.values()))])


def run_explore(ctx: SearchContext, nears: list[NearQuery], limit: int | None, offset: int | None,
                wants_certainty: bool = False) -> list[ExploreHit]:
    if not nears:
        raise SearchError(NO_PARAMS)
    try:
        near = validate_near(nears)
    except SearchError as exc:
        raise SearchError(f"vectorize params: {exc.message}") from None
    page = explore_page(limit, offset, ctx.settings)
    pairs = _searchable(ctx, near)
    _check_metrics(pairs, near, wants_certainty)
    shared: np.ndarray | None = None
    if near.argument == "nearObject":  # looked up once, across classes (vectors of several hits averaged)
        shared = query_vector(ctx, pairs[0][0] if pairs else None, pairs[0][1] if pairs else "", near,
                              cross_class=True) if pairs else None
    merged: list[ExploreHit] = []
    errors: list[str] = []
    for info, target in pairs:
        try:
            vector = shared if shared is not None else query_vector(ctx, info, target, near, cross_class=True)
            found = search_one(ctx, info, target, vector, page.offset + page.limit, None)
        except SearchError as exc:
            errors.append(f"class '{info.name}': {exc.message}")
            continue
        merged += [ExploreHit(info.name, uid, dist) for uid, dist in found]
    if errors:
        raise SearchError(", ".join(errors))
    merged.sort(key=lambda hit: (hit.distance, hit.class_name, hit.uuid))
    merged = merged[page.offset:page.offset + page.limit]
    return [hit for hit in merged if keep_explore(hit.distance, near.certainty, near.distance)]
