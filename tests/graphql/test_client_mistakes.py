"""Values of the wrong shape for nearVector's `vector`, `vectorPerTarget` and `targets.weights`, as literals or as
variables, are the client's mistake: a GraphQL error in its own words, never "internal error", no ERROR log."""

from __future__ import annotations

import logging

import pytest

from tests.graphql.conftest import add_class, add_objects, gql

SHAPES = [1, "x", True, [1], [None], [[1, 0]], {"a": 1}, {"a": "x"}, {"a": None}, {"a": [1, 0]},
          {"a": [[1, 0], [0, 1]]}, {"a": {"b": 1}}, {"a": [1, "x"]}, {"": 1}]
QUERY = ("query($v: Vector, $w: JSONMap, $p: JSONMap) {Get{M(nearVector: {vector: $v, vectorPerTarget: $p, "
         'targets: {targetVectors: ["a", "b"], combinationMethod: manualWeights, weights: $w}}) {n}}}')


@pytest.fixture
def server(make_local_client):
    client = make_local_client()
    add_class(client, "M", {"n": "int"}, vectorConfig={"a": {"vectorizer": {"none": {}}},
                                                       "b": {"vectorizer": {"none": {}}}})
    add_objects(client, "M", [{"n": 1, "vectors": {"a": [1, 0], "b": [0, 1]}}])
    return client


def _variables():
    for shape in SHAPES:
        yield {"v": shape, "w": {"a": 1, "b": 1}, "p": None}
        yield {"v": [1, 0], "w": shape, "p": None}
        yield {"v": None, "w": {"a": 1, "b": 1}, "p": shape}


def test_variables_of_every_shape_are_answered_or_refused_by_the_client_rules(server, caplog):
    answered = 0
    with caplog.at_level(logging.INFO):
        for variables in _variables():
            body = gql(server, QUERY, variables)
            messages = [e["message"] for e in body.get("errors", [])]
            assert not [m for m in messages if "internal error" in m], (variables, messages)
            answered += not messages
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    assert answered >= 2  # the valid shapes among them are answered


@pytest.mark.parametrize(("weights", "message"), [
    ('{a: "x", b: 1}', "weights: the weight of target vector 'a' must be a number or a list of numbers, got 'x'"),
    ("{a: {c: 1}, b: 1}", "weights: the weight of target vector 'a' must be a number or a list of numbers, got"),
])
def test_a_weight_that_is_not_a_number_is_named(server, weights, message):
    query = ('{Get{M(nearVector: {vector: [1, 0], targets: {targetVectors: ["a", "b"], combinationMethod: '
             f"manualWeights, weights: {weights}}}}}) {{n}}}}}}")
    body = gql(server, query)
    assert message in body["errors"][0]["message"]


def test_a_map_variable_that_is_not_an_object_is_a_type_error(server):
    body = gql(server, QUERY, {"v": [1, 0], "w": [1], "p": None})
    assert body["errors"][0]["message"] == ("Variable '$w' has invalid value: Expected value of type 'JSONMap', "
                                            "but encountered error 'expected an object'; found: [1].")
