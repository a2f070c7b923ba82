"""`/v1/objects` property values: every dataType accepted and read back, every wrong type refused with
Weaviate's message, malformed object fields (spec 3.4)."""

from __future__ import annotations

import base64
import time
import uuid

import orjson
import pytest

from tests.rest import (
    ID1,
    add_object,
    create_class,
    expect,
    get_object,
    message,
    stored_count,
    text_props,
)

TYPES = {
    "testString": "text", "texts": "text[]", "count": "int", "counts": "int[]", "price": "number",
    "prices": "number[]", "flag": "boolean", "flags": "boolean[]", "when": "date", "whens": "date[]",
    "ref": "uuid", "refs": "uuid[]", "image": "blob", "location": "geoCoordinates", "phone": "phoneNumber",
    "meta": "object", "items": "object[]",
}
NESTED = [{"name": "isbn", "dataType": ["text"]}]
GOOD = {
    "testString": "tab \t, ünïcödé ✓", "texts": ["a", "b"], "count": 3, "counts": [1, 2], "price": 1.5,
    "prices": [1, 2.5],
    "flag": True, "flags": [True, False], "when": "2024-01-02T03:04:05Z", "whens": ["2024-01-02T03:04:05+01:00"],
    "ref": "AAAAAAAA-0000-4000-8000-000000000001", "refs": ["aaaaaaaa-0000-4000-8000-000000000002"],
    "image": base64.b64encode(b"\x89PNG not really").decode(), "location": {"latitude": 52.37, "longitude": 4.9},
    "phone": {"input": "020 1234567", "defaultCountry": "nl"}, "meta": {"isbn": "123"}, "items": [{"isbn": "4"}],
}


PARSED_PHONE = {"input": "020 1234567", "defaultCountry": "NL", "internationalFormatted": "+31 20 123 4567",
                "countryCode": 31, "national": 201234567, "nationalFormatted": "020 123 4567", "valid": True}


def make_test_object_class(client) -> dict:
    props = [{"name": name, "dataType": [t]} for name, t in TYPES.items()]
    for prop in props:
        if prop["dataType"][0].startswith("object"):
            prop["nestedProperties"] = NESTED
    return create_class(client, "TestObject", props)


def test_create_generates_an_id_and_timestamps(client):
    create_class(client, "Doc", text_props("text"))
    before = int(time.time() * 1000)
    created = add_object(client, "Doc", properties={"text": "hello"})
    after = int(time.time() * 1000)
    assert uuid.UUID(created["id"]).version == 4
    assert created["class"] == "Doc"
    assert created["properties"] == {"text": "hello"}
    assert before <= created["creationTimeUnix"] == created["lastUpdateTimeUnix"] <= after
    assert get_object(client, "Doc", created["id"], include_vector=False) == created


def test_create_keeps_the_given_id_lower_cased_and_the_class_capitalised(client):
    create_class(client, "Doc", text_props("text"))
    created = add_object(client, "doc", ID1.upper(), {"text": "x"})
    assert created["id"] == ID1
    assert created["class"] == "Doc"
    assert get_object(client, "Doc", ID1)["id"] == ID1


def test_a_duplicate_id_is_422_and_the_first_object_is_unchanged(client):
    create_class(client, "Doc", text_props("text"))
    add_object(client, "Doc", ID1, {"text": "first"}, vector=[1, 0])
    before = get_object(client, "Doc", ID1)
    response = client.post("/v1/objects", json={"class": "Doc", "id": ID1.upper(), "properties": {"text": "second"},
                                                "vector": [0, 1]})
    assert response.status_code == 422
    assert message(response) == f"id '{ID1}' already exists"
    assert get_object(client, "Doc", ID1) == before
    assert stored_count(client) == 1


@pytest.mark.parametrize("body", [{"properties": {}}, {"class": ""}, {"class": None}])
def test_a_missing_class_is_422(local_client, body):
    response = local_client.post("/v1/objects", json=body)
    assert response.status_code == 422
    assert message(response) == "invalid object: the given class is empty"
    assert expect(local_client.get("/v1/schema")) == {"classes": []}


