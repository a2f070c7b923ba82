"""Weaviate's error texts (spec 1.1, 1.6, 1.7, 1.12, 1.14, 1.15) and malformed requests: always a GraphQL error
in a 200 answer (or the 422s of the transport), never a 500."""

from __future__ import annotations

import pytest

from tests.graphql.conftest import add_class, add_objects, error, errors, gql

L2 = "L2DistanceClass"


@pytest.fixture(scope="module")
def server(sqlite_server):
    add_class(sqlite_server, "Books", {"title": "text", "year": "int"})
    add_objects(sqlite_server, "Books", [{"title": "Dune", "year": 1965, "vector": [1, 0, 0]},
                                         {"title": "Emma", "year": 1815, "vector": [0, 1, 0]}])
    add_class(sqlite_server, L2, {"name": "text"}, vectorIndexConfig={"distance": "l2-squared"})
    add_class(sqlite_server, "Named", {"name": "text"}, vectorConfig={
        "a": {"vectorizer": {"none": {}}, "vectorIndexType": "flat"},
        "b": {"vectorizer": {"none": {}}, "vectorIndexType": "flat"}})
    add_objects(sqlite_server, "Named", [{"name": "n", "vectors": {"a": [1, 0], "b": [0, 1]}}])
    return sqlite_server


def test_transport_errors(sqlite_server):
    no_schema = sqlite_server.post("/v1/graphql", json={"query": "{Get{X{a}}}"})
    assert no_schema.status_code == 422 and no_schema.json() == {"error": [{"message": (
        "no graphql provider present, this is most likely because no schema is present. Import a schema first!")}]}
    for body in ({}, {"query": ""}, {"query": "  "}):
        response = sqlite_server.post("/v1/graphql", json=body)
        assert response.status_code == 422 and response.json() == {"error": [{"message": "query cannot be empty"}]}
    response = sqlite_server.post("/v1/graphql", json={"query": "{Get}", "variables": [1]})
    assert response.status_code == 422
    assert response.json()["error"][0]["message"] == "variables must be a JSON object, got []interface {}"
    assert sqlite_server.post("/v1/graphql/batch", json=[]).json() == {"error": None}


def test_batch(server):
    response = server.post("/v1/graphql/batch", json=[
        {"query": "{Get{Books(limit:1){title}}}"}, {"query": ""}, {"query": "{Get{Books{nope}}}"}])
    assert response.status_code == 200
    first, empty, bad = response.json()
    assert first == {"data": {"Get": {"Books": [{"title": "Dune"}]}}} or first["data"]["Get"]["Books"]
    assert empty == {"errors": [{"message": "422: The request is well-formed but was unable to be followed due to "
                                            "semantic errors."}]}
    assert bad["errors"][0]["message"].startswith('Cannot query field "nope" on type "Books".')


def test_error_shape_for_a_resolver_error(server):
    body = gql(server, "{Get{Books(nearVector:{vector:[1,0,0]}, nearObject:{id:\"x\"}){title} "
                       "Named(limit:1){name}}}")
    assert body["data"]["Get"]["Books"] is None and body["data"]["Get"]["Named"] == [{"name": "n"}]
    assert body["errors"] == [{"locations": [{"column": 6, "line": 1}], "message": (
        "explorer: get class: vectorize params: found both 'nearVector' and 'nearObject' parameters which are "
        "conflicting, choose one instead"), "path": ["Get", "Books"]}]


def test_validation_errors_use_graphql_go_wording(server):
    body = gql(server, '{Get{Books(nearImage:{image:"x"}){title}}}')
    assert "data" not in body
    assert body["errors"][0]["message"].startswith(
        'Unknown argument "nearImage" on field "Books" of type "GetObjectsObj".')
    assert body["errors"][0]["path"] is None and body["errors"][0]["locations"] == [{"column": 12, "line": 1}]
    assert error(server, "{Get{Books{titel}}}") == 'Cannot query field "titel" on type "Books". Did you mean "title"?'
    assert errors(server, '{Explore(nearText:{concepts:["x"]}){beacon}}')[0].startswith(
        'Unknown argument "nearText" on field "Explore" of type "WeaviateObj".')


