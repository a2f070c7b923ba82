"""BatchObjects is registered stream-unary on the server so that it can drop its message once converted
(grpc/calls.reading_itself): the v4 client's unary call works unchanged, a large object round-trips, metrics still
count the call, and a call that carries no message is the client's mistake (after authentication)."""

from __future__ import annotations

import base64
import os
import uuid

import grpc
from google.protobuf import struct_pb2

from tests.server.grpc.test_search import KEYS
from weavebind import metrics
from weavebind.server.grpc.proto import batch_pb2

CLASS = {"class": "Blobs", "vectorizer": "none",
         "properties": [{"name": "title", "dataType": ["text"]}, {"name": "image", "dataType": ["blob"]}]}
PATH = "/weaviate.v1.Weaviate/BatchObjects"


def _object(blob: str, uid: str) -> batch_pb2.BatchObject:
    props = struct_pb2.Struct()
    props.update({"title": "big", "image": blob})
    return batch_pb2.BatchObject(uuid=uid, collection="Blobs",
                                 properties=batch_pb2.BatchObject.Properties(non_ref_properties=props))


def _count() -> float:
    return metrics.REGISTRY.get_sample_value("weaviate_grpc_server_request_duration_seconds_count", {
        "grpc_service": "weaviate.v1.Weaviate", "method": "BatchObjects", "status": "OK"}) or 0.0


def test_a_large_object_round_trips_and_the_call_is_counted(client, rpc):
    client.post("/v1/schema", json=CLASS).raise_for_status()
    blob = base64.b64encode(os.urandom(3 * 1024 * 1024)).decode()  # 4 MiB: over LARGE_MESSAGE and LARGE_VALUE
    uid, small = str(uuid.uuid4()), str(uuid.uuid4())
    before = _count()
    reply = rpc.BatchObjects(batch_pb2.BatchObjectsRequest(objects=[_object(blob, uid), _object("aGk=", small)]))
    assert list(reply.errors) == [] and reply.took > 0
    assert _count() == before + 1
    stored = client.get(f"/v1/objects/Blobs/{uid}").json()
    assert stored["properties"] == {"title": "big", "image": blob}
    assert client.get(f"/v1/objects/Blobs/{small}").json()["properties"]["image"] == "aGk="


def test_bad_objects_keep_their_positions(client, rpc):
    client.post("/v1/schema", json=CLASS).raise_for_status()
    bad = batch_pb2.BatchObject(uuid="not-a-uuid", collection="Blobs")
    reply = rpc.BatchObjects(batch_pb2.BatchObjectsRequest(objects=[_object("aGk=", str(uuid.uuid4())), bad]))
    assert [e.index for e in reply.errors] == [1]


def _no_message(rpc, metadata=()) -> grpc.RpcError:
    call = rpc.channel.stream_unary(PATH, request_serializer=bytes, response_deserializer=bytes)
    try:
        call(iter(()), metadata=metadata, timeout=30)
    except grpc.RpcError as exc:
        return exc
    raise AssertionError("a BatchObjects call without a message was answered")


def test_a_call_without_a_message_is_invalid_argument_after_authentication(make_local_client, make_rpc):
    rpc = make_rpc(make_local_client(**KEYS))
    assert _no_message(rpc).code() == grpc.StatusCode.UNAUTHENTICATED
    error = _no_message(rpc, (("authorization", "Bearer admin-key"),))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "no request message" in error.details()
