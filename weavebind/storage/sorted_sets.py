"""Membership tests against a sorted int64 array by binary search: np.isin sorts both arrays again on every call,
which for a large filter's labels, or an index's stored labels, costs more than the search they serve."""

from __future__ import annotations

import numpy as np


def isin_sorted(values: np.ndarray, sorted_arr: np.ndarray) -> np.ndarray:
    """np.isin(values, sorted_arr) for a sorted `sorted_arr`."""
    if sorted_arr.size == 0:
        return np.zeros(values.shape, dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_arr, values), sorted_arr.size - 1)
    return sorted_arr[pos] == values


def positions_in_sorted(sorted_arr: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Positions in `sorted_arr` of those `values` it holds: a search per value, so finding a few tombstones among
    a large filter's labels costs O(tombstones · log labels), not O(labels · log tombstones)."""
    if not sorted_arr.size or not values.size:
        return np.empty(0, dtype=np.int64)
    pos = np.minimum(np.searchsorted(sorted_arr, values), sorted_arr.size - 1)
    return pos[sorted_arr[pos] == values]
