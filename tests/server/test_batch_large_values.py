"""REST batch with large blobs: the items lend their large strings to storage while they are written
(schema/owned.lent_values), and every answer still echoes or renders them whole, on both databases."""

from __future__ import annotations

import base64
import os

CLASS = {"class": "Blobs", "vectorizer": "none",
         "properties": [{"name": "title", "dataType": ["text"]}, {"name": "image", "dataType": ["blob"]}]}
UID = "00000000-0000-0000-0000-0000000000a1"


def _blob() -> str:
    return base64.b64encode(os.urandom(1 << 20)).decode()  # 1.3 MiB of text: a large value


def test_stored_duplicate_and_failed_items_answer_whole(client):
    client.post("/v1/schema", json=CLASS).raise_for_status()
    first, second, bad = _blob(), _blob(), _blob()
    items = [{"class": "Blobs", "id": UID, "properties": {"image": first}},
             {"class": "Blobs", "id": UID, "properties": {"Image": second, "title": "kept"}},
             {"class": "Blobs", "properties": {"image": bad, "title": 5}}]
    reply = client.post("/v1/batch/objects", json={"objects": items})
    assert reply.status_code == 200, reply.text[:300]
    answers = reply.json()
    assert [a["result"].get("status") for a in answers] == ["SUCCESS", "SUCCESS", "FAILED"]
    assert answers[0]["properties"] == {"image": first}  # the earlier duplicate: echoed from its item
    assert answers[1]["properties"] == {"image": second, "title": "kept"}  # the stored one: rendered
    assert answers[2]["properties"] == {"image": bad, "title": 5}  # refused: echoed as sent
    assert client.get(f"/v1/objects/Blobs/{UID}").json()["properties"] == {"image": second, "title": "kept"}


def test_a_large_object_created_alone_is_answered_and_stored_whole(client):
    client.post("/v1/schema", json=CLASS).raise_for_status()
    blob = _blob()
    reply = client.post("/v1/objects", json={"class": "Blobs", "id": UID, "properties": {"image": blob}})
    assert reply.status_code == 200 and reply.json()["properties"] == {"image": blob}
    assert client.get(f"/v1/objects/Blobs/{UID}").json()["properties"] == {"image": blob}
