"""Nearest-neighbour search over one or several target vectors of a class, on the store's indexes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from weavebind.schema.models import ClassInfo
from weavebind.search.context import SearchContext
from weavebind.search.errors import SearchError
from weavebind.search.near import metric
from weavebind.storage.distances import distances
from weavebind.storage.vector_index import DimensionMismatchError


def search_one(ctx: SearchContext, info: ClassInfo, target: str, vector: np.ndarray, k: int,
               allowed: Sequence[str] | None) -> list[tuple[str, float]]:
    dim = ctx.store.indexes.dimension(info.key, target)
    if dim is not None and dim != len(vector):
        raise SearchError(f"vector search: vector lengths don't match: {len(vector)} vs {dim}")
    try:
        found = ctx.store.search(info.key, target, vector, k, allowed)
    except DimensionMismatchError as exc:
        raise SearchError(f"vector search: {exc}") from None
    if metric(info, target) == "cosine":
        # Weaviate computes `1 - similarity` in float32, so parallel vectors come out at exactly 0 (spec 1.8);
        # rounding the similarity to float32 first reproduces that from the float64 re-scoring.
        if found:
            near = np.float32(1) - (1 - np.asarray([d for _, d in found], dtype=np.float64)).astype(np.float32)
            found = [(u, d) for (u, _), d in zip(found, near.tolist(), strict=True)]
    return found


def _exact(ctx: SearchContext, info: ClassInfo, queries: dict[str, np.ndarray], uuids: list[str]
           ) -> dict[str, dict[str, float]]:
    """Distance of every candidate to every target's query vector (candidates lacking a vector are left out)."""
    records = {r.uuid: r for r in ctx.store.get_many(info.key, uuids, with_vectors=True)}
    out: dict[str, dict[str, float]] = {}
    for target, query in queries.items():
        have = [u for u in uuids if u in records and target in records[u].vectors]
        if not have:
            continue
        matrix = np.stack([records[u].vectors[target] for u in have])
        for uid, dist in zip(have, distances(metric(info, target), query, matrix).tolist(), strict=True):
            out.setdefault(uid, {})[target] = dist
    return out


def _combine(per_target: dict[str, float], targets: Sequence[str], method: str, weights: dict | None,
             ranges: dict[str, tuple[float, float]]) -> float | None:
    if len(per_target) < len(targets) and method != "minimum":
        return None  # an object without one of the vectors cannot be scored by a sum or an average
    values = [per_target[t] for t in targets if t in per_target]
    if method == "minimum":
        return min(values)
    if method == "sum":
        return sum(values)
    if method == "average":
        return sum(values) / len(values)
    weight = {t: float((weights or {}).get(t, 1.0) if not isinstance((weights or {}).get(t), list)
                       else weights[t][0]) for t in targets}
    if method == "manualWeights":
        return sum(weight[t] * per_target[t] for t in targets)
    total = 0.0  # relativeScore: each target's distances scaled to [0, 1] first
    for t in targets:
        low, high = ranges[t]
        total += weight[t] * ((per_target[t] - low) / (high - low) if high > low else 0.0)
    return total


def search_targets(ctx: SearchContext, info: ClassInfo, queries: dict[str, np.ndarray], k: int,
                   allowed: Sequence[str] | None, method: str = "minimum", weights: dict | None = None
                   ) -> list[tuple[str, float]]:
    """(uuid, distance) nearest first. Several targets: candidates from each, re-scored exactly on all of them
    and combined with Weaviate's combination method."""
    if len(queries) == 1:
        target, vector = next(iter(queries.items()))
        return search_one(ctx, info, target, vector, k, allowed)
    if method == "manualWeights" and not weights:
        raise SearchError("combination method manualWeights requires weights for every target vector")
    candidates: dict[str, None] = {}
    for target, vector in queries.items():
        candidates.update(dict.fromkeys(u for u, _ in search_one(ctx, info, target, vector, k, allowed)))
    scored = _exact(ctx, info, queries, list(candidates))
    targets = list(queries)
    ranges = {}
    for t in targets:
        found = [d[t] for d in scored.values() if t in d] or [0.0]
        ranges[t] = (min(found), max(found))
    combined = [(u, _combine(d, targets, method, weights, ranges)) for u, d in scored.items()]
    ranked = sorted(((u, float(np.float32(s))) for u, s in combined if s is not None), key=lambda x: (x[1], x[0]))
    return ranked[:k]
