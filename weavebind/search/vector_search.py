"""Nearest-neighbour search over one or several target vectors of a class, on the store's indexes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from weavebind.schema.models import ClassInfo
from weavebind.search.context import SearchContext
from weavebind.search.errors import SearchError
from weavebind.search.filtered import Allowed
from weavebind.search.near import metric
from weavebind.storage.distances import distances
from weavebind.storage.vector_index import DimensionMismatchError


def search_one(ctx: SearchContext, info: ClassInfo, target: str, vector: np.ndarray, k: int,
               allowed: Sequence[str] | Allowed | None) -> list[tuple[str, float]]:
    """(uuid, distance) nearest first; `allowed` restricts to those uuids, or to a filter's objects (filtered.py)
    whose vector labels go to FAISS as they are."""
    dim = ctx.store.indexes.dimension(info.key, target)
    if dim is not None and dim != len(vector):
        raise SearchError(f"vector search: vector lengths don't match: {len(vector)} vs {dim}")
    try:
        if isinstance(allowed, Allowed):
            found = ctx.store.indexes.search(info.key, target, vector, k, allowed_labels=allowed.labels())
        else:
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


def _entries(queries: dict[str, np.ndarray]) -> list[tuple[str, np.ndarray]]:
    """(target, query vector) pairs: a 2-D query holds several vectors for one target (one entry each)."""
    return [(target, row) for target, vector in queries.items()
            for row in (vector if np.ndim(vector) == 2 else [vector])]


def _weights(entries: list[tuple[str, np.ndarray]], weights: dict | None) -> list[float]:
    """One weight per entry: a list of weights pairs with the target's vectors in order; a single weight applies to
    each vector of its target; a target without a weight gets 1."""
    out: list[float] = []
    seen: dict[str, int] = {}
    count = {t: sum(1 for name, _ in entries if name == t) for t, _ in entries}
    for target, _ in entries:
        given = (weights or {}).get(target, 1.0)
        if isinstance(given, list):
            if len(given) != count[target]:
                raise SearchError(f"number of weights ({len(given)}) does not match number of query vectors "
                                  f"({count[target]}) for target vector {target!r}")
            given = given[seen.get(target, 0)]
        if not isinstance(given, int | float) or isinstance(given, bool):
            raise SearchError(f"weights: the weight of target vector {target!r} must be a number or a list of "
                              f"numbers, got {given!r}")
        seen[target] = seen.get(target, 0) + 1
        out.append(float(given))
    return out


def _exact(ctx: SearchContext, info: ClassInfo, entries: list[tuple[str, np.ndarray]], uuids: list[str]
           ) -> dict[str, dict[int, float]]:
    """Distance of every candidate to every entry's query vector, by entry position (candidates lacking the
    entry's target vector are left out of it)."""
    records = {r.uuid: r for r in ctx.store.get_many(info.key, uuids, with_vectors=True)}
    out: dict[str, dict[int, float]] = {}
    for position, (target, query) in enumerate(entries):
        have = [u for u in uuids if u in records and target in records[u].vectors]
        if not have:
            continue
        matrix = np.stack([records[u].vectors[target] for u in have])
        for uid, dist in zip(have, distances(metric(info, target), query, matrix).tolist(), strict=True):
            out.setdefault(uid, {})[position] = dist
    return out


def _combine(per_entry: dict[int, float], size: int, method: str, weights: list[float],
             ranges: list[tuple[float, float]]) -> float | None:
    """Weaviate's target combinations over the query entries: minimum; sum (weights 1); average (weights 1/n,
    n = the number of query vectors); manualWeights (Σ wᵢ·dᵢ); relativeScore (Σ wᵢ·dᵢ with each entry's
    distances first scaled to [0, 1] over the candidates)."""
    if len(per_entry) < size and method != "minimum":
        return None  # an object without one of the vectors cannot be scored by a sum or an average
    if method == "minimum":
        return min(per_entry.values())
    if method == "sum":
        return sum(per_entry.values())
    if method == "average":
        return sum(per_entry.values()) / size
    if method == "manualWeights":
        return sum(weights[i] * d for i, d in per_entry.items())
    total = 0.0
    for i, d in per_entry.items():
        low, high = ranges[i]
        total += weights[i] * ((d - low) / (high - low) if high > low else 0.0)
    return total


def search_targets(ctx: SearchContext, info: ClassInfo, queries: dict[str, np.ndarray], k: int,
                   allowed: Sequence[str] | Allowed | None, method: str = "minimum", weights: dict | None = None
                   ) -> list[tuple[str, float]]:
    """(uuid, distance) nearest first. Several targets (or several query vectors for one target, a 2-D query):
    candidates from each, re-scored exactly on all of them and combined with Weaviate's combination method."""
    entries = _entries(queries)
    entry_weights = _weights(entries, weights)  # (checks the weights even where one vector leaves nothing to weigh)
    if len(entries) == 1:
        target, vector = entries[0]
        return search_one(ctx, info, target, vector, k, allowed)
    if method == "manualWeights" and not weights:
        raise SearchError("combination method manualWeights requires weights for every target vector")
    candidates: dict[str, None] = {}
    for target, vector in entries:
        candidates.update(dict.fromkeys(u for u, _ in search_one(ctx, info, target, vector, k, allowed)))
    scored = _exact(ctx, info, entries, list(candidates))
    ranges = []
    for i in range(len(entries)):
        found = [d[i] for d in scored.values() if i in d] or [0.0]
        ranges.append((min(found), max(found)))
    combined = [(u, _combine(d, len(entries), method, entry_weights, ranges)) for u, d in scored.items()]
    ranked = sorted(((u, float(np.float32(s))) for u, s in combined if s is not None), key=lambda x: (x[1], x[0]))
    return ranked[:k]
