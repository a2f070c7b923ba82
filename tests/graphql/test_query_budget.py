"""The work one GraphQL request may ask for is bounded before any search runs: the number of searches (aliases
included: WEAVEBIND_GRAPHQL_MAX_SEARCHES), the results they ask for together (WEAVEBIND_GRAPHQL_MAX_RESULTS), and
each search's own counts (limit + offset, objectLimit: QUERY_MAXIMUM_RESULTS). Client mistakes are GraphQL errors
in their own words, never "internal error", and log nothing at ERROR."""

from __future__ import annotations

import logging

import pytest

from tests.graphql.conftest import add_class, add_objects, gql

NEAR = "nearVector: {vector: [1, 0.5]}"


def _server(make_local_client, **env):
    client = make_local_client(**env)
    add_class(client, "V", {"t": "text"})
    add_objects(client, "V", [{"t": f"x{i}", "vector": [1.0, float(i)]} for i in range(5)])
    return client


def _refused(client, query: str, variables: dict | None = None) -> str:
    """The only error of a request none of whose searches ran (no `data` at all)."""
    body = gql(client, query, variables)
    assert "data" not in body and len(body.get("errors", [])) == 1, body
    return body["errors"][0]["message"]


def _aliases(n: int, args: str = "limit: 1") -> str:
    return "{Get{" + " ".join(f"a{i}: V({args}){{t}}" for i in range(n)) + "}}"


def test_searches_beyond_the_setting_are_refused_before_any_runs(make_local_client):
    client = _server(make_local_client)
    assert len(gql(client, _aliases(100))["data"]["Get"]) == 100
    for n in (101, 10_000):
        assert _refused(client, _aliases(n)) == (
            f"the query asks for {n} searches (Get, Aggregate and Explore fields, aliases included); at most 100 "
            "are allowed in one request (WEAVEBIND_GRAPHQL_MAX_SEARCHES)")


@pytest.mark.parametrize("query", [
    "{Get{a: V{t} b: V{t}} Aggregate{V{meta{count}}}}",
    "{Get{a: V{t}} Explore(" + NEAR + ") {className} Aggregate{V{meta{count}}}}",
    "{Get{...F ...F2}} fragment F on GetObjectsObj {a: V{t} ... on GetObjectsObj {b: V{t}}} "
    "fragment F2 on GetObjectsObj {c: V{t}}",
    "{g1: Get{V{t}} g2: Get{V{t}} g3: Get{V{t}}}",
])
def test_every_way_of_writing_a_search_counts(make_local_client, query):
    client = _server(make_local_client, WEAVEBIND_GRAPHQL_MAX_SEARCHES="2")
    assert "at most 2 are allowed in one request" in _refused(client, query)


def test_the_results_of_all_searches_together_are_bounded(make_local_client):
    client = _server(make_local_client, WEAVEBIND_GRAPHQL_MAX_RESULTS="150")
    assert len(gql(client, "{Get{a: V(limit: 100){t} b: V(limit: 40, offset: 10){t}}}")["data"]["Get"]) == 2
    expected = ("the query's searches ask for {} results in total (limit + offset, or objectLimit, summed over its "
                "searches); at most 150 are allowed in one request (WEAVEBIND_GRAPHQL_MAX_RESULTS)")
    assert _refused(client, "{Get{a: V{t} b: V(limit: 51){t}}}") == expected.format(151)  # no limit: 100
    query = "query($l: Int, $o: Int) {Get{a: V(limit: $l, offset: $o){t}} Explore(" + NEAR + "){className}}"
    assert _refused(client, query, {"l": 100, "o": 31}) == expected.format(151)  # Explore's default limit: 20
    threshold = "{Get{V(nearVector: {vector: [1, 0.5], certainty: 0.1}){t}}}"  # up to QUERY_MAXIMUM_RESULTS
    assert _refused(client, threshold) == expected.format(10000)
    assert _refused(client, "{Get{a: V(offset: 1){t} b: V(limit: 140){t}}}") == expected.format(151)  # 10 + 1
    aggregate = "{Aggregate{a: V(objectLimit: 100, " + NEAR + "){meta{count}} b: V(objectLimit: 51, " + NEAR + \
        "){meta{count}}}}"
    assert _refused(client, aggregate) == expected.format(151)


def test_a_refused_query_stays_refused_on_the_compiled_plan_lane(make_local_client):
    client = _server(make_local_client, WEAVEBIND_GRAPHQL_MAX_RESULTS="50")
    query = "{Get{V(limit: 60, " + NEAR + "){t}}}"
    for _ in range(3):  # a plan is only compiled from an answer without errors
        assert "at most 50 are allowed" in _refused(client, query)
    assert len(gql(client, "{Get{V(limit: 50, " + NEAR + "){t}}}")["data"]["Get"]["V"]) == 5


@pytest.mark.parametrize("object_limit", [10_001, 2**31 - 1, -5])
def test_an_aggregate_object_limit_out_of_bounds_is_a_graphql_error(make_local_client, object_limit):
    client = _server(make_local_client, WEAVEBIND_GRAPHQL_MAX_RESULTS=str(2**32))  # reach the per-search bound
    for search in (NEAR, 'hybrid: {query: "x", alpha: 0.5}'):
        body = gql(client, f"{{Aggregate{{V(objectLimit: {object_limit}, {search}){{meta{{count}}}}}}}}")
        assert body["errors"][0]["message"] == (
            f"invalid objectLimit '{object_limit}': it must be between 0 and the configured QUERY_MAXIMUM_RESULTS "
            "'10000'")
    body = gql(client, f"{{Aggregate{{V(objectLimit: 10000, {NEAR}){{meta{{count}}}}}}}}")
    assert body["data"]["Aggregate"]["V"] == [{"meta": {"count": 5}}]


@pytest.mark.parametrize("args", ["limit: 2147483647", "limit: 5, offset: 2147483647", "limit: 10000, offset: 1"])
def test_get_and_explore_pages_beyond_the_maximum_are_graphql_errors(make_local_client, args):
    client = _server(make_local_client, WEAVEBIND_GRAPHQL_MAX_RESULTS=str(2**32))
    for query in (f"{{Get{{V({args}, {NEAR}){{t}}}}}}", f"{{Explore({args}, {NEAR}){{className}}}}"):
        message = gql(client, query)["errors"][0]["message"]
        assert "exceeds the configured value for QUERY_MAXIMUM_RESULTS '10000'" in message


@pytest.mark.parametrize(("literal", "found"), [("{a: 1}", "{ a: 1 }"), ('"abc"', '"abc"'), ("true", "true")])
def test_a_vector_literal_of_the_wrong_shape_is_the_clients_error(make_local_client, caplog, literal, found):
    client = _server(make_local_client)
    with caplog.at_level(logging.INFO):
        message = _refused(client, f"{{Get{{V(nearVector: {{vector: {literal}}}){{t}}}}}}")
    assert message == f"Expected value of type 'Vector', but encountered error 'expected a list of numbers'; " \
        f"found: {found}."
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    weights = _refused(client, '{Get{V(nearVector: {vector: [1, 0], targets: {targetVectors: ["a"], weights: [1]}})'
                               '{t}}}')
    assert "Expected value of type 'JSONMap'" in weights and "internal error" not in weights
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
