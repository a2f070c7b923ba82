"""Backups with the backup-filesystem backend: create (a consistent cut while serving), status, list, cancel, restore
into a server without the classes (objects, vectors, timestamps, tenants, references), and the refusals."""

from __future__ import annotations

import time

import pytest

from tests.rest import ID1, ID2, ID3, create_class, expect, get_object, message, text_props

MT = {"enabled": True}


@pytest.fixture
def backup_env(tmp_path):
    return {"ENABLE_MODULES": "backup-filesystem", "BACKUP_FILESYSTEM_PATH": str(tmp_path / "backups")}


def wait(client, path: str) -> dict:
    for _ in range(200):
        body = expect(client.get(path))
        if body["status"] != "STARTED":
            return body
        time.sleep(0.05)
    raise AssertionError(f"{path} still STARTED")


def fill(client) -> None:
    create_class(client, "Author", text_props("name"), vectorizer="none")
    create_class(client, "Book", [*text_props("title"), {"name": "by", "dataType": ["Author"]}], vectorizer="none")
    create_class(client, "Shop", text_props("title"), vectorizer="none", multiTenancyConfig=MT)
    expect(client.post("/v1/schema/Shop/tenants", json=[{"name": "alice"}, {"name": "bob", "activityStatus": "COLD"}]))
    expect(client.post("/v1/batch/objects", json={"objects": [
        {"class": "Author", "id": ID1, "properties": {"name": "Ann"}, "vector": [1, 0]},
        {"class": "Book", "id": ID2, "properties": {"title": "Dune", "by": [
            {"beacon": f"weaviate://localhost/Author/{ID1}"}]}, "vector": [0.6, 0.8]},
        {"class": "Shop", "id": ID3, "tenant": "alice", "properties": {"title": "apples"}, "vector": [0, 1]}]}))


def test_backup_and_restore_into_a_fresh_server(make_client, backup_env, other_database, tmp_path):
    source = make_client(**backup_env)
    fill(source)
    before = get_object(source, "Book", ID2)
    created = expect(source.post("/v1/backups/filesystem", json={"id": "first"}))
    assert created["status"] == "STARTED" and sorted(created["classes"]) == ["Author", "Book", "Shop"]
    assert wait(source, "/v1/backups/filesystem/first")["status"] == "SUCCESS"
    listed = expect(source.get("/v1/backups/filesystem"))
    assert [(b["id"], b["status"]) for b in listed] == [("first", "SUCCESS")]
    target = make_client(PERSISTENCE_DATA_PATH=str(tmp_path / "other"), WEAVEBIND_DATABASE_URL=other_database,
                         **backup_env)
    expect(target.post("/v1/backups/filesystem/first/restore", json={}))
    assert wait(target, "/v1/backups/filesystem/first/restore")["status"] == "SUCCESS"
    after = get_object(target, "Book", ID2)
    assert after == before  # properties, references, vector and both timestamps
    found = expect(target.post("/v1/graphql", json={"query": '{ Get { Book(nearVector: {vector: [0.6, 0.8]}) '
                                                             '{ title by { ... on Author { name } } } } }'}))
    assert found["data"]["Get"]["Book"] == [{"title": "Dune", "by": [{"name": "Ann"}]}]
    tenants = {t["name"]: t["activityStatus"] for t in expect(target.get("/v1/schema/Shop/tenants"))}
    assert tenants == {"alice": "ACTIVE", "bob": "INACTIVE"}
    assert expect(target.get(f"/v1/objects/Shop/{ID3}", params={"tenant": "alice"}))["properties"] == {
        "title": "apples"}


def test_include_exclude_and_refusals(make_client, backup_env):
    client = make_client(**backup_env)
    fill(client)
    body = expect(client.post("/v1/backups/filesystem", json={"id": "only-authors", "include": ["author"]}))
    assert body["classes"] == ["Author"]
    wait(client, "/v1/backups/filesystem/only-authors")
    body = expect(client.post("/v1/backups/filesystem", json={"id": "no-shop", "exclude": ["Shop"]}))
    assert sorted(body["classes"]) == ["Author", "Book"]
    wait(client, "/v1/backups/filesystem/no-shop")
    for request, text in [
        ({"id": "Bad Id"}, "invalid backup id"),
        ({"id": "x", "include": ["Author"], "exclude": ["Book"]}, "cannot both contain values"),
        ({"id": "x", "include": ["Nope"]}, "'Nope' is not there to back up"),
        ({"id": "x", "include": "Author"}, "'include' must be a list"),
        ({"id": "only-authors"}, 'backup "only-authors" already exists'),
        (["x"], "must be a JSON object"),
    ]:
        response = client.post("/v1/backups/filesystem", json=request)
        assert response.status_code == 422 and text in message(response), (request, response.text)
    response = client.post("/v1/backups/filesystem/only-authors/restore", json={})
    assert response.status_code == 422 and "Author: class name already exists" in message(response)
    assert client.get("/v1/backups/filesystem/nope").status_code == 404
    assert client.get("/v1/backups/filesystem/nope/restore").status_code == 404
    response = client.post("/v1/backups/s3", json={"id": "x"})
    assert response.status_code == 422 and "backup-s3" in message(response)


def test_backups_need_the_module(client):
    response = client.post("/v1/backups/filesystem", json={"id": "x"})
    assert response.status_code == 422 and "not enabled" in message(response)


def test_a_backup_made_before_a_restart_is_listed_and_restorable(make_client, backup_env, other_database,
                                                                   tmp_path):
    first = make_client(**backup_env)
    fill(first)
    expect(first.post("/v1/backups/filesystem", json={"id": "kept", "include": ["Author"]}))
    wait(first, "/v1/backups/filesystem/kept")
    first.__exit__(None, None, None)
    second = make_client(PERSISTENCE_DATA_PATH=str(tmp_path / "second"), WEAVEBIND_DATABASE_URL=other_database,
                         **backup_env)
    assert expect(second.get("/v1/backups/filesystem/kept"))["status"] == "SUCCESS"
    expect(second.post("/v1/backups/filesystem/kept/restore", json={"include": ["Author"]}))
    assert wait(second, "/v1/backups/filesystem/kept/restore")["status"] == "SUCCESS"
    assert get_object(second, "Author", ID1)["properties"] == {"name": "Ann"}
