"""Regression tests for the faults the fuzzers found, each answered as a client error now."""

from __future__ import annotations

import grpc
import pytest
from starlette.testclient import TestClient

from tests.fuzz import dataset
from weavebind.server.app import create_app
from weavebind.server.grpc.proto import batch_pb2, weaviate_pb2_grpc


@pytest.fixture
def seeded(make_settings, database_url):
    with TestClient(create_app(make_settings(WEAVEBIND_DATABASE_URL=database_url))) as client:
        dataset.seed(client)
        yield client


def graphql_errors(client, query: str) -> list[str]:
    response = client.post("/v1/graphql", json={"query": query})
    assert response.status_code == 200, response.text
    return [e["message"] for e in response.json().get("errors") or []]


def test_sort_with_a_null_item(seeded):
    # GraphQL lets `sort` hold null; it was an AttributeError ("internal error").
    assert graphql_errors(seeded, "{Get{Article(sort:[null]){title}}}") == [
        "sort parameter at position 0: path parameter cannot be empty"]
    assert graphql_errors(seeded, '{Get{Article(sort:[{path:["title"]}, null]){title}}}') == [
        "sort parameter at position 1: path parameter cannot be empty"]


def test_group_by_with_a_null_item(seeded):
    # GraphQL lets `groupBy` hold null; it was a TypeError ("internal error") joining the path.
    assert graphql_errors(seeded, "{Aggregate{Author(groupBy:[null]){meta{count}}}}") == [
        "could not extract groupBy path: no such prop with name '' found in class 'Author' in the schema. Check "
        "your schema files for which properties in this class are available"]


@pytest.mark.parametrize("number", [float("inf"), float("nan")])
def test_batch_object_with_a_number_json_cannot_hold(seeded, number):
    # An infinite or NaN number in a gRPC object's properties was a ValueError ("internal error", INTERNAL).
    before = dataset.digest(seeded.app.state.store)
    obj = batch_pb2.BatchObject(collection="Author", uuid=dataset.AUTHORS[0])
    obj.properties.non_ref_properties.update({"age": number})
    with grpc.insecure_channel(f"127.0.0.1:{seeded.app.state.grpc_port}") as channel:
        reply = weaviate_pb2_grpc.WeaviateStub(channel).BatchObjects(
            batch_pb2.BatchObjectsRequest(objects=[obj]), timeout=30)
    assert [(e.index, e.error.startswith("invalid object: non_ref_properties: ")) for e in reply.errors] == [(0, True)]
    assert dataset.digest(seeded.app.state.store) == before
