"""The deprecated `/v1/objects/{id}` forms, which find the object in any class."""

from __future__ import annotations

import time

from tests.rest import ID1, ID2, MISSING, add_object, create_class, expect, get_object, message, text_props


def test_get_and_head_by_id_alone(client):
    create_class(client, "Doc", text_props("text"))
    create_class(client, "Other", text_props("text"))
    add_object(client, "Doc", ID1, {"text": "a"}, vector=[1, 0])
    add_object(client, "Other", ID2, {"text": "b"})

    found = expect(client.get(f"/v1/objects/{ID1.upper()}?include=vector"))
    assert (found["class"], found["id"], found["properties"], found["vector"]) == ("Doc", ID1, {"text": "a"}, [1, 0])
    assert expect(client.get(f"/v1/objects/{ID2}"))["class"] == "Other"
    assert client.get(f"/v1/objects/{MISSING}").status_code == 404
    assert client.head(f"/v1/objects/{ID2}").status_code == 204
    assert client.head(f"/v1/objects/{MISSING}").status_code == 404
    response = client.get("/v1/objects/not-a-uuid")
    assert response.status_code == 422
    assert message(response) == 'id in path must be of type uuid: "not-a-uuid"'


def test_put_patch_and_delete_by_id_alone(client):
    create_class(client, "Doc", text_props("text", "note"))
    created = add_object(client, "Doc", ID1, {"text": "a", "note": "n"}, vector=[1, 0])
    time.sleep(0.005)

    replaced = expect(client.put(f"/v1/objects/{ID1}", json={"class": "Doc", "id": ID1, "properties": {"text": "b"}}))
    assert replaced["properties"] == {"text": "b"}
    assert replaced["creationTimeUnix"] == created["creationTimeUnix"]
    assert replaced["lastUpdateTimeUnix"] > created["lastUpdateTimeUnix"]

    assert client.patch(f"/v1/objects/{ID1}", json={"properties": {"note": "m"}}).status_code == 204
    assert get_object(client, "Doc", ID1)["properties"] == {"text": "b", "note": "m"}

    assert client.delete(f"/v1/objects/{ID1}").status_code == 204
    assert get_object(client, "Doc", ID1) is None
    assert client.delete(f"/v1/objects/{ID1}").status_code == 204


def test_legacy_rejections_change_nothing(client):
    create_class(client, "Doc", text_props("text"))
    add_object(client, "Doc", ID1, {"text": "a"})
    before = get_object(client, "Doc", ID1)

    response = client.put(f"/v1/objects/{ID1}", json={"id": ID1, "properties": {"text": "b"}})
    assert response.status_code == 404
    assert message(response) == "class '' not found in schema"
    response = client.put(f"/v1/objects/{ID1}", json={"class": "Doc", "id": ID2, "properties": {"text": "b"}})
    assert response.status_code == 422
    assert message(response) == "invalid update: field 'id' is immutable"
    assert client.patch(f"/v1/objects/{MISSING}", json={"properties": {"text": "b"}}).status_code == 404
    response = client.patch(f"/v1/objects/{ID1}", json={"properties": {"text": 1}})
    assert response.status_code == 422
    assert client.delete("/v1/objects/not-a-uuid").status_code == 422

    assert get_object(client, "Doc", ID1) == before