@pytest.mark.parametrize("query, message", [
    ('{Get{Books(nearVector:{vector:[1,0,0], certainty:0.5, distance:0.5}){title}}}',
     "failed to extract nearVector params: cannot provide distance and certainty"),
    ('{Get{Books(nearVector:{certainty:0.5}){title}}}',
     "failed to extract nearVector params: vector or vectorPerTarget is required field"),
    ('{Get{Books(nearObject:{id:"x", certainty:0.5, distance:0.5}){title}}}',
     "failed to extract nearObject params: cannot provide distance and certainty"),
    ('{Get{Books(bm25:{query:"x"}, sort:[{path:["title"]}]){title}}}', "bm25 search is not compatible with sort"),
    ('{Get{Books(hybrid:{query:"x"}, sort:[{path:["title"]}]){title}}}',
     "hybrid search is not compatible with sort"),
    ('{Get{Books(bm25:{query:"x"}, nearVector:{vector:[1,0,0]}){title}}}',
     "conflict: both near<Media> and keyword-based (bm25) arguments present, choose one"),
    ('{Get{Books(bm25:{query:""}){title}}}', "keyword search (bm25) must have query set"),
    (f'{{Get{{{L2}(nearVector:{{vector:[1,1,1], certainty:0.8}}){{name}}}}}}',
     "can't compute and return certainty when vector index is configured with l2-squared distance"),
    ('{Get{Books(where:{path:["title"], operator:Equal}){title}}}',
     "could not extract filters: invalid where filter: got operator 'Equal', but no value<Type> field set"),
    ('{Get{Books(where:{path:["nope"], operator:Equal, valueText:"x"}){title}}}',
     "invalid 'where' filter: no such prop with name 'nope' found in class 'Books' in the schema. Check your "
     "schema files for which properties in this class are available"),
    ('{Get{Books(where:{path:["year"], operator:Equal, valueText:"x"}){title}}}',
     "invalid 'where' filter: data type filter cannot use \"valueText\" on type \"int\", use \"valueInt\" instead"),
    ('{Get{Books(where:{path:["year"], operator:GreaterThan, valueNumber:1.5}){title}}}',
     "invalid 'where' filter: data type filter cannot use \"valueNumber\" on type \"int\", use \"valueInt\" instead"),
    ('{Get{Books(limit:10000, offset:1){title}}}',
     "query maximum results exceeded: the total limit calculated from the provided offset '1' and limit '10000' "
     "exceeds the configured value for QUERY_MAXIMUM_RESULTS '10000'. If you've supplied a negative offset or "
     "limit, this may be an underflow error"),
    ('{Get{Books(limit:0){title}}}', "explorer: list class: search: invalid pagination params: invalid default "
                                     "limit: 0"),
    ('{Get{Named(nearVector:{vector:[1,0]}){name}}}', "explorer: get class: validate target vector: multiple "
     "vectorizers configuration found, please specify target vector name"),
    ('{Get{Books(nearObject:{id:"00000000-0000-4000-8000-0000000000ff"}){title}}}',
     "explorer: get class: concurrentTargetVectorSearch): explorer: get class: vectorize search vector: "
     "nearObject params: vector not found"),
    ('{Get{Books(nearObject:{certainty:0.5}){title}}}',
     "explorer: get class: concurrentTargetVectorSearch): explorer: get class: vectorize search vector: "
     "nearObject params: empty id and beacon"),
    ('{Get{Books(hybrid:{query:"x", vector:[1,0,0], searches:[{nearVector:{vector:[1,0,0]}}]}){title}}}',
     "failed to extract hybrid params: cannot have both vector and nearVectorParams"),
    ('{Get{Books(hybrid:{query:"x"}){title}}}',
     "VectorFromInput was called without vectorizer on class Books for input x"),
    ('{Get{Books(after:"00000000-0000-4000-8000-000000000001"){title}}}',
     "cursor api: invalid 'after' parameter: limit parameter must be set"),
    ('{Get{Books(after:"00000000-0000-4000-8000-000000000001", limit:1, bm25:{query:"x"}){title}}}',
     "other params cannot be set with after and limit parameters"),
    ('{Get{Books(sort:[{path:["nope"]}]){title}}}', "sort parameter at position 0: no such prop with name 'nope' "
     "found in class 'Books' in the schema. Check your schema files for which properties in this class are "
     "available"),
    ('{Explore(limit:1){beacon}}', "invalid params: received no search params, one of [nearVector, nearObject] or "
                                   "module search params is required for an exploration"),
    ('{Aggregate{Books(nearVector:{vector:[1,0,0]}){meta{count}}}}',
     "must provide certainty or objectLimit with vector search"),
])
def test_error_texts(server, query, message):
    assert error(server, query) == message


@pytest.mark.parametrize("query", [
    "{Get{Books(", "{Get{Books(limit:\"ten\"){title}}}", "{Get{Books(limit:99999999999){title}}}",
    "{Get{Books(nearVector:{vector:\"x\"}){title}}}", "{Get{Books(nearVector:{vector:[1,2]}){title}}}",
    "{Get{Books(nearVector:{vector:[[1,0,0]]}){title}}}", "{Get{Books(where:{operator:Bogus}){title}}}",
    "{Get{Nope{title}}}", "query Q($v: Int) {Get{Books(limit: $v){title}}}", "mutation {x}",
    "{Get{Books(limit:1e400){title}}}", "{" * 5000 + "}" * 5000, "{Get{Books{title}}} {Get{Books{title}}}",
    "{Get{Books(nearObject:{beacon:\"not a beacon\"}){title}}}",
    "{Get{Books(groupBy:{path:[\"nope\"], groups:1, objectsPerGroup:1}, nearVector:{vector:[1,0,0]}){title}}}",
    "{Get{Books(hybrid:{query:\"x\", alpha:0, properties:[\"year\"]}){title}}}",
])
def test_malformed_queries_are_graphql_errors(server, query):
    response = server.post("/v1/graphql", json={"query": query, "variables": {"v": "x"}})
    assert response.status_code == 200, response.text
    assert response.json()["errors"], response.json()


def test_deeply_nested_selections_are_refused(server):
    query = "{Get{Books{" + "_additional{" * 40 + "id" + "}" * 40 + "}}}"
    assert errors(server, query)
    nested = "{Get{Books(where:" + "{operator:Not, operands:[" * 150 + '{path:["title"], operator:Equal, ' \
        'valueText:"x"}' + "]}" * 150 + "){title}}}"
    assert "nested too deeply" in error(server, nested)


def test_variables_work(server):
    body = gql(server, "query Q($n: Int, $w: WhereInpObj) {Get{Books(limit: $n, where: $w){title}}}",
               {"n": 5, "w": {"path": ["year"], "operator": "GreaterThan", "valueInt": 1900}})
    assert body == {"data": {"Get": {"Books": [{"title": "Dune"}]}}}
