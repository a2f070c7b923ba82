"""Class definitions Weaviate refuses, with its messages (spec 3.3); a refused class leaves the schema unchanged."""

from __future__ import annotations

import pytest

from tests.rest import add_object, create_class, expect, message, stored_count

PROPERTY_NAME_TEXT = ("'{}' is not a valid property name. Property names in Weaviate are restricted to valid GraphQL "
                      "names, which must be “/[_A-Za-z][_0-9A-Za-z]{{0,230}}/”.")

# (class body, exact message); the schema is empty before each.
EXACT = [
    ({"class": "Bad-Name"}, "'Bad-Name' is not a valid class name"),
    ({"class": "1Car"}, "'1Car' is not a valid class name"),
    ({"class": "C" * 256}, f"'{'C' * 256}' is not a valid class name"),
    ({"class": ""}, "'' is not a valid class name"),
    ({"class": "Car", "properties": [{"name": "bad-name", "dataType": ["text"]}]},
     PROPERTY_NAME_TEXT.format("bad-name")),
    ({"class": "Car", "properties": [{"name": "1abc", "dataType": ["text"]}]}, PROPERTY_NAME_TEXT.format("1abc")),
    ({"class": "Car", "properties": [{"name": "_additional", "dataType": ["text"]}]},
     "'_additional' is a reserved property name"),
    ({"class": "Car", "properties": [{"name": "_id", "dataType": ["text"]}]}, "'_id' is a reserved property name"),
    ({"class": "Car", "properties": [{"name": "id", "dataType": ["text"]}]}, "'id' is a reserved property name"),
    ({"class": "Car", "properties": [{"name": "someProperty", "dataType": [""]}]},
     "property 'someProperty': invalid dataType: []: dataType cannot be an empty string"),
    ({"class": "Car", "properties": [{"name": "someProperty", "dataType": []}]},
     "property 'someProperty': invalid dataType: []: dataType cannot be an empty string"),
    ({"class": "Car", "properties": [{"name": "someProperty"}]},
     "property 'someProperty': invalid dataType: []: dataType cannot be an empty string"),
    ({"class": "Car", "properties": [{"name": "x", "dataType": ["text"]}, {"name": "x", "dataType": ["int"]}]},
     'class "Car": conflict for property "x": already in use or provided multiple times'),
    ({"class": "Car", "properties": [{"name": "x", "dataType": ["text"]}, {"name": "X", "dataType": ["text"]}]},
     'class "Car": conflict for property "x": already in use or provided multiple times'),
    ({"class": "Car", "vectorizer": "x"}, 'vectorizer: no module with name "x" present'),
    ({"class": "Car", "vectorizer": "text2vec-openai"}, 'vectorizer: no module with name "text2vec-openai" present'),
]


@pytest.mark.parametrize("body,text", EXACT, ids=[str(i) for i in range(len(EXACT))])
def test_refused_class_bodies_have_weaviates_message(local_client, body, text):
    response = local_client.post("/v1/schema", json=body)
    assert response.status_code == 422
    assert response.json() == {"error": [{"message": text}], "allowed": None}
    assert expect(local_client.get("/v1/schema")) == {"classes": []}


