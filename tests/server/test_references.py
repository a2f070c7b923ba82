"""Reference routes: add / replace / delete one property's beacons (by class and legacy by id), and
`POST /v1/batch/references`; every bad input answered with Weaviate's status and text, nothing stored lost."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from tests.rest import ID1, ID2, ID3, ID4, MISSING, add_object, create_class, expect, get_object, message
from weavebind.schema.references import ReferenceService
from weavebind.storage import objects as sql

AUTHOR = "weaviate://localhost/Author/"


def beacon(uid: str, cls: str = "Author") -> dict:
    return {"beacon": f"weaviate://localhost/{cls}/{uid}"}


def refs_of(client, uid: str, prop: str = "hasAuthor") -> list[str]:
    return [r["beacon"] for r in get_object(client, "Book", uid)["properties"].get(prop, [])]


def _schema(client) -> None:
    create_class(client, "Author", [{"name": "name", "dataType": ["text"]}], vectorizer="none")
    create_class(client, "Editor", [{"name": "name", "dataType": ["text"]}], vectorizer="none")
    create_class(client, "Book", [{"name": "title", "dataType": ["text"]},
                                  {"name": "hasAuthor", "dataType": ["Author"]},
                                  {"name": "hasPerson", "dataType": ["Author", "Editor"]}], vectorizer="none")
    add_object(client, "Author", ID1, {"name": "Ann"})
    add_object(client, "Author", ID2, {"name": "Bob"})
    add_object(client, "Editor", ID3, {"name": "Eve"})
    add_object(client, "Book", ID4, {"title": "T"}, vector=[0.6, 0.8])


@pytest.fixture
def books(client):
    _schema(client)
    return client


@pytest.fixture
def local_books(local_client):
    _schema(local_client)
    return local_client


def test_add_appends_keeps_the_vector_and_bumps_the_update_time(books):
    before = get_object(books, "Book", ID4)
    books.post(f"/v1/objects/Book/{ID4}/references/hasAuthor", json=beacon(ID1)).raise_for_status()
    response = books.post(f"/v1/objects/Book/{ID4}/references/hasAuthor", json=beacon(ID2))
    assert response.status_code == 200
    after = get_object(books, "Book", ID4)
    assert refs_of(books, ID4) == [AUTHOR + ID1, AUTHOR + ID2]
    assert after["vector"] == pytest.approx([0.6, 0.8])
    assert after["lastUpdateTimeUnix"] >= before["lastUpdateTimeUnix"]
    assert after["creationTimeUnix"] == before["creationTimeUnix"]
    assert after["properties"]["title"] == "T"
    hits = books.app.state.store.search("Book", "", np.array([0.6, 0.8], dtype=np.float32), 5)
    assert [uid for uid, _ in hits] == [ID4]  # the index holds the object once, with the same vector


def test_a_write_takes_a_new_change_sequence_number(books):
    store = books.app.state.store
    with store.engine.connect() as conn:
        before = sql.current_sequence(conn)
    expect(books.post(f"/v1/objects/Book/{ID4}/references/hasAuthor", json=beacon(ID1)))
    with store.engine.connect() as conn:
        assert sql.current_sequence(conn) == before + 1


def test_concurrent_adds_to_one_object_lose_nothing(books):
    service = ReferenceService(books.app.state.objects)
    targets = [ID1, ID2] * 10
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda uid: service.add("Book", ID4, "hasAuthor", beacon(uid)), targets))
    assert sorted(refs_of(books, ID4)) == sorted(AUTHOR + uid for uid in targets)


def test_stored_references_this_code_cannot_parse_are_kept(books):
    odd = {"beacon": f"weaviate://otherpeer/Author/{ID1}"}
    expect(books.patch(f"/v1/objects/Book/{ID4}", json={"class": "Book", "properties": {"hasAuthor": [odd]}}), 204)
    expect(books.post(f"/v1/objects/Book/{ID4}/references/hasAuthor", json=beacon(ID2)))
    expect(books.request("DELETE", f"/v1/objects/Book/{ID4}/references/hasAuthor", json=beacon(ID2)), 204)
    assert refs_of(books, ID4) == [odd["beacon"]]


def test_a_legacy_beacon_gets_the_class_of_a_single_target_property(books):
    expect(books.post(f"/v1/objects/Book/{ID4}/references/hasAuthor",
                      json={"beacon": f"weaviate://localhost/{ID1}"}))
    assert refs_of(books, ID4) == [AUTHOR + ID1]


def test_multi_target_property_takes_each_allowed_class(books):
    expect(books.post(f"/v1/objects/Book/{ID4}/references/hasPerson", json=beacon(ID1)))
    expect(books.post(f"/v1/objects/Book/{ID4}/references/hasPerson", json=beacon(ID3, "Editor")))
    assert refs_of(books, ID4, "hasPerson") == [AUTHOR + ID1, f"weaviate://localhost/Editor/{ID3}"]


def test_put_replaces_the_list_and_an_empty_list_clears_it(books):
    expect(books.post(f"/v1/objects/Book/{ID4}/references/hasAuthor", json=beacon(ID1)))
    expect(books.put(f"/v1/objects/Book/{ID4}/references/hasAuthor", json=[beacon(ID2)]))
    assert refs_of(books, ID4) == [AUTHOR + ID2]
    expect(books.put(f"/v1/objects/Book/{ID4}/references/hasAuthor", json=[]))
    assert refs_of(books, ID4) == []
    assert get_object(books, "Book", ID4)["vector"] == pytest.approx([0.6, 0.8])


def test_delete_removes_the_beacon_and_answers_204(books):
    expect(books.put(f"/v1/objects/Book/{ID4}/references/hasAuthor", json=[beacon(ID1), beacon(ID2)]))
    response = books.request("DELETE", f"/v1/objects/Book/{ID4}/references/hasAuthor", json=beacon(ID1))
    assert response.status_code == 204
    assert refs_of(books, ID4) == [AUTHOR + ID2]
    # a legacy beacon names the same reference; removing one that is not there changes nothing
    expect(books.request("DELETE", f"/v1/objects/Book/{ID4}/references/hasAuthor",
                         json={"beacon": f"weaviate://localhost/{ID2}"}), 204)
    stamp = get_object(books, "Book", ID4)["lastUpdateTimeUnix"]
    expect(books.request("DELETE", f"/v1/objects/Book/{ID4}/references/hasAuthor", json=beacon(ID2)), 204)
    assert refs_of(books, ID4) == []
    assert get_object(books, "Book", ID4)["lastUpdateTimeUnix"] == stamp


def test_legacy_by_id_paths(books):
    expect(books.post(f"/v1/objects/{ID4}/references/hasAuthor", json=beacon(ID1)))
    expect(books.put(f"/v1/objects/{ID4}/references/hasAuthor", json=[beacon(ID1), beacon(ID2)]))
    expect(books.request("DELETE", f"/v1/objects/{ID4}/references/hasAuthor", json=beacon(ID1)), 204)
    assert refs_of(books, ID4) == [AUTHOR + ID2]
    assert books.post(f"/v1/objects/{MISSING}/references/hasAuthor", json=beacon(ID1)).status_code == 404


def test_patch_appends_references_instead_of_replacing(books):
    expect(books.post(f"/v1/objects/Book/{ID4}/references/hasAuthor", json=beacon(ID1)))
    expect(books.patch(f"/v1/objects/Book/{ID4}", json={"class": "Book", "properties": {
        "hasAuthor": [beacon(ID2)], "title": "New"}}), 204)
    stored = get_object(books, "Book", ID4)
    assert refs_of(books, ID4) == [AUTHOR + ID1, AUTHOR + ID2]
    assert stored["properties"]["title"] == "New"
    assert stored["vector"] == pytest.approx([0.6, 0.8])


BAD = [
    # (method, path suffix, body, status, message fragment)
    ("POST", f"Nope/{ID4}/references/hasAuthor", beacon(ID1), 422,
     'msg:collection not found code:400 err:collection "Nope" not found in schema'),
    ("POST", f"Book/{MISSING}/references/hasAuthor", beacon(ID1), 404, "source object"),
    ("POST", f"Book/{ID4}/references/title", beacon(ID1), 422,
     "msg:validate inputs code:400 err:property 'title' is not a reference-type"),
    ("POST", f"Book/{ID4}/references/nothing", beacon(ID1), 422, "no such prop with name 'nothing'"),
    ("POST", f"Book/{ID4}/references/hasAuthor", {"beacon": "http://x"}, 422, "invalid reference"),
    ("POST", f"Book/{ID4}/references/hasAuthor", {"beacon": "weaviate://localhost/Author/nope"}, 422,
     "is not a uuid"),
    ("POST", f"Book/{ID4}/references/hasAuthor", {"beacon": f"weaviate://remote/Author/{ID1}"}, 422,
     "unrecognized cross-ref ref format"),
    ("POST", f"Book/{ID4}/references/hasAuthor", {"beacon": 5}, 422, "invalid reference"),
    ("POST", f"Book/{ID4}/references/hasAuthor", [beacon(ID1)], 422, "invalid reference"),
    ("POST", f"Book/{ID4}/references/hasAuthor", beacon(ID3, "Editor"), 422,
     "references Author, not 'Editor'"),
    ("POST", f"Book/{ID4}/references/hasAuthor", beacon(MISSING), 422,
     f"msg:validate existence code:400 err:validate reference: no object with id {MISSING} found"),
    ("POST", "Book/not-a-uuid/references/hasAuthor", beacon(ID1), 422, "uuid"),
    ("PUT", f"Book/{ID4}/references/hasAuthor", beacon(ID1), 422, "must be a list"),
    ("PUT", f"Book/{ID4}/references/hasAuthor", [beacon(ID1), {"beacon": "x"}], 422, "invalid reference"),
    ("PUT", f"Book/{ID4}/references/title", [], 422, "is not a reference-type"),
    ("PUT", f"Book/{MISSING}/references/hasAuthor", [beacon(ID1)], 404, "source object"),
    ("DELETE", f"Book/{ID4}/references/hasAuthor", {"beacon": "nope"}, 422,
     "msg:cannot parse beacon code:400"),
    ("DELETE", f"Book/{ID4}/references/title", beacon(ID1), 422, "is not a reference-type"),
    ("DELETE", f"Book/{MISSING}/references/hasAuthor", beacon(ID1), 404, "source object"),
]


@pytest.mark.parametrize(("method", "suffix", "body", "status", "text"), BAD)
def test_bad_inputs_are_refused_and_change_nothing(local_books, method, suffix, body, status, text):
    expect(local_books.post(f"/v1/objects/Book/{ID4}/references/hasAuthor", json=beacon(ID2)))
    response = local_books.request(method, f"/v1/objects/{suffix}", json=body)
    assert response.status_code == status, response.text
    assert text in message(response)
    assert refs_of(local_books, ID4) == [AUTHOR + ID2]


def test_a_missing_or_malformed_body_is_refused(local_books):
    assert local_books.post(f"/v1/objects/Book/{ID4}/references/hasAuthor").status_code == 422
    response = local_books.post(f"/v1/objects/Book/{ID4}/references/hasAuthor", content=b"{bad")
    assert response.status_code == 400


# -- batch -----------------------------------------------------------------------------------------------------

def test_batch_adds_per_item_and_reports_each_failure(books):
    source = f"weaviate://localhost/Book/{ID4}/hasAuthor"
    body = [
        {"from": source, "to": AUTHOR + ID1},
        {"from": source, "to": f"weaviate://localhost/{ID2}"},
        {"from": f"weaviate://localhost/Book/{ID4}/title", "to": AUTHOR + ID1},
        {"from": f"weaviate://localhost/Nope/{ID4}/hasAuthor", "to": AUTHOR + ID1},
        {"from": f"weaviate://localhost/Book/{MISSING}/hasAuthor", "to": AUTHOR + ID1},
        {"from": f"weaviate://localhost/Book/{ID4}/missing", "to": AUTHOR + ID1},
        {"from": "weaviate://localhost/Book", "to": AUTHOR + ID1},
        {"from": source, "to": "weaviate://localhost/Author/bad"},
        {"from": source, "to": f"weaviate://localhost/Editor/{ID3}"},
        {"from": source, "to": AUTHOR + ID1, "tenant": "t1"},
        "not an object",
    ]
    results = expect(books.post("/v1/batch/references", json=body))
    statuses = [r["result"]["status"] for r in results]
    assert statuses == ["SUCCESS", "SUCCESS"] + ["FAILED"] * 9
    assert results[0]["from"] == source and results[0]["to"] == AUTHOR + ID1
    errors = [r["result"].get("errors", {}).get("error", [{}])[0].get("message") for r in results]
    assert "property 'title' is not a reference-type" in errors[2]
    assert errors[3] == "class Nope does not exist"
    assert errors[4] == f"source object Book/{MISSING} not found"
    assert errors[5] == "property missing does not exist for class Book"
    assert "invalid source reference" in errors[6]
    assert "is not a uuid" in errors[7]
    assert "not 'Editor'" in errors[8]
    assert "multi-tenancy" in errors[9]
    assert refs_of(books, ID4) == [AUTHOR + ID1, AUTHOR + ID2]
    assert get_object(books, "Book", ID4)["vector"] == pytest.approx([0.6, 0.8])


def test_batch_refuses_an_empty_or_non_list_body(local_client):
    response = local_client.post("/v1/batch/references", json=[])
    assert response.status_code == 422
    assert message(response) == "invalid params: length cannot be 0, need at least one reference for batching"
    assert local_client.post("/v1/batch/references", json={"from": "x"}).status_code == 422
