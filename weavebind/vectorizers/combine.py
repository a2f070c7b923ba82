"""The vector maths of the multi2vec modules, as pure functions (golden tests in tests/vectorizers/test_combine.py).

Weaviate's object vector is `Σ wᵢ·vᵢ / n` with the weights normalised to sum 1 and n the number of vectors
(`usecases/vectorizer/combine.go`); its weights are applied by position in alphabetical property order. Here the
same formula runs over *fields*: each weight belongs to its field by name, a field without a value drops out (its
weight with it, the rest renormalised), and a `text[]` field is one field vector, the mean of its elements.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import numpy as np

from weavebind.vectorizers.base import VectorizerError


def _stack(vectors: Sequence[np.ndarray]) -> np.ndarray:
    lengths = {len(v) for v in vectors}
    if len(lengths) > 1:
        raise VectorizerError(f"the inference service returned vectors of different lengths: {sorted(lengths)}",
                              status=502)
    return np.asarray(vectors, dtype=np.float64)


def mean(vectors: Sequence[np.ndarray]) -> np.ndarray:
    """Element-wise mean (nearText's concepts, a text[] field); empty in, empty out."""
    if not len(vectors):
        return np.zeros(0, dtype=np.float32)
    return _stack(vectors).mean(axis=0).astype(np.float32)


def normalize_weights(weights: Sequence[float]) -> list[float]:
    """Weights scaled to sum 1; all-zero weights stay zero (Weaviate's `NormalizeWeights` would divide by 0)."""
    total = float(sum(weights))
    if total == 0:
        return [0.0 for _ in weights]
    return [w / total for w in weights]


def combine_weighted(vectors: Sequence[np.ndarray], weights: Sequence[float] | None) -> np.ndarray:
    """Weaviate's `CombineVectorsWithWeights`: `Σ wᵢ·vᵢ / n` (the weights as given); no weights = the mean."""
    if weights is None:
        return mean(vectors)
    if len(weights) != len(vectors):
        raise ValueError(f"{len(vectors)} vectors but {len(weights)} weights")
    if not len(vectors):
        return np.zeros(0, dtype=np.float32)
    column = np.asarray(weights, dtype=np.float64)[:, None]
    return ((_stack(vectors) * column).sum(axis=0) / len(vectors)).astype(np.float32)


def combine_fields(field_vectors: Mapping[Hashable, np.ndarray],
                   weights: Mapping[Hashable, float] | None) -> np.ndarray | None:
    """The object vector from its present fields' vectors, weights paired by field key. Fields that are absent
    (not in `field_vectors`) drop out and the remaining weights are renormalised. None when nothing is left to
    combine: no field present, or only fields whose weights are all 0."""
    if not field_vectors:
        return None
    keys = list(field_vectors)
    vectors = [field_vectors[key] for key in keys]
    if weights is None:
        return combine_weighted(vectors, None)
    chosen = [float(weights.get(key, 0.0)) for key in keys]
    if sum(chosen) == 0:
        return None
    return combine_weighted(vectors, normalize_weights(chosen))
