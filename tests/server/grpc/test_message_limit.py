"""The gRPC message limit is WEAVEBIND_MAX_REQUEST_BYTES, as for REST and GraphQL bodies, and /v1/meta advertises
it (the v4 client sizes its channel by `grpcMaxMessageSize`)."""

from __future__ import annotations

import grpc
from google.protobuf import struct_pb2

from tests.rest import ID1, ID2, create_class, expect, stored_count, text_props
from weavebind.server.grpc.proto import batch_pb2


def _batch(uid: str, text: str) -> batch_pb2.BatchObjectsRequest:
    props = struct_pb2.Struct()
    props.update({"text": text})
    return batch_pb2.BatchObjectsRequest(objects=[batch_pb2.BatchObject(
        uuid=uid, collection="Doc", properties=batch_pb2.BatchObject.Properties(non_ref_properties=props))])


def test_a_message_over_the_limit_is_resource_exhausted_and_nothing_is_stored(make_client, make_rpc):
    client = make_client(WEAVEBIND_MAX_REQUEST_BYTES="100000")
    rpc = make_rpc(client)
    assert expect(client.get("/v1/meta"))["grpcMaxMessageSize"] == 100000
    create_class(client, "Doc", text_props("text"))
    error = rpc.error("BatchObjects", _batch(ID1, "x" * 200_000))
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert stored_count(client, "Doc") == 0
    assert not rpc.BatchObjects(_batch(ID2, "y" * 1000)).errors  # the server goes on
    assert stored_count(client, "Doc") == 1
