"""BatchObjects and BatchDelete over gRPC: the REST batch use-cases, per-object errors, status codes."""

from __future__ import annotations

import struct
import uuid

import grpc

from tests.rest import ID1, ID2, ID3, create_class, get_object, stored_count, text_props
from weavebind.server.grpc.proto import base_pb2, batch_delete_pb2, batch_pb2

Filters = base_pb2.Filters


def f32(*values: float) -> bytes:
    return struct.pack(f"<{len(values)}f", *values)


def props(**values) -> batch_pb2.BatchObject.Properties:
    message = batch_pb2.BatchObject.Properties()
    message.non_ref_properties.update(values)
    return message


def obj(uid: str, cls: str = "Doc", vector: bytes = b"", **values) -> batch_pb2.BatchObject:
    return batch_pb2.BatchObject(uuid=uid, collection=cls, properties=props(**values), vector_bytes=vector)


def test_batch_objects_stores_objects_with_properties_and_vectors(client, rpc):
    create_class(client, "Doc", [*text_props("title"), {"name": "n", "dataType": ["int"]},
                                 {"name": "tags", "dataType": ["text[]"]},
                                 {"name": "scores", "dataType": ["number[]"]}])
    message = obj(ID1, vector=f32(1, 2, 3), title="one", n=1)
    message.properties.text_array_properties.add(prop_name="tags", values=["a", "b"])
    message.properties.number_array_properties.add(prop_name="scores", values_bytes=struct.pack("<2d", 0.5, 1.5))
    reply = rpc.BatchObjects(batch_pb2.BatchObjectsRequest(objects=[message, obj(ID2, title="two", n=2)]))
    assert list(reply.errors) == []
    stored = get_object(client, "Doc", ID1)
    assert stored["properties"] == {"title": "one", "n": 1, "tags": ["a", "b"], "scores": [0.5, 1.5]}
    assert stored["vector"] == [1, 2, 3]
    assert get_object(client, "Doc", ID2)["properties"]["n"] == 2


def test_named_vectors_and_references_are_translated(client, rpc):
    create_class(client, "Doc", text_props("title"), vectorConfig={"a": {}, "b": {}})
    message = obj(ID1, title="x")
    message.vectors.add(name="a", vector_bytes=f32(1, 0), type=base_pb2.Vectors.VECTOR_TYPE_SINGLE_FP32)
    message.vectors.add(name="b", vector_bytes=f32(0, 1, 1))
    assert list(rpc.BatchObjects(batch_pb2.BatchObjectsRequest(objects=[message])).errors) == []
    assert get_object(client, "Doc", ID1)["vectors"] == {"a": [1, 0], "b": [0, 1, 1]}


def test_one_bad_object_fails_alone_with_its_index(make_client, make_rpc):
    client = make_client(AUTOSCHEMA_ENABLED="false")
    rpc = make_rpc(client)
    create_class(client, "Doc", text_props("title"))
    objects = [obj(ID1, vector=f32(1, 2), title="ok"), obj(ID2, vector=b"\x00\x00\x80", title="bad bytes"),
               obj(ID3, title="x", unknown="y"), obj(str(uuid.uuid4()), vector=f32(1, 2, 3), title="bad dims"),
               obj(str(uuid.uuid4()), cls="Missing", title="x")]
    errors = {e.index: e.error for e in rpc.BatchObjects(batch_pb2.BatchObjectsRequest(objects=objects)).errors}
    assert set(errors) == {1, 2, 3, 4}
    assert "not a whole number of float32 values" in errors[1]
    assert "no such prop with name 'unknown'" in errors[2]
    assert "vector with length 3" in errors[3]
    assert 'class "Missing" not found in schema' in errors[4]
    assert stored_count(client, "Doc") == 1


def where_n(operator, value) -> Filters:
    return Filters(operator=operator, target=base_pb2.FilterTarget(property="n"), value_int=value)


def test_batch_delete_translates_filters_and_reports_counts(client, rpc):
    create_class(client, "Doc", [{"name": "n", "dataType": ["int"]}])
    ids = [str(uuid.UUID(int=i + 1)) for i in range(5)]
    rpc.BatchObjects(batch_pb2.BatchObjectsRequest(objects=[obj(uid, n=i) for i, uid in enumerate(ids)]))
    both = Filters(operator=Filters.OPERATOR_AND, filters=[where_n(Filters.OPERATOR_GREATER_THAN_EQUAL, 1),
                                                           where_n(Filters.OPERATOR_LESS_THAN, 3)])
    dry = rpc.BatchDelete(batch_delete_pb2.BatchDeleteRequest(collection="Doc", filters=both, dry_run=True))
    assert (dry.matches, dry.successful, len(dry.objects), stored_count(client, "Doc")) == (2, 2, 0, 5)
    listed = rpc.BatchDelete(batch_delete_pb2.BatchDeleteRequest(collection="Doc", filters=both, dry_run=True,
                                                                 verbose=True))
    assert sorted(str(uuid.UUID(bytes=o.uuid)) for o in listed.objects if o.successful) == sorted(ids[1:3])
    assert stored_count(client, "Doc") == 5
    done = rpc.BatchDelete(batch_delete_pb2.BatchDeleteRequest(collection="Doc", filters=both, verbose=True))
    assert (done.matches, done.successful, done.failed) == (2, 2, 0)
    assert sorted(str(uuid.UUID(bytes=o.uuid)) for o in done.objects) == sorted(ids[1:3])
    assert stored_count(client, "Doc") == 3


def test_batch_delete_errors_have_status_codes_and_the_server_keeps_serving(local_client, make_rpc):
    rpc = make_rpc(local_client)
    create_class(local_client, "Doc", [{"name": "n", "dataType": ["int"]}])
    missing = rpc.error("BatchDelete", batch_delete_pb2.BatchDeleteRequest(
        collection="Nope", filters=where_n(Filters.OPERATOR_EQUAL, 1)))
    assert missing.code() == grpc.StatusCode.NOT_FOUND and "Nope" in missing.details()
    bad = Filters(operator=Filters.OPERATOR_EQUAL, target=base_pb2.FilterTarget(property="n"), value_text="x")
    invalid = rpc.error("BatchDelete", batch_delete_pb2.BatchDeleteRequest(collection="Doc", filters=bad))
    assert invalid.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert 'data type filter cannot use "valueText" on type "int"' in invalid.details()
    unknown = rpc.error("BatchDelete", batch_delete_pb2.BatchDeleteRequest(
        collection="Doc", filters=Filters(operator=Filters.OPERATOR_EQUAL, on=["ghost"], value_int=1)))
    assert "no such prop with name 'ghost'" in unknown.details()
    no_filter = rpc.error("BatchDelete", batch_delete_pb2.BatchDeleteRequest(collection="Doc"))
    assert no_filter.details() == "no filters in batch delete request"
    assert rpc.BatchDelete(batch_delete_pb2.BatchDeleteRequest(
        collection="Doc", filters=where_n(Filters.OPERATOR_EQUAL, 1))).matches == 0
