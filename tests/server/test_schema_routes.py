"""`/v1/schema`: list, create, read, update, delete, add property (spec 3.3)."""

from __future__ import annotations

import copy

import pytest
from starlette.testclient import TestClient

from tests.rest import ID1, ID2, add_object, create_class, expect, get_object, message, stored_count, text_props
from weavebind.server.app import create_app

# test/acceptance/schema/get_schema_without_client_test.go, for a class created with only a name (spec 3.3).
YELLOW_CARS = {
    "class": "YellowCars", "properties": None, "vectorizer": "none", "vectorIndexType": "hnsw",
    "vectorIndexConfig": {
        "skip": False, "cleanupIntervalSeconds": 300, "maxConnections": 32, "efConstruction": 128, "ef": -1,
        "dynamicEfMin": 100, "dynamicEfMax": 500, "dynamicEfFactor": 8, "vectorCacheMaxObjects": 1000000000000,
        "flatSearchCutoff": 40000, "distance": "cosine",
        "pq": {"enabled": False, "bitCompression": False, "segments": 0, "centroids": 256, "trainingLimit": 100000,
               "encoder": {"type": "kmeans", "distribution": "log-normal"}},
        "bq": {"enabled": False}, "sq": {"enabled": False, "trainingLimit": 100000, "rescoreLimit": 20},
        "rq": {"enabled": False, "bits": 8, "rescoreLimit": 20}, "filterStrategy": "sweeping",
        "multivector": {"enabled": False, "aggregation": "maxSim",
                        "muvera": {"enabled": False, "ksim": 4, "dprojections": 16, "repetitions": 10}},
        "skipDefaultQuantization": False, "trackDefaultQuantization": False,
    },
    "shardingConfig": {"virtualPerPhysical": 128, "desiredCount": 1, "actualCount": 1, "desiredVirtualCount": 128,
                       "actualVirtualCount": 128, "key": "_id", "strategy": "hash", "function": "murmur3"},
    "replicationConfig": {"factor": 1, "deletionStrategy": "TimeBasedResolution", "asyncEnabled": False},
    "invertedIndexConfig": {"cleanupIntervalSeconds": 60, "bm25": {"k1": 1.2, "b": 0.75},
                            "stopwords": {"preset": "en", "additions": None, "removals": None},
                            "usingBlockMaxWAND": True},
    "multiTenancyConfig": {"enabled": False, "autoTenantCreation": False, "autoTenantActivation": False},
}


def test_a_class_created_with_only_a_name_gets_weaviates_exact_defaults(client):
    assert expect(client.get("/v1/schema")) == {"classes": []}
    assert expect(client.post("/v1/schema", json={"class": "YellowCars"})) == YELLOW_CARS
    assert expect(client.get("/v1/schema")) == {"classes": [YELLOW_CARS]}
    assert expect(client.get("/v1/schema/YellowCars")) == YELLOW_CARS


def test_defaults_follow_the_vectorizer_and_distance_settings(make_local_client):
    client = make_local_client(ENABLE_MODULES="multi2vec-clip", DEFAULT_VECTORIZER_MODULE="multi2vec-clip",
                               DEFAULT_VECTOR_DISTANCE_METRIC="dot")
    created = create_class(client, "YellowCars")
    assert created["vectorizer"] == "multi2vec-clip"
    assert created["vectorIndexConfig"]["distance"] == "dot"
    assert create_class(client, "Plain", vectorizer="none")["vectorizer"] == "none"


def test_class_names_are_capitalised_and_found_by_either_first_letter(local_client):
    assert create_class(local_client, "books")["class"] == "Books"
    assert expect(local_client.get("/v1/schema/books"))["class"] == "Books"
    assert expect(local_client.get("/v1/schema/Books"))["class"] == "Books"
    assert [c["class"] for c in expect(local_client.get("/v1/schema"))["classes"]] == ["Books"]


