"""Query shapes of the newest v4 client: explain_score on plain fetches, QueryNested selections with typed nested
values, several query vectors for one target (multi_fp32) with every combination method, hybrid's vector-leg
thresholds, unknown properties and generative arguments refused."""

from __future__ import annotations

import struct

import grpc
import pytest
from weaviate.proto.v1 import generative_pb2

from tests.rest import ID1, ID2, ID3, add_object, create_class
from tests.server.grpc.test_batch import f32
from weavebind.server.grpc.proto import base_pb2, base_search_pb2, search_get_pb2

Request = search_get_pb2.SearchRequest
MULTI = base_pb2.Vectors.VECTOR_TYPE_MULTI_FP32
S = 0.5 ** 0.5


def _multi(*vectors: list[float]) -> bytes:
    flat = [x for v in vectors for x in v]
    return struct.pack("<H", len(vectors[0])) + struct.pack(f"<{len(flat)}f", *flat)


def _named(client) -> None:
    create_class(client, "Multi", [{"name": "n", "dataType": ["int"]}],
                 vectorConfig={"a": {"vectorizer": {"none": {}}, "vectorIndexType": "hnsw"}})
    for uid, n, vector in ((ID1, 1, [1, 0]), (ID2, 2, [0, 1]), (ID3, 3, [S, S])):
        add_object(client, "Multi", uid, {"n": n}, vectors={"a": vector})


def _two_vectors(combination: int, weights=()) -> base_search_pb2.NearVector:
    """What the client sends for near_vector={"a": [[1, 0], [0, 1]]} with a TargetVectors join (Weaviate ≥ 1.29)."""
    targets = base_search_pb2.Targets(target_vectors=["a"] * (len(weights) or 1), combination=combination,
                                      weights_for_targets=[base_search_pb2.WeightsForTarget(target="a", weight=w)
                                                           for w in weights])
    return base_search_pb2.NearVector(targets=targets, vector_for_targets=[base_search_pb2.VectorForTarget(
        name="a", vectors=[base_pb2.Vectors(name="a", vector_bytes=_multi([1, 0], [0, 1]), type=MULTI)])])


def _ranked(rpc, near) -> list[tuple[int, float]]:
    reply = rpc.Search(Request(collection="Multi", near_vector=near, limit=3, uses_127_api=True,
                               metadata=search_get_pb2.MetadataRequest(distance=True)))
    return [(r.properties.non_ref_props.fields["n"].int_value, round(r.metadata.distance, 3)) for r in reply.results]


@pytest.mark.parametrize(("combination", "weights", "expected"), [
    (base_search_pb2.COMBINATION_METHOD_TYPE_SUM, (), [(3, 0.586), (1, 1.0), (2, 1.0)]),
    (base_search_pb2.COMBINATION_METHOD_TYPE_AVERAGE, (), [(3, 0.293), (1, 0.5), (2, 0.5)]),
    (base_search_pb2.COMBINATION_METHOD_TYPE_MIN, (), [(1, 0.0), (2, 0.0), (3, 0.293)]),
    (base_search_pb2.COMBINATION_METHOD_TYPE_MANUAL, (2.0, 0.5), [(1, 0.5), (3, 0.732), (2, 2.0)]),
    (base_search_pb2.COMBINATION_METHOD_TYPE_RELATIVE_SCORE, (1.0, 1.0), [(3, 0.586), (1, 1.0), (2, 1.0)]),
])
def test_several_query_vectors_for_one_target_combine_like_weaviate(client, rpc, combination, weights, expected):
    _named(client)
    assert _ranked(rpc, _two_vectors(combination, weights)) == expected


def test_one_target_named_twice_with_one_vector_is_invalid_argument_not_a_crash(client, rpc):
    _named(client)
    near = base_search_pb2.NearVector(
        vector_for_targets=[base_search_pb2.VectorForTarget(name="a", vector_bytes=f32(1, 0))],
        targets=base_search_pb2.Targets(target_vectors=["a", "a"],
                                        combination=base_search_pb2.COMBINATION_METHOD_TYPE_MANUAL,
                                        weights_for_targets=[base_search_pb2.WeightsForTarget(target="a", weight=1),
                                                             base_search_pb2.WeightsForTarget(target="a", weight=2)]))
    error = rpc.error("Search", Request(collection="Multi", near_vector=near))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "number of weights (2)" in error.details()
    bad = base_search_pb2.NearVector(vector_for_targets=[base_search_pb2.VectorForTarget(
        name="a", vectors=[base_pb2.Vectors(name="a", vector_bytes=b"\x02\x00" + f32(1, 0, 0), type=MULTI)])])
    error = rpc.error("Search", Request(collection="Multi", near_vector=bad))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "multi-vector" in error.details()


