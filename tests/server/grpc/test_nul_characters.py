"""A NUL character (U+0000) in text over gRPC: INVALID_ARGUMENT for a filter, an item error in a batch, on both
databases (the rule: tests/server/test_nul_characters.py)."""

from __future__ import annotations

import grpc
from google.protobuf import struct_pb2

from tests.rest import ID2, ID3, stored_count
from tests.server.test_nul_characters import NUL, make_docs
from weavebind.server.grpc.proto import base_pb2, batch_pb2, search_get_pb2


def test_a_filter_value_with_nul_is_invalid_argument(client, rpc):
    make_docs(client)
    filters = base_pb2.Filters(operator=base_pb2.Filters.OPERATOR_EQUAL, on=["title"], value_text=NUL)
    error = rpc.error("Search", search_get_pb2.SearchRequest(collection="Doc", filters=filters, uses_127_api=True))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "NUL" in error.details()
    assert stored_count(client, "Doc") == 1
    ok = base_pb2.Filters(operator=base_pb2.Filters.OPERATOR_EQUAL, on=["title"], value_text="plain")
    reply = rpc.Search(search_get_pb2.SearchRequest(collection="Doc", filters=ok, uses_127_api=True))
    assert len(reply.results) == 1


def test_grpc_batch_refuses_the_item_with_nul(client, rpc):
    make_docs(client)
    items = [batch_pb2.BatchObject(uuid=ID2, collection="Doc", properties=batch_pb2.BatchObject.Properties(
                 non_ref_properties=_struct({"title": NUL}))),
             batch_pb2.BatchObject(uuid=ID3, collection="Doc", properties=batch_pb2.BatchObject.Properties(
                 non_ref_properties=_struct({"title": "fine"})))]
    reply = rpc.BatchObjects(batch_pb2.BatchObjectsRequest(objects=items))
    assert [e.index for e in reply.errors] == [0] and "'title'" in reply.errors[0].error
    assert stored_count(client, "Doc") == 2


def _struct(values: dict) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(values)
    return struct
