"""`/v1/objects` by class: create, list, get, head, replace, merge, delete, validate (spec 3.4)."""

from __future__ import annotations

import time
import uuid

import numpy as np
import pytest

from tests.rest import (
    ID1,
    ID2,
    ID3,
    ID4,
    ID5,
    MISSING,
    add_object,
    create_class,
    expect,
    get_object,
    message,
    stored_count,
    text_props,
)

# -- vectors ------------------------------------------------------------------------------------------------------

def test_a_legacy_vector_is_stored_returned_and_searchable(client):
    create_class(client, "Doc", text_props("text"))
    created = add_object(client, "Doc", ID1, {"text": "a"}, vector=[0.6, 0.8])
    add_object(client, "Doc", ID2, {"text": "b"}, vector=[1, 0])
    assert created["vector"] == pytest.approx([0.6, 0.8])
    assert get_object(client, "Doc", ID1)["vector"] == pytest.approx([0.6, 0.8])
    assert "vector" not in get_object(client, "Doc", ID1, include_vector=False)
    hits = client.app.state.store.search("Doc", "", np.array([1, 0], dtype=np.float32), 2)
    assert [uid for uid, _ in hits] == [ID2, ID1]
    assert hits[0][1] == pytest.approx(0.0, abs=1e-6)
    assert hits[1][1] == pytest.approx(0.4, abs=1e-6)


MULTI = {"image": {"vectorIndexType": "flat"}, "text": {}}


def test_named_vectors_are_stored_per_target(client):
    create_class(client, "Multi", text_props("title"), vectorConfig=MULTI)
    created = add_object(client, "Multi", ID1, {"title": "t"}, vectors={"image": [1, 0, 0], "text": [0, 1]})
    assert created["vectors"] == {"image": [1, 0, 0], "text": [0, 1]}
    assert "vector" not in created
    stored = get_object(client, "Multi", ID1)
    assert stored["vectors"] == {"image": [1, 0, 0], "text": [0, 1]}
    hits = client.app.state.store.search("Multi", "text", np.array([0, 1], dtype=np.float32), 1)
    assert hits[0][0] == ID1


def test_a_legacy_vector_goes_to_the_only_named_vector(client):
    create_class(client, "Single", text_props("title"), vectorConfig={"only": {}})
    created = add_object(client, "Single", ID1, {"title": "t"}, vector=[0.5, 0.5])
    assert created["vectors"] == {"only": [0.5, 0.5]}
    assert get_object(client, "Single", ID1)["vectors"] == {"only": [0.5, 0.5]}


def test_a_legacy_vector_is_ambiguous_with_two_named_vectors(local_client):
    create_class(local_client, "Multi", vectorConfig=MULTI)
    response = local_client.post("/v1/objects", json={"class": "Multi", "vector": [1, 0]})
    assert response.status_code == 422
    assert "'vectors'" in message(response) and "image" in message(response)
    assert stored_count(local_client) == 0


def test_a_wrong_vector_length_is_422_and_nothing_is_stored(client):
    create_class(client, "Doc", text_props("text"))
    create_class(client, "Multi", vectorConfig=MULTI)
    add_object(client, "Doc", ID1, {"text": "a"}, vector=[1, 0, 0])
    add_object(client, "Multi", ID2, vectors={"image": [1, 0], "text": [1, 0, 0, 0]})

    response = client.post("/v1/objects", json={"class": "Doc", "id": ID3, "properties": {"text": "b"},
                                                "vector": [1, 0]})
    assert response.status_code == 422
    assert message(response) == "new node has a vector with length 2. Existing nodes have vectors with length 3"
    response = client.post("/v1/objects", json={"class": "Multi", "id": ID4,
                                                "vectors": {"image": [0, 1], "text": [1, 0]}})
    assert response.status_code == 422
    assert "length 2" in message(response) and "length 4" in message(response)

    assert get_object(client, "Doc", ID3) is None and get_object(client, "Multi", ID4) is None
    assert stored_count(client) == 2
    hits = client.app.state.store.search("Doc", "", np.array([1, 0, 0], dtype=np.float32), 5)
    assert [uid for uid, _ in hits] == [ID1]
    hits = client.app.state.store.search("Multi", "image", np.array([0, 1], dtype=np.float32), 5)
    assert [uid for uid, _ in hits] == [ID2]


# -- list -----------------------------------------------------------------------------------------------------------

