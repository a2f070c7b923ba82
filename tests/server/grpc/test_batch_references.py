"""gRPC BatchReferences (the v4 client's `batch.add_reference` and `data.reference_add_many`): each reference
is appended through the REST batch-reference use-case; failures come back per index."""

from __future__ import annotations

import grpc
import pytest

from tests.rest import ID1, ID2, ID3, MISSING, add_object, create_class, get_object, text_props
from weavebind.server.grpc.proto import base_pb2, batch_pb2, search_get_pb2

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


# -- filtering on references over gRPC (the v4 client's Filter.by_ref / by_ref_count) --------------------------

def _titles(rpc, where: base_pb2.Filters) -> list[str]:
    reply = rpc.Search(search_get_pb2.SearchRequest(
        collection="Book", filters=where, uses_127_api=True,
        properties=search_get_pb2.PropertiesRequest(non_ref_properties=["title"])))
    return sorted(r.properties.non_ref_props.fields["title"].text_value for r in reply.results)


def test_search_filters_on_a_referenced_property_and_on_reference_counts(client, rpc):
    _setup(client)
    add_object(client, "Book", MISSING, {"title": "two", "writtenBy": [
        {"beacon": f"weaviate://localhost/Author/{ID1}"}, {"beacon": f"weaviate://localhost/Author/{ID2}"}]})
    rpc.BatchReferences(batch_pb2.BatchReferencesRequest(references=[
        Ref(name="writtenBy", from_collection="Book", from_uuid=ID3, to_collection="Author", to_uuid=ID2)]))
    F, T = base_pb2.Filters, base_pb2.FilterTarget
    by_name = F(operator=F.OPERATOR_EQUAL, value_text="Ann", target=T(
        single_target=base_pb2.FilterReferenceSingleTarget(on="writtenBy", target=T(property="name"))))
    assert _titles(rpc, by_name) == ["two"]
    by_name.value_text = "Bob"
    assert _titles(rpc, by_name) == ["one", "two"]
    count = F(operator=F.OPERATOR_GREATER_THAN, value_int=1,
              target=T(count=base_pb2.FilterReferenceCount(on="writtenBy")))
    assert _titles(rpc, count) == ["two"]
    bad = F(operator=F.OPERATOR_EQUAL, value_text="x", target=T(multi_target=base_pb2.FilterReferenceMultiTarget(
        on="writtenBy", target_collection="Nope", target=T(property="name"))))
    error = rpc.error("Search", search_get_pb2.SearchRequest(collection="Book", filters=bad, uses_127_api=True))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert 'class "Nope" does not exist in schema' in error.details()
