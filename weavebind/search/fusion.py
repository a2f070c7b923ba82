"""Hybrid search's two fusions (spec 1.14), pure: each result set is [(uuid, score)] best first, with a weight."""

from __future__ import annotations

from collections.abc import Sequence

RANK_CONSTANT = 60

ResultSet = tuple[str, float, Sequence[tuple[str, float]]]   # (name, weight, [(uuid, score)] best first)


def ranked_fusion(sets: Sequence[ResultSet]) -> dict[str, float]:
    """`Σ weight / (rank + 60)`, rank counted from 0."""
    fused: dict[str, float] = {}
    for _name, weight, results in sets:
        for rank, (uid, _score) in enumerate(results):
            fused[uid] = fused.get(uid, 0.0) + weight / (rank + RANK_CONSTANT)
    return fused


def normalized(weight: float, results: Sequence[tuple[str, float]]) -> dict[str, float]:
    """Min–max normalisation scaled by the weight; a set whose scores are all equal scores `weight` each."""
    if not results:
        return {}
    scores = [s for _, s in results]
    low, high = min(scores), max(scores)
    if high == low:
        return {uid: weight for uid, _ in results}
    return {uid: weight * (s - low) / (high - low) for uid, s in results}


def relative_score_fusion(sets: Sequence[ResultSet]) -> dict[str, float]:
    fused: dict[str, float] = {}
    for _name, weight, results in sets:
        for uid, score in normalized(weight, results).items():
            fused[uid] = fused.get(uid, 0.0) + score
    return fused


def fuse(sets: Sequence[ResultSet], fusion: str) -> list[tuple[str, float]]:
    """Fused (uuid, score), best first; equal scores by uuid."""
    fused = ranked_fusion(sets) if fusion == "rankedFusion" else relative_score_fusion(sets)
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))


def explain(sets: Sequence[ResultSet], fusion: str, uid: str) -> str:
    """Weaviate's explainScore lines for one document of a hybrid search."""
    lines = []
    for name, weight, results in sets:
        position = {u: (rank, s) for rank, (u, s) in enumerate(results)}
        if uid not in position:
            continue
        rank, original = position[uid]
        value = weight / (rank + RANK_CONSTANT) if fusion == "rankedFusion" else normalized(weight, results)[uid]
        lines.append(f"Hybrid (Result Set {name}) Document {uid}: original score {original:g}, "
                     f"normalized score: {value:g}")
    return "\n".join(lines)
