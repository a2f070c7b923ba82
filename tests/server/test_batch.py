"""`POST /v1/batch/objects`: per-object results in input order, upserts, auto-schema (spec 3.5)."""

from __future__ import annotations

import uuid

import numpy as np
import pytest

from tests.rest import (
    ID1,
    ID2,
    ID3,
    ID4,
    ID5,
    add_object,
    create_class,
    expect,
    get_object,
    message,
    stored_count,
    text_props,
)


def batch(client, *objects) -> list[dict]:
    return expect(client.post("/v1/batch/objects", json={"fields": ["ALL"], "objects": list(objects)}))


def _errors(result: dict) -> str:
    return result["result"]["errors"]["error"][0]["message"]


def test_one_bad_object_fails_alone_and_results_keep_the_input_order(client):
    create_class(client, "Doc", [{"name": "title", "dataType": ["text"]}, {"name": "n", "dataType": ["int"]}])
    add_object(client, "Doc", ID5, {"title": "existing", "n": 0}, vector=[0, 1])
    results = batch(
        client,
        {"class": "Doc", "id": ID1, "properties": {"title": "a", "n": 1}, "vector": [1, 0]},
        {"class": "Doc", "id": ID2, "properties": {"title": 5}, "vector": [1, 0]},
        {"class": "Doc", "id": ID3, "properties": {"title": "c"}, "vector": [1, 0, 0]},
        {"class": "", "id": ID4, "properties": {"title": "d"}},
        {"id": ID4, "properties": {"title": "d"}},
        {"class": "Doc", "id": "not-a-uuid"},
        "not an object",
        {"class": "Doc", "properties": {"title": "generated id"}, "vector": [0.6, 0.8]},
    )
    assert [r["result"]["status"] for r in results] == [
        "SUCCESS", "FAILED", "FAILED", "FAILED", "FAILED", "FAILED", "FAILED", "SUCCESS"]
    assert _errors(results[1]) == ("invalid object: invalid text property 'title' on class 'Doc': not a string, "
                                   "but json.Number")
    assert _errors(results[2]) == "new node has a vector with length 3. Existing nodes have vectors with length 2"
    assert _errors(results[3]) == "object has an empty class"
    assert _errors(results[4]) == "object has an empty class"
    assert _errors(results[5]) == 'id must be of type uuid: "not-a-uuid"'
    assert "must be a JSON object" in _errors(results[6])
    assert [r.get("id") for r in results[:6]] == [ID1, ID2, ID3, ID4, ID4, "not-a-uuid"]
    assert all(r["deprecations"] is None for r in results)
    assert "errors" not in results[0]["result"]

    assert results[0]["properties"] == {"title": "a", "n": 1} and results[0]["vector"] == [1, 0]
    generated = results[7]["id"]
    assert uuid.UUID(generated).version == 4
    assert get_object(client, "Doc", generated)["vector"] == pytest.approx([0.6, 0.8])
    assert get_object(client, "Doc", ID1)["properties"] == {"title": "a", "n": 1}
    for missing in (ID2, ID3, ID4):
        assert get_object(client, "Doc", missing) is None
    assert stored_count(client) == 3
    hits = client.app.state.store.search("Doc", "", np.array([1, 0], dtype=np.float32), 10)
    assert {uid for uid, _ in hits} == {ID1, ID5, generated}


def test_a_batch_upserts_and_keeps_the_creation_time(client):
    create_class(client, "Doc", text_props("title", "note"))
    first = add_object(client, "Doc", ID1, {"title": "a", "note": "n"}, vector=[1, 0])
    results = batch(client, {"class": "Doc", "id": ID1, "properties": {"title": "b"}, "vector": [0, 1]},
                    {"class": "Doc", "id": ID2, "properties": {"title": "new"}})
    assert [r["result"]["status"] for r in results] == ["SUCCESS", "SUCCESS"]
    stored = get_object(client, "Doc", ID1)
    assert stored["properties"] == {"title": "b"}  # an upsert replaces, it does not merge
    assert stored["vector"] == [0, 1]
    assert stored["creationTimeUnix"] == first["creationTimeUnix"]
    assert stored["lastUpdateTimeUnix"] >= first["lastUpdateTimeUnix"]
    assert stored_count(client) == 2


def test_the_last_of_repeated_ids_in_one_batch_wins(client):
    create_class(client, "Doc", text_props("title"))
    results = batch(client, {"class": "Doc", "id": ID1, "properties": {"title": "first"}, "vector": [1, 0]},
                    {"class": "Doc", "id": ID1, "properties": {"title": "second"}, "vector": [0, 1]})
    assert [r["result"]["status"] for r in results] == ["SUCCESS", "SUCCESS"]
    stored = get_object(client, "Doc", ID1)
    assert (stored["properties"], stored["vector"]) == ({"title": "second"}, [0, 1])
    assert stored_count(client) == 1
    hits = client.app.state.store.search("Doc", "", np.array([0, 1], dtype=np.float32), 10)
    assert [uid for uid, _ in hits] == [ID1]