def _ids(response) -> list[str]:
    return [o["id"] for o in expect(response)["objects"]]


def test_list_filters_pages_and_includes_vectors(client):
    create_class(client, "Doc", text_props("text"))
    create_class(client, "Other", text_props("text"))
    for i, uid in enumerate([ID1, ID2, ID3, ID4]):
        add_object(client, "Doc", uid, {"text": str(i)}, vector=[1, i])
    add_object(client, "Other", ID5, {"text": "x"})

    body = expect(client.get("/v1/objects"))
    assert body["totalResults"] == 5 and len(body["objects"]) == 5
    assert body["deprecations"] == []
    assert all("vector" not in o for o in body["objects"])
    assert sorted(o["id"] for o in body["objects"]) == [ID1, ID2, ID3, ID4, ID5]

    assert sorted(_ids(client.get("/v1/objects?class=Doc"))) == [ID1, ID2, ID3, ID4]
    assert _ids(client.get("/v1/objects?class=other")) == [ID5]
    all_doc = _ids(client.get("/v1/objects?class=Doc"))
    assert _ids(client.get("/v1/objects?class=Doc&limit=2")) == all_doc[:2]
    assert _ids(client.get("/v1/objects?class=Doc&limit=2&offset=2")) == all_doc[2:]
    assert _ids(client.get("/v1/objects?class=Doc&offset=3")) == all_doc[3:]
    assert _ids(client.get("/v1/objects?class=Doc&limit=0")) == []

    with_vectors = expect(client.get("/v1/objects?class=Doc&include=vector"))["objects"]
    assert {o["id"]: o["vector"] for o in with_vectors}[ID3] == [1, 2]


def test_list_walks_a_class_with_the_after_cursor(client):
    create_class(client, "Doc", text_props("text"))
    ids = sorted(str(uuid.UUID(int=i * 7919 + 1, version=4)) for i in range(7))
    for uid in reversed(ids):
        add_object(client, "Doc", uid, {"text": uid})
    seen, after = [], ""
    while True:
        page = _ids(client.get("/v1/objects", params={"class": "Doc", "limit": 3, "after": after}))
        if not page:
            break
        seen += page
        after = page[-1]
    assert seen == ids
    assert _ids(client.get("/v1/objects", params={"class": "Doc", "after": ids[2].upper()})) == ids[3:]


def test_list_default_limit_comes_from_query_defaults_limit(make_client):
    client = make_client(QUERY_DEFAULTS_LIMIT="2")
    create_class(client, "Doc", text_props("text"))
    for uid in (ID1, ID2, ID3):
        add_object(client, "Doc", uid, {"text": "x"})
    assert len(_ids(client.get("/v1/objects"))) == 2
    assert len(_ids(client.get("/v1/objects?limit=3"))) == 3  # an explicit limit is used as given


@pytest.mark.parametrize("query,status,text", [
    ("class=Doc&limit=13", 422, "msg:offset or limit code:400 err:query maximum results exceeded: "),
    ("class=Doc&limit=3&offset=10", 422, "msg:offset or limit code:400 err:query maximum results exceeded: "),
    ("offset=3", 422, "list objects: query maximum results exceeded: "),
    ("after=" + ID1, 422, "cursor api: invalid 'after' parameter: class name must be set"),
    ("class=Doc&after=" + ID1 + "&offset=1", 422, "cursor api: invalid 'after' parameter: offset cannot be set"),
    ("include=vectors", 400, "unrecognized property 'vectors' in ?include list"),
    ("class=Doc&include=vector,nope", 400, "unrecognized property 'nope' in ?include list"),
    ("limit=ten", 422, 'limit in query must be of type int64: "ten"'),
    ("offset=-1", 422, "offset and limit must not be negative"),
    ("class=Nope", 404, "class 'Nope' not found in schema"),
])
def test_list_rejections(make_local_client, query, status, text):
    client = make_local_client(QUERY_MAXIMUM_RESULTS="12")  # the default limit 10 fits, 10 + 3 does not
    create_class(client, "Doc", text_props("text"))
    response = client.get("/v1/objects?" + query)
    assert response.status_code == status
    assert message(response).startswith(text)
    if "maximum" in text:
        assert "QUERY_MAXIMUM_RESULTS '12'" in message(response)


# -- one object by class and id ---------------------------------------------------------------------------------