def test_hybrid_vector_leg_honours_max_vector_distance_and_near_vector_thresholds(client, rpc):
    _named(client)

    def found(**hybrid) -> list[int]:
        message = base_search_pb2.Hybrid(query="", alpha=1.0, target_vectors=["a"], **hybrid)
        reply = rpc.Search(Request(collection="Multi", hybrid_search=message, limit=3))
        return sorted(r.properties.non_ref_props.fields["n"].int_value for r in reply.results)

    assert found(vector_bytes=f32(1, 0)) == [1, 2, 3]
    assert found(vector_bytes=f32(1, 0), vector_distance=0.3) == [1, 3]
    assert found(near_vector=base_search_pb2.NearVector(vector_bytes=f32(1, 0), distance=0.1)) == [1]
    assert found(near_vector=base_search_pb2.NearVector(vector_bytes=f32(1, 0), certainty=0.8)) == [1, 3]


def test_plain_fetch_marks_explain_score_present_and_empty(client, rpc):
    _named(client)
    reply = rpc.Search(Request(collection="Multi", limit=1, uses_127_api=True,
                               metadata=search_get_pb2.MetadataRequest(explain_score=True)))
    assert reply.results[0].metadata.explain_score_present and reply.results[0].metadata.explain_score == ""


def test_query_nested_returns_only_the_fields_asked_for_with_dates_typed(client, rpc):
    create_class(client, "Nest", [{"name": "meta", "dataType": ["object"], "nestedProperties": [
        {"name": "when", "dataType": ["date"]}, {"name": "tag", "dataType": ["text"]},
        {"name": "inner", "dataType": ["object"], "nestedProperties": [{"name": "x", "dataType": ["int"]},
                                                                       {"name": "y", "dataType": ["text"]}]}]},
        {"name": "list", "dataType": ["object[]"], "nestedProperties": [{"name": "on", "dataType": ["date[]"]}]}])
    add_object(client, "Nest", ID1, {"meta": {"when": "2024-01-02T03:04:05Z", "tag": "t", "inner": {"x": 1, "y": "z"}},
                                     "list": [{"on": ["2024-01-02T03:04:05Z"]}]})
    wanted = search_get_pb2.ObjectPropertiesRequest(prop_name="meta", primitive_properties=["when"], object_properties=[
        search_get_pb2.ObjectPropertiesRequest(prop_name="inner", primitive_properties=["x"])])
    reply = rpc.Search(Request(collection="Nest", uses_127_api=True,
                               properties=search_get_pb2.PropertiesRequest(object_properties=[wanted])))
    fields = reply.results[0].properties.non_ref_props.fields
    assert set(fields) == {"meta"}
    meta = fields["meta"].object_value.fields
    assert set(meta) == {"when", "inner"} and meta["when"].HasField("date_value")
    assert dict(meta["inner"].object_value.fields)["x"].int_value == 1 and "y" not in meta["inner"].object_value.fields
    whole = rpc.Search(Request(collection="Nest", uses_127_api=True)).results[0].properties.non_ref_props.fields
    assert whole["meta"].object_value.fields["when"].HasField("date_value")
    [item] = whole["list"].list_value.object_values.values
    assert item.fields["on"].list_value.HasField("date_values")
    ghost = search_get_pb2.ObjectPropertiesRequest(prop_name="meta", primitive_properties=["ghost"])
    error = rpc.error("Search", Request(collection="Nest", properties=search_get_pb2.PropertiesRequest(
        object_properties=[ghost])))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "ghost" in error.details()


def test_unknown_property_and_generative_without_a_module_are_invalid_argument(client, rpc):
    _named(client)
    error = rpc.error("Search", Request(collection="Multi", properties=search_get_pb2.PropertiesRequest(
        non_ref_properties=["n", "ghost"])))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details().startswith("no such prop with name 'ghost' found in class 'Multi'")
    error = rpc.error("Search", Request(collection="Multi", generative=generative_pb2.GenerativeSearch(
        single_response_prompt="say {n}")))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "generative module" in error.details()
    assert len(rpc.Search(Request(collection="Multi")).results) == 3


def test_phone_numbers_come_back_parsed_over_grpc_and_graphql(client, rpc):
    create_class(client, "Ph", [{"name": "phone", "dataType": ["phoneNumber"]}])
    add_object(client, "Ph", ID1, {"phone": {"input": "020 1234567", "defaultCountry": "nl"}})
    phone = rpc.Search(Request(collection="Ph", uses_127_api=True)).results[0].properties.non_ref_props.fields[
        "phone"].phone_value
    assert (phone.input, phone.country_code, phone.national, phone.valid, phone.default_country) == (
        "020 1234567", 31, 201234567, True, "NL")
    assert (phone.international_formatted, phone.national_formatted) == ("+31 20 123 4567", "020 123 4567")
    body = client.post("/v1/graphql", json={"query": "{Get{Ph{phone{input countryCode national nationalFormatted "
                                                      "internationalFormatted valid defaultCountry}}}}"}).json()
    assert body["data"]["Get"]["Ph"] == [{"phone": {
        "input": "020 1234567", "countryCode": 31, "national": 201234567, "nationalFormatted": "020 123 4567",
        "internationalFormatted": "+31 20 123 4567", "valid": True, "defaultCountry": "NL"}}]
