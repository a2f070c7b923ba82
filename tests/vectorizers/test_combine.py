"""The combination maths (vectorizers/combine.py): Weaviate's golden values and the by-name rule of design.md §3."""

from __future__ import annotations

import numpy as np
import pytest

from weavebind.vectorizers.base import VectorizerError
from weavebind.vectorizers.combine import combine_fields, combine_weighted, mean, normalize_weights

TEXT = np.array([1, 2, 3, 4, 5], dtype=np.float32)
IMAGE = np.array([10, 20, 30, 40, 50], dtype=np.float32)
GOLDEN = [3.2, 6.4, 9.6, 12.8, 16]  # modules/multi2vec-clip/vectorizer/vectorizer_test.go TestVectorizerWithWeights


def test_weaviate_golden_text_and_image_with_weights():
    combined = combine_fields({("text", "text"): TEXT, ("image", "image"): IMAGE},
                              {("text", "text"): 0.4, ("image", "image"): 0.6})
    np.testing.assert_allclose(combined, GOLDEN, rtol=1e-6)
    assert combined.dtype == np.float32


def test_weights_pair_with_fields_by_name_not_by_position():
    # Weaviate applies weights in alphabetical property order: with fields ["title", "abstract"] and weights
    # [0.9, 0.1] it would give "abstract" 0.9. Here "title" keeps 0.9 whatever the order of the vectors.
    title, abstract = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    weights = {("text", "title"): 0.9, ("text", "abstract"): 0.1}
    one = combine_fields({("text", "abstract"): abstract, ("text", "title"): title}, weights)
    two = combine_fields({("text", "title"): title, ("text", "abstract"): abstract}, weights)
    np.testing.assert_allclose(one, [0.45, 0.05])
    np.testing.assert_allclose(two, one)


def test_absent_fields_drop_out_and_the_rest_renormalise():
    weights = {("text", "title"): 0.25, ("text", "body"): 0.25, ("image", "image"): 0.5}
    only_image = combine_fields({("image", "image"): IMAGE}, weights)
    np.testing.assert_allclose(only_image, IMAGE)
    text_and_image = combine_fields({("text", "title"): TEXT, ("image", "image"): IMAGE}, weights)
    np.testing.assert_allclose(text_and_image, (TEXT / 3 + IMAGE * 2 / 3) / 2, rtol=1e-6)


def test_no_weights_is_the_plain_mean():
    np.testing.assert_allclose(combine_fields({("text", "a"): TEXT, ("image", "b"): IMAGE}, None), (TEXT + IMAGE) / 2)


def test_nothing_to_combine_is_none():
    assert combine_fields({}, None) is None
    assert combine_fields({("text", "a"): TEXT}, {("text", "a"): 0.0, ("text", "b"): 1.0}) is None


@pytest.mark.parametrize("vectors,expected", [  # usecases/vectorizer/combine_test.go
    ([[1, 2, 3], [2, 3, 4]], [1.5, 2.5, 3.5]),
    ([[1, 2, 3]], [1, 2, 3]),
    ([], []),
])
def test_mean(vectors, expected):
    np.testing.assert_allclose(mean([np.asarray(v, dtype=np.float32) for v in vectors]), expected)


def test_combine_weighted_edge_cases_from_weaviate():
    vectors = [np.array([1.0, 2.0]), np.array([3.0, 4.0]), np.array([5.0, 6.0])]
    np.testing.assert_allclose(combine_weighted(vectors, [0, 0, 0]), [0, 0])
    np.testing.assert_allclose(combine_weighted(vectors, [1, 1, 1]), [3, 4])
    np.testing.assert_allclose(combine_weighted(vectors, normalize_weights([1, 1, 1])), [1, 4 / 3])  # Σ(v/3) / 3
    np.testing.assert_allclose(combine_weighted(vectors, None), [3, 4])
    assert combine_weighted([], []).size == 0


@pytest.mark.parametrize("weights", [[0.4, 0.6], [1, 2, 3], [0.1, 0.1, 0.1], [3, 7], [0.25]])
def test_normalised_weights_sum_to_one(weights):
    assert sum(normalize_weights(weights)) == pytest.approx(1.0, abs=1e-12)


def test_vectors_of_different_lengths_are_a_clear_error_not_a_crash():
    with pytest.raises(VectorizerError, match="different lengths"):
        combine_fields({("text", "a"): np.ones(3), ("image", "b"): np.ones(4)}, None)
