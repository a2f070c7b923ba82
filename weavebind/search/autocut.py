"""Weaviate's autocut (`entities/autocut/autocut.go`): cut a ranked result list at the N-th jump in its scores."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def autocut(scores: Sequence[float], cut_off: int) -> int:
    """How many of the ranked `scores` (distances ascending or scores descending) to keep.

    The scores are normalised to [0, 1] between the first and the last and compared with a straight line from 0 to
    1; local maxima of the difference are the "jumps", and the result is the index of the `cut_off`-th jump (all
    results when there are fewer). Arithmetic is float32, as in Weaviate. `cut_off <= 0` turns it off."""
    n = len(scores)
    if cut_off <= 0 or n <= 1:
        return n
    y = np.asarray(scores, dtype=np.float32)
    x = np.arange(n, dtype=np.float32) * (np.float32(1) / np.float32(n - 1))
    with np.errstate(divide="ignore", invalid="ignore"):  # equal scores: NaN, as in Go, and no jump is found
        diff = (y - y[0]) / (y[-1] - y[0]) - x
    extrema = 0
    for i in range(1, n):
        right = diff[i - 2] if i == n - 1 else diff[i + 1]  # the last point has no right neighbour
        if diff[i] > diff[i - 1] and diff[i] > right:
            extrema += 1
            if extrema >= cut_off:
                return i
    return n