def test_a_batch_fills_several_classes_and_named_vectors(client):
    create_class(client, "Doc", text_props("title"))
    create_class(client, "Multi", text_props("title"), vectorConfig={"a": {}, "b": {"vectorIndexType": "flat"}})
    results = batch(client, {"class": "Multi", "id": ID1, "vectors": {"a": [1, 0], "b": [0, 0, 1]}},
                    {"class": "doc", "id": ID2, "properties": {"title": "x"}, "vector": [1, 1, 1]},
                    {"class": "Multi", "id": ID3, "vectors": {"a": [1, 0, 0], "b": [0, 0, 1]}})
    assert [r["result"]["status"] for r in results] == ["SUCCESS", "SUCCESS", "FAILED"]
    assert results[1]["class"] == "Doc"
    assert get_object(client, "Multi", ID1)["vectors"] == {"a": [1, 0], "b": [0, 0, 1]}
    assert get_object(client, "Multi", ID3) is None
    assert get_object(client, "Doc", ID2)["vector"] == [1, 1, 1]


@pytest.mark.parametrize("body", [{"objects": []}, {}, {"objects": None}, {"objects": {"class": "Doc"}}, []])
def test_an_empty_objects_list_is_422(local_client, body):
    response = local_client.post("/v1/batch/objects", json=body)
    assert response.status_code == 422
    assert message(response) == "invalid param 'objects': cannot be empty, need at least one object for batching"


def test_auto_schema_creates_classes_and_properties_in_a_batch(client):
    create_class(client, "Doc", text_props("title"))
    results = batch(client,
                    {"class": "Doc", "id": ID1, "properties": {"title": "t", "pages": 12}},
                    {"class": "brandNew", "id": ID2, "properties": {"when": "2024-05-01T10:00:00Z", "tags": ["a"]}},
                    {"class": "BrandNew", "id": ID3, "properties": {"when": "not a date"}})
    assert [r["result"]["status"] for r in results] == ["SUCCESS", "SUCCESS", "FAILED"]
    assert "invalid date property 'when'" in _errors(results[2])
    doc = {p["name"]: p["dataType"] for p in expect(client.get("/v1/schema/Doc"))["properties"]}
    assert doc == {"title": ["text"], "pages": ["number"]}
    brand_new = {p["name"]: p["dataType"] for p in expect(client.get("/v1/schema/BrandNew"))["properties"]}
    assert brand_new == {"when": ["date"], "tags": ["text[]"]}
    assert get_object(client, "BrandNew", ID2)["properties"] == {"when": "2024-05-01T10:00:00Z", "tags": ["a"]}


def test_without_auto_schema_unknown_classes_fail_per_object(make_local_client):
    client = make_local_client(AUTOSCHEMA_ENABLED="false")
    create_class(client, "Doc", text_props("title"))
    results = batch(client, {"class": "Nope", "id": ID1}, {"class": "Doc", "id": ID2, "properties": {"title": "t"}},
                    {"class": "Doc", "id": ID3, "properties": {"other": "x"}})
    assert [r["result"]["status"] for r in results] == ["FAILED", "SUCCESS", "FAILED"]
    assert _errors(results[0]) == 'invalid object: class "Nope" not found in schema'
    assert "no such prop with name 'other'" in _errors(results[2])
    assert [c["class"] for c in expect(client.get("/v1/schema"))["classes"]] == ["Doc"]
    assert stored_count(client) == 1


def test_batches_past_the_pending_limit_wait_for_the_indexer_and_all_land(make_client):
    """WEAVEBIND_PENDING_LIMIT_MB: past it a batch waits for the indexer (storage/backlog.py), then is written."""
    client = make_client(WEAVEBIND_PENDING_LIMIT_MB="1")
    create_class(client, "Doc", [{"name": "n", "dataType": ["int"]}])
    indexes = client.app.state.store.indexes
    assert indexes.backlog.limit_bytes == 1 << 20
    dim, size = 64, 2000  # 512 KB of vectors per batch
    rng = np.random.default_rng(9)
    for b in range(4):
        vectors = rng.random((size, dim), dtype=np.float32)
        results = batch(client, *({"class": "Doc", "id": str(uuid.UUID(int=b * size + i + 1)), "properties": {"n": i},
                                   "vector": vectors[i].tolist()} for i in range(size)))
        assert all("errors" not in r["result"] for r in results)
        assert indexes.pending_count() * dim * 4 <= (1 << 20) + size * dim * 4
    assert stored_count(client, "Doc") == 4 * size
    hits = client.app.state.store.search("Doc", "", vectors[7], 1)
    assert [uid for uid, _ in hits] == [str(uuid.UUID(int=3 * size + 8))]
