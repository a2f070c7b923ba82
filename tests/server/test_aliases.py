"""Collection aliases: the `/v1/aliases` API, its errors, and an alias accepted wherever a class name is (REST
objects, batch, GraphQL Get and Aggregate under the alias's own name), persisted, repointed, deleted with its class."""

from __future__ import annotations

import pytest

from tests.rest import ID1, ID2, create_class, expect, message, text_props


def two_classes(client) -> None:
    for name in ("BooksV1", "BooksV2"):
        create_class(client, name, text_props("title"), vectorizer="none")
    expect(client.post("/v1/objects", json={"class": "BooksV1", "id": ID1, "properties": {"title": "old"},
                                            "vector": [1, 0]}))
    expect(client.post("/v1/objects", json={"class": "BooksV2", "id": ID2, "properties": {"title": "new"},
                                            "vector": [1, 0]}))


def get_titles(client, name: str) -> list[str]:
    body = expect(client.post("/v1/graphql", json={"query": f"{{ Get {{ {name} {{ title }} }} }}"}))
    assert "errors" not in body, body
    return [row["title"] for row in body["data"]["Get"][name]]


def test_alias_api_and_resolution_on_every_path(client):
    two_classes(client)
    assert expect(client.post("/v1/aliases", json={"alias": "books", "class": "BooksV1"})) == \
        {"alias": "Books", "class": "BooksV1"}
    assert expect(client.get("/v1/aliases")) == {"aliases": [{"alias": "Books", "class": "BooksV1"}]}
    assert expect(client.get("/v1/aliases", params={"class": "BooksV2"})) == {"aliases": []}
    assert expect(client.get("/v1/aliases/Books")) == {"alias": "Books", "class": "BooksV1"}
    assert get_titles(client, "Books") == ["old"]
    got = expect(client.get(f"/v1/objects/Books/{ID1}"))
    assert got["class"] == "BooksV1" and got["properties"]["title"] == "old"
    expect(client.post("/v1/batch/objects", json={"objects": [
        {"class": "Books", "properties": {"title": "via alias"}, "vector": [0, 1]}]}))
    body = expect(client.post("/v1/graphql", json={"query": "{ Aggregate { Books { meta { count } } } }"}))
    assert body["data"]["Aggregate"]["Books"][0]["meta"]["count"] == 2
    assert expect(client.get("/v1/schema/Books"))["class"] == "BooksV1"
    assert expect(client.put("/v1/aliases/Books", json={"class": "BooksV2"})) == {"alias": "Books",
                                                                                  "class": "BooksV2"}
    assert get_titles(client, "Books") == ["new"]  # repointed: the next query reads the other class
    assert client.delete("/v1/aliases/Books").status_code == 204
    assert client.get("/v1/aliases/Books").status_code == 404
    assert client.get(f"/v1/objects/Books/{ID1}").status_code == 404


@pytest.mark.parametrize(("body", "status", "expected"), [
    ({"alias": "Books", "class": "Nothing"}, 422, "class Nothing not found"),
    ({"alias": "BooksV2", "class": "BooksV1"}, 422, "class BooksV2 already exists"),
    ({"alias": "bad name", "class": "BooksV1"}, 422, "is not a valid alias name"),
    ({"alias": "", "class": "BooksV1"}, 422, "alias name must not be empty"),
    ({"alias": "Books"}, 422, "must name an existing class"),
    (["Books"], 422, "must be a JSON object"),
])
def test_bad_alias_bodies(local_client, body, status, expected):
    two_classes(local_client)
    response = local_client.post("/v1/aliases", json=body)
    assert response.status_code == status and expected in message(response)
    assert expect(local_client.get("/v1/aliases")) == {"aliases": []}


def test_alias_conflicts_and_unknown_aliases(local_client):
    two_classes(local_client)
    expect(local_client.post("/v1/aliases", json={"alias": "Books", "class": "BooksV1"}))
    response = local_client.post("/v1/aliases", json={"alias": "Books", "class": "BooksV2"})
    assert response.status_code == 422 and "alias Books already exists" in message(response)
    response = local_client.post("/v1/schema", json={"class": "Books"})
    assert response.status_code == 422 and "already exists as an alias" in message(response)
    assert local_client.put("/v1/aliases/Nope", json={"class": "BooksV1"}).status_code == 404
    assert local_client.delete("/v1/aliases/Nope").status_code == 404
    response = local_client.put("/v1/aliases/Books", json={"class": "Nothing"})
    assert response.status_code == 422
    assert expect(local_client.get("/v1/aliases/Books"))["class"] == "BooksV1"


def test_deleting_through_an_alias_deletes_no_class_and_a_class_takes_its_aliases(client):
    two_classes(client)
    expect(client.post("/v1/aliases", json={"alias": "Books", "class": "BooksV1"}))
    expect(client.delete("/v1/schema/Books"))  # an alias is not a class
    assert client.get("/v1/schema/BooksV1").status_code == 200
    expect(client.delete("/v1/schema/BooksV1"))
    assert expect(client.get("/v1/aliases")) == {"aliases": []}
    create_class(client, "Books", text_props("title"), vectorizer="none")  # the name is free again


def test_aliases_survive_a_restart(make_client):
    first = make_client()
    two_classes(first)
    expect(first.post("/v1/aliases", json={"alias": "Books", "class": "BooksV2"}))
    first.__exit__(None, None, None)
    second = make_client()
    assert get_titles(second, "Books") == ["new"]