# (class body, words the message must contain): our own texts; they name the field and what is allowed.
NAMED_FIELD = [
    ({"class": "Car", "vectorIndexType": "dynamic"}, ['unrecognized or unsupported vectorIndexType "dynamic"']),
    ({"class": "Car", "vectorIndexType": "hfresh"}, ['vectorIndexType "hfresh"', "hnsw", "flat"]),
    ({"class": "Car", "vectorIndexConfig": {"distance": "euclid"}}, ["distance", "euclid", "cosine", "l2-squared"]),
    ({"class": "Car", "vectorIndexConfig": {"ef": 0}}, ["vectorIndexConfig.ef"]),
    ({"class": "Car", "vectorIndexConfig": {"maxConnections": "many"}}, ["vectorIndexConfig.maxConnections"]),
    ({"class": "Car", "vectorIndexConfig": "fast"}, ["vectorIndexConfig must be a JSON object"]),
    ({"class": "Car", "properties": [{"name": "x", "dataType": ["strin"]}]}, ["'strin' not found", "text"]),
    ({"class": "Car", "properties": [{"name": "x", "dataType": ["text", "int"]}]}, ["exactly one entry"]),
    ({"class": "Car", "properties": [{"name": "x", "dataType": ["Nope"]}]}, ["nonexistent class 'Nope'"]),
    ({"class": "Car", "properties": [{"name": "x", "dataType": ["int"], "tokenization": "word"}]},
     ["tokenization is not allowed", "'int'"]),
    ({"class": "Car", "properties": [{"name": "x", "dataType": ["text"], "tokenization": "stem"}]},
     ["tokenization 'stem'", "whitespace"]),
    ({"class": "Car", "properties": [{"name": "x", "dataType": ["text"], "indexFilterable": "yes"}]},
     ["indexFilterable must be true or false"]),
    ({"class": "Car", "properties": "title"}, ["properties must be a list"]),
    ({"class": "Car", "properties": ["title"]}, ["a property must be a JSON object"]),
    ({"class": "Car", "multiTenancyConfig": {"enabled": 1}}, ["multiTenancyConfig.enabled"]),
    ({"class": "Car", "replicationConfig": {"factor": 3}}, ["replicationConfig.factor"]),
    ({"class": "Car", "invertedIndexConfig": {"bm25": {"k1": "high"}}}, ["invertedIndexConfig.bm25.k1"]),
    ({"class": "Car", "description": 5}, ["description must be a string"]),
    ({"class": "Car", "vectorConfig": {"my-vector": {}}}, ['target vector "my-vector"', "not a valid vector name"]),
    ({"class": "Car", "vectorConfig": {"v": {"vectorizer": {"x": {}}}}},
     ['target vector "v"', 'vectorizer: no module with name "x" present']),
    ({"class": "Car", "vectorConfig": {"v": {"vectorizer": {"none": {}, "other": {}}}}},
     ["must consist only 1 configuration, got: 2"]),
    ({"class": "Car", "vectorConfig": {"v": {"vectorIndexType": "dynamic"}}}, ['vectorIndexType "dynamic"']),
    ({"class": "Car", "vectorConfig": {"v": {"vectorizer": {"none": 5}}}},
     ['target vector "v": the configuration of vectorizer "none" must be a JSON object']),
    ({"class": "Car", "vectorConfig": {"v": {"vectorIndexConfig": {"distance": "nope"}}}}, ["distance 'nope'"]),
    ({"class": "Car", "vectorConfig": ["v"]}, ["vectorConfig must be a JSON object"]),
    ({"class": "Car", "vectorConfig": {"v": "flat"}}, ['target vector "v"', "must be a JSON object"]),
    ({"class": "Car", "vectorConfig": {"v": {"vectorIndexConfig": "x"}}},
     ['target vector "v": vectorIndexConfig must be a JSON object']),
    ({"class": "Car", "shardingConfig": "x"}, ["shardingConfig must be a JSON object"]),
    ({"class": "Car", "replicationConfig": "x"}, ["replicationConfig must be a JSON object"]),
    ({"class": "Car", "invertedIndexConfig": {"bm25": "k1"}}, ["invertedIndexConfig.bm25 must be a JSON object"]),
    ({"class": "Car", "invertedIndexConfig": {"stopwords": "en"}},
     ["invertedIndexConfig.stopwords must be a JSON object"]),
    ({"class": "Car", "properties": [{"name": "o", "dataType": ["object"], "nestedProperties": "x"}]},
     ["property 'o': nestedProperties must be a list"]),
    ({"class": "Car", "properties": [{"name": "t", "dataType": ["text"], "nestedProperties": []}]},
     ["property 't': nestedProperties"]),
    ({"class": "Car", "properties": [{"name": "o", "dataType": ["object"],
                                      "nestedProperties": [{"name": "bad-name", "dataType": ["text"]}]}]},
     ["'bad-name' is not a valid property name"]),
    ({"class": "Car", "properties": [{"name": "o", "dataType": ["object[]"],
                                      "nestedProperties": [{"name": "x", "dataType": []}]}]},
     ["property 'x': invalid dataType: []"]),
    (["Car"], ["must be a JSON object"]),
]


@pytest.mark.parametrize("body,words", NAMED_FIELD, ids=[str(i) for i in range(len(NAMED_FIELD))])
def test_refused_class_bodies_name_the_field(local_client, body, words):
    response = local_client.post("/v1/schema", json=body)
    assert response.status_code == 422
    for word in words:
        assert word in message(response)
    assert expect(local_client.get("/v1/schema")) == {"classes": []}


