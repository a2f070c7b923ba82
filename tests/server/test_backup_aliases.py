"""A class's aliases are part of its backup and come back with it (Weaviate >= 1.32): an alias that exists already
is kept unless the restore says `overwriteAlias`, and an alias whose name is now a class's refuses the restore."""

from __future__ import annotations

import pytest

from tests.rest import ID1, create_class, expect, message, text_props
from tests.server.test_backups import wait


@pytest.fixture
def client(make_client, tmp_path):
    client = make_client(ENABLE_MODULES="backup-filesystem", BACKUP_FILESYSTEM_PATH=str(tmp_path / "b"))
    create_class(client, "Books", text_props("title"), vectorizer="none")
    create_class(client, "Films", text_props("title"), vectorizer="none")
    expect(client.post("/v1/objects", json={"class": "Books", "id": ID1, "properties": {"title": "Dune"}}))
    for alias, target in (("BookAlias", "Books"), ("BookAliasOverwrite", "Books"), ("FilmAlias", "Films")):
        expect(client.post("/v1/aliases", json={"alias": alias, "class": target}))
    return client


def aliases(client) -> dict[str, str]:
    return {a["alias"]: a["class"] for a in expect(client.get("/v1/aliases"))["aliases"]}


def backup(client, backup_id: str, **body) -> None:
    expect(client.post("/v1/backups/filesystem", json={"id": backup_id, **body}))
    assert wait(client, f"/v1/backups/filesystem/{backup_id}")["status"] == "SUCCESS"


def restore(client, backup_id: str, **body) -> dict:
    expect(client.post(f"/v1/backups/filesystem/{backup_id}/restore", json=body))
    return wait(client, f"/v1/backups/filesystem/{backup_id}/restore")


def test_aliases_are_saved_and_restored_with_their_class(client):
    backup(client, "books", include=["Books"])
    expect(client.delete("/v1/schema/Books"))  # deletes the class's aliases too
    assert aliases(client) == {"FilmAlias": "Films"}
    assert restore(client, "books")["status"] == "SUCCESS"
    assert aliases(client) == {"BookAlias": "Books", "BookAliasOverwrite": "Books", "FilmAlias": "Films"}
    assert expect(client.get(f"/v1/objects/BookAlias/{ID1}"))["properties"] == {"title": "Dune"}
    found = expect(client.post("/v1/graphql", json={"query": "{ Get { BookAlias { title } } }"}))
    assert found["data"]["Get"]["BookAlias"] == [{"title": "Dune"}]


def test_an_alias_that_exists_is_kept_unless_overwrite_alias(client):
    backup(client, "books", include=["BookAlias"])  # an alias names its class in include
    expect(client.put("/v1/aliases/BookAliasOverwrite", json={"class": "Films"}))
    expect(client.delete("/v1/schema/Books"))
    assert restore(client, "books")["status"] == "SUCCESS"
    assert aliases(client) == {"BookAlias": "Books", "BookAliasOverwrite": "Films", "FilmAlias": "Films"}
    expect(client.delete("/v1/schema/Books"))
    assert restore(client, "books", overwriteAlias=True)["status"] == "SUCCESS"
    assert aliases(client) == {"BookAlias": "Books", "BookAliasOverwrite": "Books", "FilmAlias": "Films"}


def test_only_the_restored_classes_aliases_come_back(client):
    backup(client, "all")
    expect(client.delete("/v1/schema/Books"))
    expect(client.delete("/v1/schema/Films"))
    assert restore(client, "all", exclude=["Films"])["status"] == "SUCCESS"
    assert aliases(client) == {"BookAlias": "Books", "BookAliasOverwrite": "Books"}


def test_an_alias_whose_name_is_now_a_class_refuses_the_restore(client):
    backup(client, "books", include=["Books"])
    expect(client.delete("/v1/schema/Books"))
    create_class(client, "BookAlias", text_props("title"), vectorizer="none")
    response = client.post("/v1/backups/filesystem/books/restore", json={})
    assert response.status_code == 422 and "could not restore alias BookAlias" in message(response), response.text
    assert client.get("/v1/schema/Books").status_code == 404
    assert "Books" not in [c["class"] for c in expect(client.get("/v1/schema"))["classes"]]  # nothing written
