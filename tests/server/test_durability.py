"""What the server acknowledged is there after a restart on the same data path and database."""

from __future__ import annotations

import numpy as np
import pytest

from tests.rest import ID1, ID2, ID3, ID4, add_object, create_class, expect, get_object, stored_count, text_props


def _restart(make_client, old):
    old.__exit__(None, None, None)  # runs the lifespan's shutdown: the store is closed
    return make_client()


def _search(client, cls: str, target: str, vector: list[float], k: int = 10) -> list[tuple[str, float]]:
    return client.app.state.store.search(cls, target, np.asarray(vector, dtype=np.float32), k)


def test_classes_objects_and_vectors_survive_a_restart(make_client):
    client = make_client()
    doc = create_class(client, "Doc", text_props("title"), vectorIndexConfig={"distance": "l2-squared"})
    multi = create_class(client, "Multi", text_props("title"),
                         vectorConfig={"image": {"vectorIndexType": "flat"}, "text": {}})
    add_object(client, "Doc", ID1, {"title": "one"}, vector=[1, 0, 0])
    add_object(client, "Doc", ID2, {"title": "two"}, vector=[0, 1, 0])
    expect(client.post("/v1/batch/objects", json={"objects": [
        {"class": "Doc", "id": ID3, "properties": {"title": "three"}, "vector": [0, 0, 1]},
        {"class": "Multi", "id": ID4, "properties": {"title": "m"}, "vectors": {"image": [1, 0], "text": [0, 1, 0]}},
    ]}))
    expect(client.patch(f"/v1/objects/Doc/{ID2}", json={"properties": {"title": "two!"}, "vector": [0, 2, 0]}), 204)
    assert client.delete(f"/v1/objects/Doc/{ID3}").status_code == 204
    before = {uid: get_object(client, "Doc", uid) for uid in (ID1, ID2)}
    before_search = _search(client, "Doc", "", [0, 1, 0])
    assert [uid for uid, _ in before_search] == [ID2, ID1]

    client = _restart(make_client, client)
    assert expect(client.get("/v1/schema")) == {"classes": [doc, multi]}
    for uid, stored in before.items():
        assert get_object(client, "Doc", uid) == stored
    assert get_object(client, "Doc", ID3) is None
    assert get_object(client, "Multi", ID4)["vectors"] == {"image": [1, 0], "text": [0, 1, 0]}
    assert stored_count(client) == 3
    after_search = _search(client, "Doc", "", [0, 1, 0])
    assert [uid for uid, _ in after_search] == [ID2, ID1]
    assert [d for _, d in after_search] == pytest.approx([d for _, d in before_search])
    assert after_search[0][1] == pytest.approx(1.0)  # l2-squared from [0,1,0] to the patched [0,2,0]
    assert [uid for uid, _ in _search(client, "Multi", "text", [0, 1, 0])] == [ID4]

    # The restarted server keeps working: the vector length is still enforced, new writes are searchable.
    response = client.post("/v1/objects", json={"class": "Doc", "vector": [1, 0]})
    assert response.status_code == 422
    add_object(client, "Doc", ID3, {"title": "back"}, vector=[0, 0, 1])
    assert _search(client, "Doc", "", [0, 0, 1], 1)[0][0] == ID3


def test_a_deleted_class_stays_deleted_after_a_restart(make_client):
    client = make_client()
    create_class(client, "Doc", text_props("title"))
    add_object(client, "Doc", ID1, {"title": "one"}, vector=[1, 0])
    assert client.delete("/v1/schema/Doc").status_code == 200
    client = _restart(make_client, client)
    assert expect(client.get("/v1/schema")) == {"classes": []}
    assert stored_count(client) == 0
    create_class(client, "Doc", text_props("title"))
    assert get_object(client, "Doc", ID1) is None
    assert _search(client, "Doc", "", [1, 0]) == []


def test_without_a_clean_shutdown_the_indexes_are_rebuilt_from_sql(make_client):
    first = make_client(WEAVEBIND_INDEX_SNAPSHOT_SECONDS="3600")
    create_class(first, "Doc", text_props("title"))
    add_object(first, "Doc", ID1, {"title": "one"}, vector=[1, 0])
    add_object(first, "Doc", ID2, {"title": "two"}, vector=[0, 1])
    first.delete(f"/v1/objects/Doc/{ID1}")
    # `first` is never shut down (as after kill -9): no index snapshot was written, SQL is all there is.
    second = make_client()
    assert get_object(second, "Doc", ID2)["vector"] == [0, 1]
    assert get_object(second, "Doc", ID1) is None
    assert [uid for uid, _ in _search(second, "Doc", "", [1, 0])] == [ID2]