def test_existing_and_case_insensitively_similar_classes_are_refused(client):
    original = create_class(client, "RandomGreenCar")
    add_object(client, "RandomGreenCar", properties={"name": "a"})

    response = client.post("/v1/schema", json={"class": "RandomGreenCar"})
    assert response.status_code == 422
    assert "class name RandomGreenCar already exists" in message(response)

    response = client.post("/v1/schema", json={"class": "randomGreenCar", "vectorizer": "none"})
    assert response.status_code == 422
    assert "class name RandomGreenCar already exists" in message(response)

    response = client.post("/v1/schema", json={"class": "RANDOMGreenCar"})
    assert response.status_code == 422
    assert 'class already exists: found similar class "RandomGreenCar"' in message(response)

    # An object with the case-permuted class name is refused, not filed under a new class (spec 3.3).
    response = client.post("/v1/objects", json={"class": "RANDOMGreenCar", "properties": {"name": "b"}})
    assert response.status_code == 422
    assert "RANDOMGreenCar" in message(response)

    assert expect(client.get("/v1/schema")) == {"classes": [{**original, "properties": [
        {"name": "name", "dataType": ["text"], "tokenization": "word", "indexFilterable": True,
         "indexSearchable": True, "indexRangeFilters": False}]}]}
    assert stored_count(client) == 1


def test_a_cross_reference_to_an_existing_class_or_itself_is_accepted(local_client):
    create_class(local_client, "Author")
    created = create_class(local_client, "Book", [{"name": "writtenBy", "dataType": ["Author"]},
                                                  {"name": "sequel", "dataType": ["Book"]}])
    assert [p["dataType"] for p in created["properties"]] == [["Author"], ["Book"]]


def test_every_primitive_data_type_is_accepted(local_client):
    types = ["text", "text[]", "int", "int[]", "number", "number[]", "boolean", "boolean[]", "date", "date[]",
             "uuid", "uuid[]", "blob", "geoCoordinates", "phoneNumber", "object", "object[]"]
    props = [{"name": f"p{i}", "dataType": [t]} for i, t in enumerate(types)]
    props[-2]["nestedProperties"] = props[-1]["nestedProperties"] = [{"name": "inner", "dataType": ["text"]}]
    created = create_class(local_client, "AllTypes", props)
    assert [p["dataType"][0] for p in created["properties"]] == types
    assert created["properties"][-1]["nestedProperties"][0]["tokenization"] == "word"


@pytest.mark.parametrize(("given", "expected"), [
    ({"dataType": ["string"]}, {"dataType": ["text"], "tokenization": "whitespace"}),
    ({"dataType": ["string"], "tokenization": "word"}, {"dataType": ["text"], "tokenization": "whitespace"}),
    ({"dataType": ["string[]"], "tokenization": "field"}, {"dataType": ["text[]"], "tokenization": "field"}),
    ({"dataType": ["text"], "indexInverted": False}, {"indexFilterable": False, "indexSearchable": False}),
    ({"dataType": ["int"], "indexInverted": True}, {"indexFilterable": True, "indexSearchable": False}),
])
def test_legacy_property_settings_are_migrated_as_weaviate_does(local_client, given, expected):
    body = {"class": "Legacy", "properties": [{"name": "p", **given}]}
    response = local_client.post("/v1/schema", json=body)
    assert response.status_code == 200, response.text
    prop = response.json()["properties"][0]
    assert {k: prop[k] for k in expected} == expected
    assert "indexInverted" not in prop


@pytest.mark.parametrize(("given", "text"), [
    ({"dataType": ["string"], "tokenization": "lowercase"}, "tokenization 'lowercase' is not allowed for data type "
                                                           "'string'"),
    ({"dataType": ["text"], "indexInverted": True, "indexFilterable": True}, "`indexInverted` is deprecated"),
    ({"dataType": ["int"], "indexSearchable": True}, "`indexSearchable` is allowed only for text/text[]"),
    ({"dataType": ["text"], "indexRangeFilters": True}, "`indexRangeFilters` is allowed only for number/int/date"),
    ({"dataType": ["int"], "tokenization": "word"}, "tokenization is not allowed for data type 'int'"),
])
def test_refused_property_settings(local_client, given, text):
    response = local_client.post("/v1/schema", json={"class": "Legacy", "properties": [{"name": "p", **given}]})
    assert response.status_code == 422 and text in response.json()["error"][0]["message"]