def test_property_defaults_and_string_migration(local_client):
    created = create_class(local_client, "Article", [
        {"name": "Title", "dataType": ["text"]},
        {"name": "count", "dataType": ["int"]},
        {"name": "legacy", "dataType": ["string"]},
        {"name": "tags", "dataType": ["text[]"], "tokenization": "field"},
    ])
    props = {p["name"]: p for p in created["properties"]}
    assert list(props) == ["title", "count", "legacy", "tags"]  # first letter lower-cased, order kept
    assert props["title"] == {"name": "title", "dataType": ["text"], "tokenization": "word", "indexFilterable": True,
                              "indexSearchable": True, "indexRangeFilters": False}
    assert props["count"] == {"name": "count", "dataType": ["int"], "indexFilterable": True,
                              "indexSearchable": False, "indexRangeFilters": False}
    assert props["legacy"]["dataType"] == ["text"] and props["legacy"]["tokenization"] == "whitespace"
    assert props["tags"]["tokenization"] == "field"


def test_get_and_put_of_an_unknown_class_are_404(local_client):
    assert local_client.get("/v1/schema/Nope").status_code == 404
    assert local_client.put("/v1/schema/Nope", json={"class": "Nope"}).status_code == 404
    assert expect(local_client.get("/v1/schema")) == {"classes": []}  # PUT did not create it


def test_delete_of_a_missing_class_is_still_200(local_client):
    response = local_client.delete("/v1/schema/NeverExisted")
    assert response.status_code == 200


def test_delete_class_removes_the_class_and_its_objects(client):
    create_class(client, "Doc", text_props("text"))
    create_class(client, "Other", text_props("text"))
    add_object(client, "Doc", ID1, {"text": "a"}, vector=[1, 0])
    add_object(client, "Other", ID2, {"text": "b"}, vector=[1, 0])
    assert expect(client.delete("/v1/schema/doc")) is None  # first letter is capitalised before lookup
    assert client.get("/v1/schema/Doc").status_code == 404
    assert stored_count(client, "Doc") == 0
    create_class(client, "Doc", text_props("text"))  # re-created: empty, and a new vector length is fine
    assert get_object(client, "Doc", ID1) is None
    add_object(client, "Doc", ID1, {"text": "c"}, vector=[1, 0, 0])
    assert get_object(client, "Other", ID2)["properties"] == {"text": "b"}


def test_add_property(client):
    create_class(client, "Doc", text_props("title"))
    prop = expect(client.post("/v1/schema/doc/properties", json={"name": "Pages", "dataType": ["int"]}))
    assert prop == {"name": "pages", "dataType": ["int"], "indexFilterable": True, "indexSearchable": False,
                    "indexRangeFilters": False}
    assert [p["name"] for p in expect(client.get("/v1/schema/Doc"))["properties"]] == ["title", "pages"]
    add_object(client, "Doc", ID1, {"title": "t", "pages": 3})
    assert get_object(client, "Doc", ID1)["properties"] == {"title": "t", "pages": 3}


@pytest.mark.parametrize("body,status,text", [
    ({"name": "title", "dataType": ["int"]}, 422,
     'class "Doc": conflict for property "title": already in use or provided multiple times'),
    ({"name": "Title", "dataType": ["text"]}, 422,
     'class "Doc": conflict for property "title": already in use or provided multiple times'),
    ({"name": "someProperty", "dataType": [""]}, 422,
     "property 'someProperty': invalid dataType: []: dataType cannot be an empty string"),
    ({"name": "id", "dataType": ["text"]}, 422, "'id' is a reserved property name"),
])
def test_add_property_rejections(local_client, body, status, text):
    create_class(local_client, "Doc", text_props("title"))
    before = expect(local_client.get("/v1/schema/Doc"))
    response = local_client.post("/v1/schema/Doc/properties", json=body)
    assert response.status_code == status
    assert message(response) == text
    assert response.json()["allowed"] is None
    assert expect(local_client.get("/v1/schema/Doc")) == before


def test_add_property_to_an_unknown_class_is_404(local_client):
    response = local_client.post("/v1/schema/Nope/properties", json={"name": "x", "dataType": ["text"]})
    assert response.status_code == 404


def test_update_changes_mutable_settings(client):
    created = create_class(client, "Doc", text_props("title"), description="before")
    body = copy.deepcopy(created)
    body["description"] = "after"
    body["vectorIndexConfig"]["ef"] = 77
    body["invertedIndexConfig"]["bm25"]["k1"] = 1.5
    updated = expect(client.put("/v1/schema/Doc", json=body))
    assert updated["description"] == "after"
    assert updated["vectorIndexConfig"]["ef"] == 77
    assert updated["invertedIndexConfig"]["bm25"] == {"k1": 1.5, "b": 0.75}
    assert expect(client.get("/v1/schema/Doc")) == updated
    assert updated["properties"] == created["properties"]


