"""Golden values for the pure query maths: autocut, movement, certainty/distance thresholds, limits, fusion, and
Go's float printing (Weaviate's own unit-test tables where they exist)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from weavebind.search.autocut import autocut
from weavebind.search.errors import SearchError
from weavebind.search.fusion import explain, fuse, ranked_fusion, relative_score_fusion
from weavebind.search.limits import explore_page, resolve_page
from weavebind.search.movement import mean_vector, move_away_from, move_to
from weavebind.search.similarity import certainty, check_certainty, keep_explore, keep_get
from weavebind.search.values import go_float, go_string

SETTINGS = SimpleNamespace(query_defaults_limit=10, query_defaults_limit_graphql=100, query_maximum_results=10000)


@pytest.mark.parametrize("values, cut, expected", [  # entities/autocut/autocut_test.go
    ([], 1, 0),
    ([2], 1, 1),
    ([2, 1.95, 1.9, 0.2, 0.1, 0.1, -1], 1, 3),
    ([2, 1.95, 1.9, 0.2, 0.1, 0.1, -2], 2, 6),
    ([5, 1, 1, 1, 1, 0, 0], 1, 1),
    ([5, 1, 1, 1, 1, 0, 0], 2, 5),
    ([0.298, 0.260, 0.169, 0.108, 0.108, 0.104, 0.093], 1, 3),
    ([0.5, 0.32, 0.31, 0.30, 0.29, 0.15], 1, 1),
    ([0.5, 0.32, 0.31, 0.30, 0.29, 0.15, 0.15, 0.15], 2, 5),
    ([1.0, 0.98, 0.95, 0.9, 0.88, 0.87, 0.80, 0.79], 1, 3),
    ([0.1, 0.15, 0.2, 0.5, 0.6, 0.7, 0.8], 1, 3),
    ([1, 1, 1, 1], 1, 4),        # equal scores: no jump
    ([2, 1.95, 1.9, 0.2], 0, 4),  # 0 turns autocut off
])
def test_autocut(values, cut, expected):
    assert autocut(values, cut) == expected


def test_movement_golden_vectors():  # nearText/searcher_movements_test.go
    source, target = np.array([0, 1, 2, 3, 4], np.float32), np.ones(5, np.float32)
    np.testing.assert_allclose(move_to(source, target, 1), [0.5, 1, 1.5, 2, 2.5])
    np.testing.assert_allclose(move_to(source, target, 0.25), [0.125, 1, 1.875, 2.75, 3.625])
    np.testing.assert_allclose(move_away_from(source, target, 0.25), [-0.125, 1, 2.125, 3.25, 4.375])
    np.testing.assert_allclose(move_away_from(np.ones(2, np.float32), np.array([1.2, 0.8]), 1), [0.9, 1.1],
                               rtol=1e-6)
    np.testing.assert_allclose(mean_vector([np.array([1, 2, 3]), np.array([2, 3, 4])]), [1.5, 2.5, 3.5])


@pytest.mark.parametrize("call, message", [
    (lambda: move_to(np.ones(2), np.ones(2), 1.5), "movement: force must be between 0 and 1: got 1.500000"),
    (lambda: move_to(np.ones(2), np.ones(3), 0.5), "movement: vector lengths don't match: got 2 and 3"),
    (lambda: move_away_from(np.ones(2), np.ones(2), -1),
     "movement (moveAwayFrom): force must be 0 or positive: got -1.000000"),
    (lambda: move_away_from(np.ones(2), np.ones(3), 1),
     "movement (moveAwayFrom): vector lengths don't match: got 2 and 3"),
])
def test_movement_errors(call, message):
    with pytest.raises(SearchError) as caught:
        call()
    assert caught.value.message == message


def test_certainty_and_thresholds():
    assert certainty(0.0) == 1.0 and certainty(2.0) == 0.0
    assert keep_get(1e-16, 1.0, None)                 # float32: parallel vectors reach certainty 1
    assert not keep_get(0.0715, 0.97, None) and keep_get(0.0715, 0.95, None)
    assert keep_get(0.08 + 5e-7, None, 0.08) and not keep_get(0.081, None, 0.08)
    assert keep_get(2.0, 0, None)                     # certainty 0 counts as not given
    assert keep_get(-50, None, -40) and not keep_get(-12, None, -40)
    assert keep_explore(0.5, None, None) and keep_explore(0.0715, 0.95, None) and not keep_explore(2, 0.5, None)
    assert keep_explore(12, None, 365) and not keep_explore(366, None, 365)


@pytest.mark.parametrize("metrics, message", [
    (["l2-squared"], "can't compute and return certainty when vector index is configured with l2-squared distance"),
    (["dot"], "can't compute and return certainty when vector index is configured with dot distance"),
    (["cosine", "cosine"], "multiple target vectors are not supported with certainty"),
])
def test_certainty_needs_one_cosine_target(metrics, message):
    check_certainty(["cosine"])
    with pytest.raises(SearchError, match="^" + message.replace("(", r"\(") + "$"):
        check_certainty(metrics)


@pytest.mark.parametrize("args, expected", [
    ((None, None, None), (0, 100, False)),      # QUERY_DEFAULTS_LIMIT_GRAPHQL
    ((None, 5, None), (5, 10, False)),          # offset only: QUERY_DEFAULTS_LIMIT
    ((None, None, 1), (0, 10, False)),          # autocut only
    ((-1, None, None), (0, 10, False)),
    ((7, 3, None), (3, 7, False)),
])
def test_pages(args, expected):
    page = resolve_page(*args, SETTINGS)
    assert (page.offset, page.limit, page.by_distance) == expected


def test_threshold_pages_are_unlimited_up_to_the_maximum():
    assert resolve_page(None, None, None, SETTINGS, threshold=True).limit == 10000
    assert resolve_page(-1, 10, None, SETTINGS, threshold=True) .limit == 9990
    assert resolve_page(13, None, None, SETTINGS, threshold=True).limit == 13
    assert explore_page(None, None, SETTINGS).limit == 20


def test_page_errors():
    with pytest.raises(SearchError) as caught:
        resolve_page(10000, 1, None, SETTINGS)
    assert caught.value.message == (
        "query maximum results exceeded: the total limit calculated from the provided offset '1' and limit '10000' "
        "exceeds the configured value for QUERY_MAXIMUM_RESULTS '10000'. If you've supplied a negative offset or "
        "limit, this may be an underflow error")
    with pytest.raises(SearchError, match="invalid pagination params: invalid default limit: 0"):
        resolve_page(0, None, None, SETTINGS, plain_list=True)
    assert resolve_page(0, None, None, SETTINGS).limit == 0


def test_fusions():
    keyword = ("keyword,bm25", 0.25, [("a", 3.0), ("b", 2.0), ("c", 1.0)])
    vector = ("vector,hybridVector", 0.75, [("c", 0.9), ("a", 0.5)])
    ranked = ranked_fusion([keyword, vector])
    assert ranked["a"] == pytest.approx(0.25 / 60 + 0.75 / 61)
    assert ranked["b"] == pytest.approx(0.25 / 61)
    relative = relative_score_fusion([keyword, vector])
    assert relative == pytest.approx({"a": 0.25, "b": 0.125, "c": 0.75})
    assert [u for u, _ in fuse([keyword, vector], "relativeScoreFusion")] == ["c", "a", "b"]
    assert relative_score_fusion([("s", 0.5, [("x", 2.0), ("y", 2.0)])]) == {"x": 0.5, "y": 0.5}
    assert explain([keyword], "relativeScoreFusion", "a") == (
        "Hybrid (Result Set keyword,bm25) Document a: original score 3, normalized score: 0.25")


@pytest.mark.parametrize("value, text", [
    (0.016393442, "0.016393442"), (2.0, "2"), (1e6, "1e+06"), (123456.0, "123456"), (0.0001, "0.0001"),
    (0.00001, "1e-05"), (0.0, "0"), (-1.5, "-1.5")])
def test_go_float_matches_go_percent_v(value, text):
    assert go_float(value) == text


def test_go_string():
    assert go_string(True) == "true" and go_string(3) == "3" and go_string("x") == "x" and go_string(2.5) == "2.5"