def test_an_unknown_class_without_auto_schema_is_422(make_local_client):
    client = make_local_client(AUTOSCHEMA_ENABLED="false")
    response = client.post("/v1/objects", json={"class": "nope", "properties": {"a": "b"}})
    assert response.status_code == 422
    assert message(response) == 'invalid object: class "Nope" not found in schema'
    assert expect(client.get("/v1/schema")) == {"classes": []}


def test_an_unknown_property_without_auto_schema_is_422(make_local_client):
    client = make_local_client(AUTOSCHEMA_ENABLED="false")
    create_class(client, "Doc", text_props("text"))
    response = client.post("/v1/objects", json={"class": "Doc", "properties": {"text": "a", "other": "b"}})
    assert response.status_code == 422
    assert message(response) == (
        "invalid object: no such prop with name 'other' found in class 'Doc' in the schema. Check your schema files "
        "for which properties in this class are available")
    assert [p["name"] for p in expect(client.get("/v1/schema/Doc"))["properties"]] == ["text"]
    assert stored_count(client) == 0


def test_every_property_type_is_accepted_and_read_back(client):
    make_test_object_class(client)
    created = add_object(client, "TestObject", ID1, {**GOOD, "dropped": None})
    # uuids are stored lower-cased; null values are dropped; phone numbers parsed as Weaviate does (libphonenumber)
    expected = {**GOOD, "ref": GOOD["ref"].lower(), "phone": PARSED_PHONE}
    assert created["properties"] == expected
    assert get_object(client, "TestObject", ID1)["properties"] == expected
    listed = expect(client.get("/v1/objects", params={"class": "TestObject"}))["objects"]
    assert [o["properties"] for o in listed] == [expected]


# (property, value, message after "invalid object: "); the first five are Weaviate's texts (spec 3.4).
WRONG = [
    ("testString", 5, "invalid text property 'testString' on class 'TestObject': not a string, but json.Number"),
    ("image", "data:image/png;base64,aGVsbG8=",
     "invalid blob property 'image' on class 'TestObject': not a valid blob base64 string"),
    ("image", "aGVsbG8=\n", "invalid blob property 'image' on class 'TestObject': not a valid blob base64 string"),
    ("image", "abc", "invalid blob property 'image' on class 'TestObject': not a valid blob base64 string"),
    ("count", 1.5, "invalid integer property 'count' on class 'TestObject': requires an integer, the given value "
                   "is '1.5'"),
    ("when", "2024-01-02", "invalid date property 'when' on class 'TestObject': requires a string with a RFC3339 "
                           "formatted date, but the given value is '2024-01-02'"),
    ("ref", "not-a-uuid", "invalid uuid property 'ref' on class 'TestObject': requires a string of UUID format, "
                          "but the given value is 'not-a-uuid'"),
    ("testString", True, "invalid text property 'testString' on class 'TestObject': not a string, but bool"),
    ("testString", ["a"], "invalid text property 'testString' on class 'TestObject': not a string, but "
                          "[]interface {}"),
    ("count", "3", "invalid integer property 'count' on class 'TestObject': requires an integer, the given value "
                   "is '3'"),
    ("count", 2**63, "invalid integer property 'count' on class 'TestObject': requires an integer, the given value "
                     "is '9223372036854775808'"),
    ("counts", [1, -(2**64)], "invalid integer property 'counts' on class 'TestObject': requires an integer, "
                              "the given value is '-1.8446744073709552e+19'"),
    ("count", True, "invalid integer property 'count' on class 'TestObject': requires an integer, the given value "
                    "is 'True'"),
    ("price", "1.5", "invalid number property 'price' on class 'TestObject': requires a float, the given value "
                     "is '1.5'"),
    ("flag", "true", "invalid boolean property 'flag' on class 'TestObject': not a boolean, but string"),
    ("texts", "a", "invalid text array property 'texts' on class 'TestObject': not an array, but string"),
    ("texts", ["a", 1], "invalid text property 'texts' on class 'TestObject': not a string, but json.Number"),
    ("counts", [1, "a"], "invalid integer property 'counts' on class 'TestObject': requires an integer, the given "
                         "value is 'a'"),
    ("prices", 1.5, "invalid number array property 'prices' on class 'TestObject': not an array, but json.Number"),
    ("flags", [1], "invalid boolean property 'flags' on class 'TestObject': not a boolean, but json.Number"),
    ("whens", ["yesterday"], "invalid date property 'whens' on class 'TestObject': requires a string with a RFC3339 "
                             "formatted date, but the given value is 'yesterday'"),
    ("when", "2024-01-02T03:04:05", "invalid date property 'when' on class 'TestObject': requires a string with a "
                                    "RFC3339 formatted date, but the given value is '2024-01-02T03:04:05'"),
    ("refs", ["x"], "invalid uuid property 'refs' on class 'TestObject': requires a string of UUID format, but the "
                    "given value is 'x'"),
    ("image", 5, "invalid blob property 'image' on class 'TestObject': not a valid blob base64 string"),
    ("meta", "x", "invalid object property 'meta' on class 'TestObject': not an object, but string"),
    ("items", [1], "invalid object array property 'items' on class 'TestObject': requires a list of objects"),
    ("phone", {"number": 1}, "invalid phoneNumber property 'phone' on class 'TestObject': requires an object with "
                             "a string 'input'"),
    ("phone", {"input": "020 1234567"}, "invalid phoneNumber property 'phone' on class 'TestObject': invalid phone "
     "number: invalid or missing defaultCountry - this field is optional if the specified number is in the "
     "international format, but required if the number is in national format, use ISO 3166-1 alpha-2"),
    ("phone", {"input": "+31 20", "defaultCountry": 31}, "invalid phoneNumber property 'phone' on class "
     "'TestObject': 'defaultCountry' must be a string (ISO 3166-1 alpha-2)"),
]


