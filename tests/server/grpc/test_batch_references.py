"""gRPC BatchReferences (the v4 client's `batch.add_reference` and `data.reference_add_many`): each reference
is appended through the REST batch-reference use-case; failures come back per index."""

from __future__ import annotations

import pytest

from tests.rest import ID1, ID2, ID3, MISSING, add_object, create_class, get_object, text_props
from weavebind.server.grpc.proto import batch_pb2

Ref = batch_pb2.BatchReference


def _setup(client):
    create_class(client, "Author", text_props("name"), vectorizer="none")
    create_class(client, "Book", [*text_props("title"), {"name": "writtenBy", "dataType": ["Author"]}],
                 vectorizer="none")
    add_object(client, "Author", ID1, {"name": "Ann"})
    add_object(client, "Author", ID2, {"name": "Bob"})
    add_object(client, "Book", ID3, {"title": "one"}, vector=[1, 0])


def test_references_are_appended_and_errors_reported_by_index(client, rpc):
    _setup(client)
    reply = rpc.BatchReferences(batch_pb2.BatchReferencesRequest(references=[
        Ref(name="writtenBy", from_collection="Book", from_uuid=ID3, to_collection="Author", to_uuid=ID1),
        Ref(name="writtenBy", from_collection="Book", from_uuid=ID3, to_uuid=ID2),  # class taken from the schema
        Ref(name="title", from_collection="Book", from_uuid=ID3, to_uuid=ID1),
        Ref(name="writtenBy", from_collection="Nope", from_uuid=ID3, to_uuid=ID1),
        Ref(name="writtenBy", from_collection="Book", from_uuid=MISSING, to_uuid=ID1),
        Ref(name="writtenBy", from_collection="Book", from_uuid="bad", to_uuid=ID1),
        Ref(name="writtenBy", from_collection="Book", from_uuid=ID3, to_uuid=ID1, tenant="t"),
    ]))
    errors = {e.index: e.error for e in reply.errors}
    assert sorted(errors) == [2, 3, 4, 5, 6]
    assert errors[2] == "property 'title' is not a reference-type"
    assert errors[3] == "class Nope does not exist"
    assert errors[4] == f"source object Book/{MISSING} not found"
    assert "is not a uuid" in errors[5]
    assert "multi-tenancy" in errors[6]
    stored = get_object(client, "Book", ID3)
    assert stored["properties"]["writtenBy"] == [{"beacon": f"weaviate://localhost/Author/{ID1}"},
                                                 {"beacon": f"weaviate://localhost/Author/{ID2}"}]
    assert stored["vector"] == pytest.approx([1, 0])
    assert reply.took >= 0


def test_an_empty_request_stores_nothing(client, rpc):
    _setup(client)
    assert not rpc.BatchReferences(batch_pb2.BatchReferencesRequest()).errors
    assert "writtenBy" not in get_object(client, "Book", ID3)["properties"]
