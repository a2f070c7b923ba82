"""`/v1/schema/{className}/shards`: the class's one shard, its status, and READONLY refusing every write."""

from __future__ import annotations

import pytest

from tests.rest import ID1, ID2, add_object, create_class, expect, get_object, message, stored_count
from weavebind.storage.shards import shard_name

SHARD = shard_name("Doc")


def _set(client, status: str, cls: str = "Doc", shard: str = SHARD):
    return client.put(f"/v1/schema/{cls}/shards/{shard}", json={"status": status})


def _doc(client) -> None:
    create_class(client, "Doc", [{"name": "title", "dataType": ["text"]}])
    add_object(client, "Doc", ID1, {"title": "kept"}, vector=[1, 0])


def test_one_ready_shard_with_a_stable_name(client):
    _doc(client)
    client.app.state.store.indexes.indexer.drain()
    assert expect(client.get("/v1/schema/doc/shards")) == [{"name": SHARD, "status": "READY", "vectorQueueSize": 0}]
    assert len(SHARD) == 12 and SHARD.isalnum() and SHARD != shard_name("Other")


def test_bad_requests_are_refused_with_weaviates_status_codes(client):
    _doc(client)
    response = client.get("/v1/schema/Missing/shards")
    assert response.status_code == 404 and "Missing" in message(response)
    # Weaviate answers every failed shard update with 422, an unknown class or shard included.
    assert _set(client, "READONLY", cls="Missing").status_code == 422
    response = _set(client, "READONLY", shard="abcdefabcdef")
    assert response.status_code == 422 and SHARD in message(response)
    for status in ("INDEXING", "readonly", None, 5):
        response = _set(client, status)
        assert response.status_code == 422 and "READY or READONLY" in message(response)
    assert client.put(f"/v1/schema/Doc/shards/{SHARD}", json=["READONLY"]).status_code == 422
    assert client.put(f"/v1/schema/Doc/shards/{SHARD}", content=b"{").status_code == 400
    assert expect(client.get("/v1/schema/Doc/shards"))[0]["status"] != "READONLY"


def test_readonly_refuses_every_rest_write_and_ready_lifts_it(client):
    _doc(client)
    assert expect(_set(client, "READONLY")) == {"status": "READONLY"}
    assert expect(client.get("/v1/schema/Doc/shards"))[0]["status"] == "READONLY"
    body = {"class": "Doc", "properties": {"title": "new"}, "vector": [0, 1]}
    refused = [
        client.post("/v1/objects", json={**body, "id": ID2}),
        client.put(f"/v1/objects/Doc/{ID1}", json={**body, "id": ID1}),
        client.patch(f"/v1/objects/Doc/{ID1}", json={"properties": {"title": "patched"}}),
        client.delete(f"/v1/objects/Doc/{ID1}"),
        client.delete(f"/v1/objects/{ID1}"),
        client.request("DELETE", "/v1/batch/objects", json={"match": {"class": "Doc", "where": {
            "path": ["title"], "operator": "Equal", "valueText": "kept"}}}),
    ]
    for response in refused:
        assert response.status_code == 422, response.text
        assert "store is read-only" in message(response)
    [result] = expect(client.post("/v1/batch/objects", json={"objects": [{**body, "id": ID2}]}))
    assert "store is read-only" in result["result"]["errors"]["error"][0]["message"]
    assert stored_count(client, "Doc") == 1 and get_object(client, "Doc", ID1)["properties"] == {"title": "kept"}
    # Refused before auto-schema: a new property in a refused write does not reach the schema.
    response = client.post("/v1/objects", json={"class": "Doc", "properties": {"fresh": "x"}})
    assert response.status_code == 422 and "store is read-only" in message(response)
    [result] = expect(client.post("/v1/batch/objects", json={"objects": [{"class": "Doc", "properties": {
        "fresher": "y"}}]}))
    assert "store is read-only" in result["result"]["errors"]["error"][0]["message"]
    names = [p["name"] for p in expect(client.get("/v1/schema/Doc"))["properties"]]
    assert names == ["title"]
    expect(client.post("/v1/objects/validate", json={"class": "Doc", "properties": {"title": "ok"}}))
    assert expect(_set(client, "READY")) == {"status": "READY"}
    add_object(client, "Doc", ID2, {"title": "new"}, vector=[0, 1])
    assert stored_count(client, "Doc") == 2


def test_readonly_survives_a_restart_and_dropping_the_class_clears_it(make_client):
    client = make_client()
    _doc(client)
    expect(_set(client, "READONLY"))
    client.__exit__(None, None, None)
    client = make_client()
    assert expect(client.get("/v1/schema/Doc/shards"))[0]["status"] == "READONLY"
    assert client.post("/v1/objects", json={"class": "Doc", "vector": [0, 1]}).status_code == 422
    expect(client.delete("/v1/schema/Doc"))
    _doc(client)
    assert expect(client.get("/v1/schema/Doc/shards"))[0]["status"] in ("READY", "INDEXING")


@pytest.mark.parametrize("status", ["READY", "READONLY"])
def test_setting_a_status_twice_is_idempotent(client, status):
    _doc(client)
    expect(_set(client, status))
    expect(_set(client, status))
    assert client.app.state.store.shard_status("Doc") in ({status} if status == "READONLY" else {"READY", "INDEXING"})
