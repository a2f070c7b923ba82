"""A READONLY shard (PUT /v1/schema/{className}/shards/{shardName}) refuses gRPC batch writes too."""

from __future__ import annotations

import grpc

from tests.rest import ID1, ID2, add_object, create_class, expect, stored_count
from weavebind.server.grpc.proto import base_pb2, batch_delete_pb2, batch_pb2
from weavebind.storage.shards import shard_name


def test_readonly_refuses_grpc_batches(client, rpc):
    create_class(client, "Doc", [{"name": "title", "dataType": ["text"]}])
    add_object(client, "Doc", ID1, {"title": "kept"}, vector=[1, 0])
    expect(client.put(f"/v1/schema/Doc/shards/{shard_name('Doc')}", json={"status": "READONLY"}))
    request = batch_pb2.BatchObjectsRequest(objects=[batch_pb2.BatchObject(uuid=ID2, collection="Doc")])
    [error] = rpc.BatchObjects(request).errors
    assert error.index == 0 and "store is read-only" in error.error
    where = base_pb2.Filters(operator=base_pb2.Filters.OPERATOR_EQUAL, target=base_pb2.FilterTarget(
        property="title"), value_text="kept")
    failure = rpc.error("BatchDelete", batch_delete_pb2.BatchDeleteRequest(collection="Doc", filters=where))
    assert failure.code() == grpc.StatusCode.INVALID_ARGUMENT and "store is read-only" in failure.details()
    assert stored_count(client, "Doc") == 1