def test_get_head_and_delete_by_class_and_id(client):
    create_class(client, "Doc", text_props("text"))
    add_object(client, "Doc", ID1, {"text": "a"}, vector=[1, 0])
    add_object(client, "Doc", ID2, {"text": "b"}, vector=[0, 1])

    assert expect(client.get(f"/v1/objects/doc/{ID1.upper()}"))["properties"] == {"text": "a"}
    assert client.get(f"/v1/objects/Doc/{MISSING}").status_code == 404
    assert client.get(f"/v1/objects/Nope/{ID1}").status_code == 404
    assert client.get(f"/v1/objects/Doc/{ID1}?include=nope").status_code == 400

    head = client.head(f"/v1/objects/Doc/{ID1}")
    assert head.status_code == 204 and head.content == b""
    assert client.head(f"/v1/objects/Doc/{MISSING}").status_code == 404

    response = client.delete(f"/v1/objects/Doc/{ID1}")
    assert response.status_code == 204 and response.content == b""
    assert get_object(client, "Doc", ID1) is None
    assert client.head(f"/v1/objects/Doc/{ID1}").status_code == 404
    assert client.delete(f"/v1/objects/Doc/{ID1}").status_code == 204  # deleting a missing id is no error
    assert client.delete(f"/v1/objects/Nope/{ID1}").status_code == 404
    hits = client.app.state.store.search("Doc", "", np.array([1, 0], dtype=np.float32), 5)
    assert [uid for uid, _ in hits] == [ID2]
    assert get_object(client, "Doc", ID2)["properties"] == {"text": "b"}


@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT", "PATCH", "DELETE"])
def test_a_malformed_uuid_in_the_path_is_422(local_client, method):
    create_class(local_client, "Doc", text_props("text"))
    add_object(local_client, "Doc", ID1, {"text": "a"})
    body = {"class": "Doc", "id": "not-a-uuid", "properties": {"text": "b"}} if method in ("PUT", "PATCH") else None
    response = local_client.request(method, "/v1/objects/Doc/not-a-uuid", json=body)
    assert response.status_code == 422
    if method != "HEAD":
        assert message(response) == 'id in path must be of type uuid: "not-a-uuid"'
    assert get_object(local_client, "Doc", ID1)["properties"] == {"text": "a"}


def test_put_replaces_properties_and_vector_and_keeps_the_creation_time(client):
    create_class(client, "Doc", text_props("text", "note"))
    created = add_object(client, "Doc", ID1, {"text": "a", "note": "n"}, vector=[1, 0])
    time.sleep(0.005)
    replaced = expect(client.put(f"/v1/objects/doc/{ID1}", json={"class": "Doc", "id": ID1.upper(),
                                                                "properties": {"text": "b"}, "vector": [0, 1]}))
    assert replaced["properties"] == {"text": "b"}
    assert replaced["vector"] == [0, 1]
    stored = get_object(client, "Doc", ID1)
    assert stored["properties"] == {"text": "b"} and stored["vector"] == [0, 1]
    assert stored["creationTimeUnix"] == created["creationTimeUnix"]
    assert stored["lastUpdateTimeUnix"] > created["lastUpdateTimeUnix"]
    hits = client.app.state.store.search("Doc", "", np.array([0, 1], dtype=np.float32), 5)
    assert hits == [(ID1, pytest.approx(0.0, abs=1e-6))]


@pytest.mark.parametrize("body,status,text", [
    ({"class": "Doc", "id": ID2, "properties": {"text": "x"}}, 422, "invalid update: field 'id' is immutable"),
    ({"class": "Doc", "properties": {"text": "x"}}, 422, "invalid update: field 'id' is immutable"),
    ({"class": "Doc", "id": ID1, "properties": {"text": 5}}, 422,
     "invalid object: invalid text property 'text' on class 'Doc': not a string, but json.Number"),
    ({"class": "Doc", "id": ID1, "properties": {"text": "x"}, "vector": [1, 0, 0]}, 422,
     "new node has a vector with length 3. Existing nodes have vectors with length 2"),
    ({"class": "Doc", "id": ID1, "vector": ["x"]}, 422, "invalid object: vector must be a list of numbers"),
    (["x"], 422, "invalid object: the object must be a JSON object"),
])
def test_a_refused_put_changes_nothing(client, body, status, text):
    create_class(client, "Doc", text_props("text"))
    add_object(client, "Doc", ID1, {"text": "a"}, vector=[1, 0])
    before = get_object(client, "Doc", ID1)
    response = client.put(f"/v1/objects/Doc/{ID1}", json=body)
    assert response.status_code == status
    assert message(response) == text
    assert get_object(client, "Doc", ID1) == before