@pytest.mark.parametrize("prop,value,text", WRONG, ids=[f"{p}-{i}" for i, (p, _, _) in enumerate(WRONG)])
def test_a_wrong_property_type_is_422_with_weaviates_message(local_client, prop, value, text):
    make_test_object_class(local_client)
    response = local_client.post("/v1/objects", json={"class": "TestObject", "properties": {**GOOD, prop: value}})
    assert response.status_code == 422
    assert message(response) == "invalid object: " + text
    assert stored_count(local_client) == 0


def test_int64_limits_are_accepted(client):
    make_test_object_class(client)
    add_object(client, "TestObject", ID1, {"count": 2**63 - 1, "counts": [-(2**63), 2**53 + 1, 4.0]})
    assert get_object(client, "TestObject", ID1)["properties"] == {"count": 2**63 - 1,
                                                                  "counts": [-(2**63), 2**53 + 1, 4]}


def test_geo_coordinates_need_numbers(local_client):
    make_test_object_class(local_client)
    response = local_client.post("/v1/objects", json={"class": "TestObject",
                                                      "properties": {"location": {"latitude": "52"}}})
    assert response.status_code == 422
    assert "invalid geoCoordinates property 'location'" in message(response)


@pytest.mark.parametrize("body,text", [
    ({"id": "not-a-uuid"}, 'id must be of type uuid: "not-a-uuid"'),
    ({"properties": ["a"]}, "invalid object: properties must be a JSON object"),
    ({"vector": [1, "a"]}, "invalid object: vector must be a list of numbers"),
    ({"vector": "1,2"}, "invalid object: vector must be a list of numbers"),
    ({"vector": [1, True]}, "invalid object: vector must be a list of numbers"),
    ({"vector": [1e39, 0]}, "invalid object: vector contains a value that is not a finite 32-bit float"),
    ({"vectors": [[1, 2]]}, "invalid object: vectors must be a JSON object of target name to vector"),
    ({"vectors": {"other": [1, 2]}}, "invalid object: target vector 'other' is not configured for class 'Doc'; "
                                     "configured: none"),
])
def test_malformed_object_fields_are_422(local_client, body, text):
    create_class(local_client, "Doc", text_props("text"))
    response = local_client.post("/v1/objects", json={"class": "Doc", **body})
    assert response.status_code == 422
    assert message(response) == text
    assert stored_count(local_client) == 0


def test_a_non_object_body_is_422(local_client):
    for body in ([], "x", 5, None):  # JSON null: once a 500 (found by the REST fuzzer)
        response = local_client.post("/v1/objects", content=orjson.dumps(body),
                                     headers={"content-type": "application/json"})
        assert response.status_code == 422
        assert message(response) == "invalid object: the object must be a JSON object"