def _with(config: dict, path: str, value) -> dict:
    out = copy.deepcopy(config)
    *parents, last = path.split(".")
    target = out
    for key in parents:
        target = target[key]
    target[last] = value
    return out


@pytest.mark.parametrize("path,value,text", [
    ("vectorizer", "multi2vec-clip", 'vectorizer is immutable: attempted change from "none" to "multi2vec-clip"'),
    ("vectorIndexType", "flat", 'vectorIndexType is immutable: attempted change from "hnsw" to "flat"'),
    ("vectorIndexConfig.distance", "dot",
     'vectorIndexConfig.distance is immutable: attempted change from "cosine" to "dot"'),
    ("properties", [{"name": "title", "dataType": ["text"]}, {"name": "extra", "dataType": ["int"]}],
     "properties cannot be updated through updating the class. Use the add property feature (e.g. "
     '"POST /v1/schema/{className}/properties") to add additional properties'),
    ("class", "Other", 'class name is immutable: attempted change from "Doc" to "Other"'),
])
def test_update_refuses_immutable_changes(make_local_client, path, value, text):
    client = make_local_client(ENABLE_MODULES="multi2vec-clip")
    created = create_class(client, "Doc", text_props("title"))
    response = client.put("/v1/schema/Doc", json=_with(created, path, value))
    assert response.status_code == 422
    assert message(response) == text
    assert expect(client.get("/v1/schema/Doc")) == created


@pytest.mark.parametrize("body,text", [
    ({"class": 5}, "'5' is not a valid class name"),
    ({"class": "Doc", "properties": [{"name": 5, "dataType": ["text"]}]}, "properties cannot be updated"),
    ({"class": "Doc", "properties": [{"name": "title", "dataType": "text"}]}, "properties cannot be updated"),
    ({"class": "Doc", "properties": [{"name": "title", "dataType": [["text"]]}]}, "properties cannot be updated"),
    ({"class": "Doc", "vectorIndexConfig": "fast"}, "class 'Doc': vectorIndexConfig must be a JSON object"),
    ({"class": "Doc", "vectorIndexConfig": {"ef": -5}},
     "class 'Doc': vectorIndexConfig.ef must be -1 (dynamic) or a positive"),
    (["Doc"], "the class definition must be a JSON object"),
])
def test_update_refuses_malformed_bodies(local_client, body, text):
    created = create_class(local_client, "Doc", text_props("title"))
    response = local_client.put("/v1/schema/Doc", json=body)
    assert response.status_code == 422
    assert message(response).startswith(text)
    assert expect(local_client.get("/v1/schema/Doc")) == created


NAMED = {
    "image": {"vectorizer": {"none": {}}, "vectorIndexType": "flat", "vectorIndexConfig": {"distance": "dot"}},
    "text": {},
}


def test_named_vectors_get_their_defaults_and_no_legacy_vector(local_client):
    created = create_class(local_client, "Multi", text_props("title"), vectorConfig=NAMED)
    assert "vectorizer" not in created and "vectorIndexConfig" not in created
    image, text = created["vectorConfig"]["image"], created["vectorConfig"]["text"]
    assert image["vectorIndexType"] == "flat"
    assert image["vectorIndexConfig"] == {**YELLOW_CARS["vectorIndexConfig"], "distance": "dot"}
    assert text["vectorIndexType"] == "hnsw"
    assert text["vectorIndexConfig"] == YELLOW_CARS["vectorIndexConfig"]
    assert expect(local_client.get("/v1/schema/Multi")) == created


@pytest.mark.parametrize("path,value,text", [
    ("vectorConfig.image.vectorIndexConfig.distance", "cosine",
     'vectorConfig.image.vectorIndexConfig.distance is immutable: attempted change from "dot" to "cosine"'),
    ("vectorConfig.image.vectorIndexType", "hnsw",
     'vector index type of vector "image" is immutable: attempted change from "flat" to "hnsw"'),
    ("vectorConfig.text.vectorizer", {"multi2vec-clip": {"imageFields": ["image"]}},
     'vectorizer config of vector "text" is immutable'),
    ("vectorConfig", {"text": {}}, "named vectors cannot be removed from a class"),
])
def test_update_refuses_immutable_named_vector_changes(make_local_client, path, value, text):
    client = make_local_client(ENABLE_MODULES="multi2vec-clip")
    created = create_class(client, "Multi", text_props("title"), vectorConfig=NAMED)
    response = client.put("/v1/schema/Multi", json=_with(created, path, value))
    assert response.status_code == 422
    assert message(response) == text
    assert expect(client.get("/v1/schema/Multi")) == created


