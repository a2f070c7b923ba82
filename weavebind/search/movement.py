"""nearText's `moveTo` / `moveAwayFrom` maths (Weaviate `nearText/searcher_movements.go`), as pure functions."""

from __future__ import annotations

import numpy as np

from weavebind.search.errors import SearchError


def move_to(source: np.ndarray, target: np.ndarray, force: float) -> np.ndarray:
    """`v·(1 − f/2) + t·(f/2)`; the force must lie in [0, 1]."""
    if force < 0 or force > 1:
        raise SearchError(f"movement: force must be between 0 and 1: got {force:f}")
    if len(source) != len(target):
        raise SearchError(f"movement: vector lengths don't match: got {len(source)} and {len(target)}")
    half = np.float32(force * 0.5)
    return (source.astype(np.float32) * (np.float32(1) - half) + target.astype(np.float32) * half).astype(np.float32)


def move_away_from(source: np.ndarray, target: np.ndarray, force: float) -> np.ndarray:
    """`v + (f/2)·(v − t)`; the force must not be negative (there is no upper bound)."""
    if force < 0:
        raise SearchError(f"movement (moveAwayFrom): force must be 0 or positive: got {force:f}")
    if len(source) != len(target):
        raise SearchError(
            f"movement (moveAwayFrom): vector lengths don't match: got {len(source)} and {len(target)}")
    half = np.float32(force * 0.5)
    v = source.astype(np.float32)
    return (v + half * (v - target.astype(np.float32))).astype(np.float32)


def mean_vector(vectors: list[np.ndarray]) -> np.ndarray:
    """Element-wise mean (Weaviate's CombineVectors without weights)."""
    return np.mean(np.stack([np.asarray(v, dtype=np.float32) for v in vectors]), axis=0).astype(np.float32)
