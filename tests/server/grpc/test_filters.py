"""The gRPC Filters message → REST `where` JSON (then parsed by the one `parse_where`)."""

from __future__ import annotations

import pytest

from weavebind.errors import Unprocessable
from weavebind.schema.models import ClassInfo
from weavebind.server.grpc.filters import to_where
from weavebind.server.grpc.proto import base_pb2

F = base_pb2.Filters
T = base_pb2.FilterTarget
INFO = ClassInfo.from_config({"class": "Doc", "properties": [
    {"name": "when", "dataType": ["date"]}, {"name": "title", "dataType": ["text"]},
    {"name": "author", "dataType": ["Person"]}]})
PERSON = ClassInfo.from_config({"class": "Person", "properties": [{"name": "name", "dataType": ["text"]},
                                                                  {"name": "born", "dataType": ["date"]}]})


def test_logical_operators_nest():
    message = F(operator=F.OPERATOR_OR, filters=[
        F(operator=F.OPERATOR_EQUAL, target=T(property="title"), value_text="a"),
        F(operator=F.OPERATOR_NOT, filters=[F(operator=F.OPERATOR_LIKE, on=["title"], value_text="b*")])])
    assert to_where(message, INFO) == {"operator": "Or", "operands": [
        {"operator": "Equal", "path": ["title"], "valueText": "a"},
        {"operator": "Not", "operands": [{"operator": "Like", "path": ["title"], "valueText": "b*"}]}]}


def test_text_on_date_properties_and_timestamps_becomes_value_date():
    on_date = F(operator=F.OPERATOR_GREATER_THAN, target=T(property="when"), value_text="2024-01-01T00:00:00Z")
    assert to_where(on_date, INFO)["valueDate"] == "2024-01-01T00:00:00Z"
    stamp = F(operator=F.OPERATOR_LESS_THAN, on=["_creationTimeUnix"], value_text="2024-01-01T00:00:00Z")
    assert "valueDate" in to_where(stamp, INFO)
    millis = F(operator=F.OPERATOR_LESS_THAN, on=["_creationTimeUnix"], value_text="1700000000000")
    assert to_where(millis, INFO)["valueText"] == "1700000000000"


def test_arrays_geo_and_reference_paths():
    many = F(operator=F.OPERATOR_CONTAINS_ANY, on=["title"], value_text_array=base_pb2.TextArray(values=["a", "b"]))
    assert to_where(many, INFO)["valueTextArray"] == ["a", "b"]
    geo = F(operator=F.OPERATOR_WITHIN_GEO_RANGE, on=["where"],
            value_geo=base_pb2.GeoCoordinatesFilter(latitude=1, longitude=2, distance=3))
    assert to_where(geo, INFO)["valueGeoRange"] == {"geoCoordinates": {"latitude": 1, "longitude": 2},
                                                     "distance": {"max": 3}}
    ref = F(operator=F.OPERATOR_EQUAL, value_text="x", target=T(single_target=base_pb2.FilterReferenceSingleTarget(
        on="author", target=T(property="name"))))
    assert to_where(ref, INFO, {"Person": PERSON}.get)["path"] == ["author", "Person", "name"]
    count = F(operator=F.OPERATOR_EQUAL, value_int=2, target=T(count=base_pb2.FilterReferenceCount(on="author")))
    assert to_where(count, INFO)["path"] == ["author"]
    multi = F(operator=F.OPERATOR_EQUAL, value_text="x", target=T(multi_target=base_pb2.FilterReferenceMultiTarget(
        on="author", target_collection="Person", target=T(property="name"))))
    assert to_where(multi, INFO, {"Person": PERSON}.get)["path"] == ["author", "Person", "name"]


def test_text_on_a_date_property_at_the_end_of_a_reference_path_becomes_value_date():
    born = F(operator=F.OPERATOR_LESS_THAN, value_text="2000-01-01T00:00:00Z",
             target=T(single_target=base_pb2.FilterReferenceSingleTarget(on="author", target=T(property="born"))))
    assert to_where(born, INFO, {"Person": PERSON}.get)["valueDate"] == "2000-01-01T00:00:00Z"
    name = F(operator=F.OPERATOR_EQUAL, value_text="2000-01-01T00:00:00Z",
             target=T(single_target=base_pb2.FilterReferenceSingleTarget(on="author", target=T(property="name"))))
    assert "valueText" in to_where(name, INFO, {"Person": PERSON}.get)


@pytest.mark.parametrize("message,text", [
    (F(operator=F.OPERATOR_EQUAL, value_text="x", target=T(single_target=base_pb2.FilterReferenceSingleTarget(
        on="nope", target=T(property="name")))), "no such prop with name 'nope' found in class 'Doc'"),
    (F(operator=F.OPERATOR_EQUAL, on=["title"]), "needs a value"),
    (F(operator=F.OPERATOR_EQUAL, value_text="x"), "needs a target property"),
    (F(operator=99, on=["title"], value_text="x"), "unknown operator 99"),
])
def test_malformed_filters_are_client_errors(message, text):
    with pytest.raises(Unprocessable, match=text):
        to_where(message, INFO)
