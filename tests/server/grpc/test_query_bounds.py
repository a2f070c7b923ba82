"""Every count a gRPC query carries (limit, offset, object_limit) is checked against its bound before a search runs:
INVALID_ARGUMENT naming the argument and the bound, never INTERNAL."""

from __future__ import annotations

import grpc
import pytest

from tests.rest import add_object, create_class
from weavebind.server.grpc.proto import aggregate_pb2, base_search_pb2, search_get_pb2

NEAR = base_search_pb2.NearVector(vector=[1.0, 0.5])


def _setup(client) -> None:
    create_class(client, "V", [{"name": "t", "dataType": ["text"]}], vectorizer="none")
    for i in range(5):
        add_object(client, "V", properties={"t": f"x{i}"}, vector=[1.0, float(i)])


@pytest.mark.parametrize("object_limit", [2**32 - 1, 2**31, 10001])
def test_an_aggregate_object_limit_over_the_maximum_is_invalid_argument(local_client, make_rpc, object_limit):
    _setup(local_client)
    rpc = make_rpc(local_client)
    for search in ({"near_vector": NEAR}, {"hybrid": base_search_pb2.Hybrid(query="x", alpha=0.5)}):
        request = aggregate_pb2.AggregateRequest(collection="V", object_limit=object_limit, objects_count=True,
                                                 **search)
        error = rpc.error("Aggregate", request)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error.details()
        assert f"invalid objectLimit '{object_limit}'" in error.details()
        assert "QUERY_MAXIMUM_RESULTS '10000'" in error.details()


def test_an_object_limit_within_the_maximum_still_answers(local_client, make_rpc):
    _setup(local_client)
    reply = make_rpc(local_client).Aggregate(aggregate_pb2.AggregateRequest(
        collection="V", object_limit=10000, near_vector=NEAR, objects_count=True))
    assert reply.single_result.objects_count == 5


@pytest.mark.parametrize("page", [{"limit": 2**32 - 1}, {"offset": 2**32 - 1}, {"limit": 10000, "offset": 1}])
def test_search_limit_and_offset_beyond_the_maximum_are_invalid_argument(local_client, make_rpc, page):
    _setup(local_client)
    error = make_rpc(local_client).error("Search", search_get_pb2.SearchRequest(collection="V", near_vector=NEAR,
                                                                                **page))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "exceeds the configured value for QUERY_MAXIMUM_RESULTS '10000'" in error.details()


def test_a_huge_autocut_only_counts_jumps(local_client, make_rpc):
    _setup(local_client)
    reply = make_rpc(local_client).Search(search_get_pb2.SearchRequest(collection="V", near_vector=NEAR,
                                                                       autocut=2**32 - 1))
    assert len(reply.results) == 5
