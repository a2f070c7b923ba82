"""Certainty and distance (spec 1.8): conversion, threshold post-filters, and the cosine-only certainty rule."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from weavebind.search.errors import SearchError

DISTANCE_TOLERANCE = 1e-6


def certainty(distance: float) -> float:
    """`1 − distance/2`, in float64 as Weaviate returns it."""
    return 1.0 - float(distance) / 2.0


def _certainty32(distance: float) -> np.float32:
    # Weaviate compares in float32, which is what lets parallel vectors reach certainty exactly 1.
    return np.float32(1) - np.float32(distance) / np.float32(2)


def keep_get(distance: float, min_certainty: float | None, max_distance: float | None) -> bool:
    """Get's post-filter: certainty wins when non-zero, else the distance threshold (with a 1e-6 tolerance)."""
    if min_certainty:
        value = _certainty32(distance)
        return not (value >= 0 and value < np.float32(min_certainty))
    if max_distance is not None:
        return distance <= max_distance or abs(distance - max_distance) <= DISTANCE_TOLERANCE
    return True


def keep_explore(distance: float, min_certainty: float | None, max_distance: float | None) -> bool:
    """Explore's post-filter: kept when either given threshold is met, or when neither is given."""
    if max_distance is not None and (distance <= max_distance
                                     or abs(distance - max_distance) <= DISTANCE_TOLERANCE):
        return True
    if min_certainty and _certainty32(distance) >= np.float32(min_certainty):
        return True
    return max_distance is None and not min_certainty


def check_certainty(metrics: Iterable[str]) -> None:
    """Certainty only means something for cosine; with several target vectors it is refused altogether."""
    metrics = list(metrics)
    if len(metrics) > 1:
        raise SearchError("multiple target vectors are not supported with certainty")
    for metric in metrics:
        if metric != "cosine":
            raise SearchError(f"can't compute and return certainty when vector index is configured with {metric} "
                              "distance")