def test_update_of_a_named_vector_mutable_setting(local_client):
    created = create_class(local_client, "Multi", vectorConfig=NAMED)
    updated = expect(local_client.put("/v1/schema/Multi", json=_with(
        created, "vectorConfig.text.vectorIndexConfig.ef", 64)))
    assert updated["vectorConfig"]["text"]["vectorIndexConfig"]["ef"] == 64
    assert expect(local_client.get("/v1/schema/Multi")) == updated


def test_compression_can_be_switched_on_for_an_existing_hnsw_index_and_is_echoed(local_client):
    created = create_class(local_client, "Doc", text_props("title"))
    for name in ("bq", "pq", "sq", "rq"):
        on = _with(created, f"vectorIndexConfig.{name}.enabled", True)
        assert expect(local_client.put("/v1/schema/Doc", json=on))["vectorIndexConfig"][name]["enabled"] is True
        assert expect(local_client.get("/v1/schema/Doc"))["vectorIndexConfig"][name]["enabled"] is True
        assert expect(local_client.put("/v1/schema/Doc", json=created))["vectorIndexConfig"][name]["enabled"] is False


@pytest.mark.parametrize("changes,text", [
    ({"vectorIndexConfig.bq.enabled": True, "vectorIndexConfig.pq.enabled": True},
     "class 'Doc': invalid hnsw config: more than a single compression methods enabled"),
    ({"vectorIndexConfig.efConstruction": 64},
     'vectorIndexConfig.efConstruction is immutable: attempted change from "128" to "64"'),
    ({"vectorIndexConfig.maxConnections": 8},
     'vectorIndexConfig.maxConnections is immutable: attempted change from "32" to "8"'),
    ({"vectorIndexConfig.multivector.enabled": True},
     'vectorIndexConfig.multivector.enabled is immutable: attempted change from "false" to "true"'),
])
def test_hnsw_settings_weaviate_keeps_fixed_are_refused(local_client, changes, text):
    created = create_class(local_client, "Doc", text_props("title"))
    body = created
    for path, value in changes.items():
        body = _with(body, path, value)
    response = local_client.put("/v1/schema/Doc", json=body)
    assert response.status_code == 422 and message(response).startswith(text), response.text
    assert expect(local_client.get("/v1/schema/Doc")) == created


def test_rq_bits_and_flat_compression_are_immutable(local_client):
    created = create_class(local_client, "Doc", text_props("title"), vectorIndexConfig={"rq": {"enabled": True}})
    response = local_client.put("/v1/schema/Doc", json=_with(created, "vectorIndexConfig.rq.bits", 1))
    assert message(response) == 'rq bits is immutable: attempted change from "8" to "1"'
    flat = create_class(local_client, "Flat", vectorIndexType="flat")
    response = local_client.put("/v1/schema/Flat", json=_with(flat, "vectorIndexConfig.bq", {"enabled": True}))
    assert response.status_code == 422
    assert message(response).startswith("vectorIndexConfig.bq.enabled is immutable: attempted change from")


@pytest.mark.parametrize(("version", "expected"), [("1.32.0", "sweeping"), ("1.33.9", "sweeping"),
                                                    ("1.34.0", "acorn"), ("1.36.2-rc1", "acorn")])
def test_the_default_filter_strategy_follows_the_advertised_version(make_settings, version, expected):
    with TestClient(create_app(make_settings(WEAVEBIND_WEAVIATE_VERSION=version))) as client:
        created = client.post("/v1/schema", json={"class": "Doc", "vectorizer": "none"}).json()
        assert created["vectorIndexConfig"]["filterStrategy"] == expected
        given = client.post("/v1/schema", json={"class": "Other", "vectorIndexConfig": {"filterStrategy": "acorn"}})
        assert given.json()["vectorIndexConfig"]["filterStrategy"] == "acorn"