def test_put_of_a_missing_object_or_class_is_404(local_client):
    create_class(local_client, "Doc", text_props("text"))
    body = {"class": "Doc", "id": MISSING, "properties": {"text": "x"}}
    assert local_client.put(f"/v1/objects/Doc/{MISSING}", json=body).status_code == 404
    assert local_client.put(f"/v1/objects/Nope/{MISSING}", json={**body, "class": "Nope"}).status_code == 404
    assert stored_count(local_client) == 0


def test_patch_merges_properties_keeps_the_vector_and_moves_the_update_time(client):
    create_class(client, "Doc", text_props("text", "note"))
    created = add_object(client, "Doc", ID1, {"text": "a", "note": "n"}, vector=[1, 0])
    time.sleep(0.005)
    response = client.patch(f"/v1/objects/Doc/{ID1}", json={"class": "Doc", "properties": {"note": "m"}})
    assert response.status_code == 204 and response.content == b""
    stored = get_object(client, "Doc", ID1)
    assert stored["properties"] == {"text": "a", "note": "m"}
    assert stored["vector"] == [1, 0]
    assert stored["creationTimeUnix"] == created["creationTimeUnix"]
    assert stored["lastUpdateTimeUnix"] > created["lastUpdateTimeUnix"]
    assert client.app.state.store.search("Doc", "", np.array([1, 0], dtype=np.float32), 1)[0][0] == ID1

    assert client.patch(f"/v1/objects/Doc/{ID1}", json={"vector": [0, 1]}).status_code == 204
    stored = get_object(client, "Doc", ID1)
    assert stored["vector"] == [0, 1] and stored["properties"] == {"text": "a", "note": "m"}


@pytest.mark.parametrize("body,text", [
    ({"properties": {"text": 5}}, "invalid object: invalid text property 'text' on class 'Doc': not a string, "
                                  "but json.Number"),
    ({"properties": ["x"]}, "invalid object: properties must be a JSON object"),
    ({"vector": [1, 0, 0]}, "new node has a vector with length 3. Existing nodes have vectors with length 2"),
    ({"vector": "up"}, "invalid object: vector must be a list of numbers"),
    ("x", "invalid object: the object must be a JSON object"),
])
def test_a_refused_patch_changes_nothing(client, body, text):
    create_class(client, "Doc", text_props("text"))
    add_object(client, "Doc", ID1, {"text": "a"}, vector=[1, 0])
    before = get_object(client, "Doc", ID1)
    response = client.patch(f"/v1/objects/Doc/{ID1}", json=body)
    assert response.status_code == 422
    assert message(response) == text
    assert get_object(client, "Doc", ID1) == before


def test_patch_of_a_missing_object_or_class_is_404(local_client):
    create_class(local_client, "Doc", text_props("text"))
    assert local_client.patch(f"/v1/objects/Doc/{MISSING}", json={"properties": {"text": "x"}}).status_code == 404
    assert local_client.patch(f"/v1/objects/Nope/{MISSING}", json={"properties": {"text": "x"}}).status_code == 404
    assert stored_count(local_client) == 0


def test_validate_checks_without_storing(local_client):
    create_class(local_client, "Doc", text_props("text"))
    response = local_client.post("/v1/objects/validate", json={"class": "Doc", "id": ID1, "properties": {"text": "a"}})
    assert response.status_code == 200
    response = local_client.post("/v1/objects/validate", json={"class": "Doc", "properties": {"text": 1}})
    assert response.status_code == 422
    assert message(response) == ("invalid object: invalid text property 'text' on class 'Doc': not a string, but "
                                 "json.Number")
    response = local_client.post("/v1/objects/validate", json={"class": "Brandnew", "properties": {"a": "b"}})
    assert response.status_code == 422
    assert message(response) == 'invalid object: class "Brandnew" not found in schema'
    assert stored_count(local_client) == 0
    assert [c["class"] for c in expect(local_client.get("/v1/schema"))["classes"]] == ["Doc"]


def test_list_after_must_be_a_uuid(local_client):
    local_client.post("/v1/schema", json={"class": "Cursor"})
    response = local_client.get("/v1/objects", params={"class": "Cursor", "after": "not-a-uuid"})
    assert response.status_code == 422
    assert "'not-a-uuid' is not a uuid" in response.json()["error"][0]["message"]
