"""Search over gRPC with `ref_properties`: the referenced objects' properties and ids, as the v4 client reads them
(`return_references=QueryReference(...)`)."""

from __future__ import annotations

import uuid

from tests.rest import ID1, ID2, ID3, ID4, MISSING, add_object, create_class, text_props
from tests.server.grpc.test_search import by_id
from weavebind.server.grpc.proto import search_get_pb2

Request = search_get_pb2.SearchRequest
Props = search_get_pb2.PropertiesRequest
Ref = search_get_pb2.RefPropertiesRequest


def beacon(cls: str, uid: str) -> dict:
    return {"beacon": f"weaviate://localhost/{cls}/{uid}"}


def _setup(client):
    create_class(client, "Author", [*text_props("name"), {"name": "age", "dataType": ["int"]}])
    create_class(client, "Book", [*text_props("title"), {"name": "writtenBy", "dataType": ["Author"]}])
    add_object(client, "Author", ID1, {"name": "Ann", "age": 40})
    add_object(client, "Author", ID2, {"name": "Bob", "age": 50})
    add_object(client, "Book", ID3, {"title": "one", "writtenBy": [beacon("Author", ID2), beacon("Author", ID1),
                                                                   beacon("Author", MISSING)]})
    add_object(client, "Book", ID4, {"title": "two"})


def _search(rpc, uid: str, ref: Ref) -> search_get_pb2.PropertiesResult:
    reply = rpc.Search(Request(collection="Book", filters=by_id(uid), uses_127_api=True,
                               properties=Props(non_ref_properties=["title"], ref_properties=[ref])))
    [result] = reply.results
    return result.properties


def test_ref_properties_return_the_referenced_objects_in_beacon_order(client, rpc):
    _setup(client)
    props = _search(rpc, ID3, Ref(reference_property="writtenBy", properties=Props(non_ref_properties=["name"])))
    assert props.ref_props_requested and props.non_ref_props.fields["title"].text_value == "one"
    [ref] = props.ref_props
    assert ref.prop_name == "writtenBy"
    assert [r.target_collection for r in ref.properties] == ["Author", "Author"]  # the dangling one left out
    assert [uuid.UUID(bytes=r.metadata.id_as_bytes) for r in ref.properties] == [uuid.UUID(ID2), uuid.UUID(ID1)]
    assert [set(r.non_ref_props.fields) for r in ref.properties] == [{"name"}, {"name"}]
    assert [r.non_ref_props.fields["name"].text_value for r in ref.properties] == ["Bob", "Ann"]


def test_ref_properties_default_to_all_properties_and_asked_metadata(client, rpc):
    _setup(client)
    metadata = search_get_pb2.MetadataRequest(uuid=True, creation_time_unix=True)
    props = _search(rpc, ID3, Ref(reference_property="writtenBy", metadata=metadata))
    first = props.ref_props[0].properties[0]
    assert set(first.non_ref_props.fields) == {"name", "age"} and first.non_ref_props.fields["age"].int_value == 50
    assert first.metadata.creation_time_unix_present and not first.metadata.distance_present


def test_object_without_the_reference_reports_it_requested_but_empty(client, rpc):
    _setup(client)
    props = _search(rpc, ID4, Ref(reference_property="writtenBy"))
    assert props.ref_props_requested and len(props.ref_props) == 0


def test_target_collection_keeps_only_that_class_and_nested_references_resolve(client, rpc):
    _setup(client)
    create_class(client, "Review", [*text_props("text"), {"name": "about", "dataType": ["Book", "Author"]}])
    add_object(client, "Review", None, {"text": "good", "about": [beacon("Author", ID1), beacon("Book", ID3)]})
    nested = Ref(reference_property="writtenBy", properties=Props(non_ref_properties=["name"]))
    ref = Ref(reference_property="about", target_collection="Book",
              properties=Props(non_ref_properties=["title"], ref_properties=[nested]))
    reply = rpc.Search(Request(collection="Review", properties=Props(ref_properties=[ref]), uses_127_api=True))
    [book] = reply.results[0].properties.ref_props[0].properties
    assert book.target_collection == "Book" and uuid.UUID(bytes=book.metadata.id_as_bytes) == uuid.UUID(ID3)
    assert [a.non_ref_props.fields["name"].text_value for a in book.ref_props[0].properties] == ["Bob", "Ann"]


def test_search_without_ref_properties_reports_none_requested(client, rpc):
    _setup(client)
    reply = rpc.Search(Request(collection="Book", filters=by_id(ID3), uses_127_api=True))
    props = reply.results[0].properties
    assert not props.ref_props_requested and len(props.ref_props) == 0
    assert "writtenBy" not in props.non_ref_props.fields
