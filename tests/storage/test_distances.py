"""Weaviate's distance definitions; golden values from test/acceptance/vector_distances (spec 1.8, 4.5)."""

import numpy as np
import pytest

from weavebind.storage.distances import (
    METRICS,
    certainty_from_distance,
    distance_from_certainty,
    distances,
    normalize,
)

# metric -> (query, stored vectors, expected distances), as in Weaviate's acceptance tests
GOLDEN = {
    "cosine": ([0.7, 0.3], [[0.7, 0.3], [1.4, 0.6], [1, 1], [-0.7, -0.3]], [0, 0, 0.0715, 2]),
    "dot": ([3, 4, 5], [[3, 4, 5], [1, 1, 1], [0, 0, 0], [-3, -4, -5]], [-50, -12, 0, 50]),
    "l2-squared": ([10, 11, 12], [[10, 11, 12], [13, 15, 17], [0, 0, 0]], [0, 50, 365]),
    "manhattan": ([10, 11, 12], [[10, 11, 12], [13, 15, 17], [0, 0, 0]], [0, 12, 33]),
    # hamming_test.go uses its own objects, not the l2/manhattan ones
    "hamming": ([10, 10, 10], [[10, 10, 10], [10, 10, 12], [10, 11, 12]], [0, 1, 2]),
}


@pytest.mark.parametrize("metric", METRICS)
def test_golden_values(metric):
    query, vectors, expected = GOLDEN[metric]
    got = distances(metric, np.array(query, dtype=np.float32), np.array(vectors, dtype=np.float32))
    assert got.dtype == np.float32
    assert got.shape == (len(vectors),)
    np.testing.assert_allclose(got, expected, atol=1e-4)


def test_parallel_vectors_have_cosine_distance_zero_within_weaviate_tolerance():
    got = distances("cosine", np.array([0.7, 0.3]), np.array([[1.4, 0.6], [0.7, 0.3]]))
    assert np.all(got >= 0) and np.all(got <= 1e-6)


def test_cosine_is_clamped_and_zero_vector_is_orthogonal_to_everything():
    got = distances("cosine", np.array([1.0, 2.0]), np.array([[-1.0, -2.0], [0.0, 0.0], [1.0, 2.0]]))
    assert got[0] == pytest.approx(2.0) and got[0] <= 2.0
    assert got[1] == pytest.approx(1.0)
    assert got[2] >= 0.0


def test_dot_of_zero_is_positive_zero():
    got = distances("dot", np.array([3.0, 4.0]), np.array([[0.0, 0.0]]))
    assert got[0] == 0 and not np.signbit(got[0])


def test_hamming_counts_differing_components_exactly():
    got = distances("hamming", np.array([1.0, 2.0, 3.0, 4.0]), np.array([[1.0, 2.0, 3.0, 4.0000005], [0, 0, 0, 0]]))
    assert got.tolist() == [1.0, 4.0]


def test_unknown_metric_names_the_allowed_values():
    with pytest.raises(ValueError, match="cosine, dot, l2-squared, manhattan, hamming"):
        distances("euclid", np.zeros(2), np.zeros((1, 2)))


def test_shape_mismatch_is_rejected():
    with pytest.raises(ValueError, match="shape"):
        distances("dot", np.zeros(3), np.zeros((2, 2)))


def test_normalize_rows_and_zero_rows():
    out = normalize(np.array([[3.0, 4.0], [0.0, 0.0], [0.0, -2.0]]))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[0.6, 0.8], [0, 0], [0, -1]], atol=1e-7)
    np.testing.assert_allclose(normalize(np.array([0.0, 5.0])), [0.0, 1.0])


def test_certainty_conversions():
    assert certainty_from_distance(0.0715) == pytest.approx(0.96, abs=0.01)
    assert certainty_from_distance(2.0) == 0.0
    assert distance_from_certainty(1.0) == 0.0
    assert distance_from_certainty(0.0) == 2.0
    d = np.array([0.0, 0.5, 2.0], dtype=np.float32)
    np.testing.assert_allclose(distance_from_certainty(certainty_from_distance(d)), d)
