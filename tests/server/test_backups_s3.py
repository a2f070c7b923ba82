"""The backup-s3 backend against a real local S3-compatible server (moto's server mode over HTTP): create, status,
list, restore into an empty server, include/exclude, Bucket/Path overrides, a multipart upload, cancelling a backup
and a restore, a bad bucket, and both backup modules enabled at once."""

from __future__ import annotations

import pytest

from tests.rest import ID1, ID2, ID3, expect, get_object, message
from tests.s3 import local_s3
from tests.server.test_backups import fill, wait

DIM = 256


@pytest.fixture(scope="module")
def s3():
    with local_s3() as server:
        yield server


@pytest.fixture
def bucket(s3):
    return s3.new_bucket()


def restored_server(make_client, env, other_database, tmp_path):
    return make_client(PERSISTENCE_DATA_PATH=str(tmp_path / "other"), WEAVEBIND_DATABASE_URL=other_database, **env)


def test_backup_to_s3_and_restore_into_an_empty_server(make_client, s3, bucket, other_database, tmp_path):
    env = s3.env(bucket, path="/team/backups/")
    source = make_client(**env)
    fill(source)
    expect(source.post("/v1/aliases", json={"alias": "Library", "class": "Book"}))
    before = get_object(source, "Book", ID2)
    created = expect(source.post("/v1/backups/s3", json={"id": "nightly"}))
    assert created["path"] == f"s3://{bucket}/team/backups/nightly"
    assert sorted(created["classes"]) == ["Author", "Book", "Shop"]
    assert wait(source, "/v1/backups/s3/nightly")["status"] == "SUCCESS"
    assert s3.keys(bucket) == ["team/backups/nightly/backup_config.json", "team/backups/nightly/data.sqlite3.gz"]
    assert [(b["id"], b["status"]) for b in expect(source.get("/v1/backups/s3"))] == [("nightly", "SUCCESS")]

    target = restored_server(make_client, env, other_database, tmp_path)
    assert [b["id"] for b in expect(target.get("/v1/backups/s3"))] == ["nightly"]  # found in the bucket alone
    expect(target.post("/v1/backups/s3/nightly/restore", json={}))
    assert wait(target, "/v1/backups/s3/nightly/restore")["status"] == "SUCCESS"
    assert get_object(target, "Book", ID2) == before
    assert get_object(target, "Library", ID2) == before  # the alias came back with its class
    assert expect(target.get(f"/v1/objects/Shop/{ID3}", params={"tenant": "alice"}))["properties"] == {
        "title": "apples"}
    found = expect(target.post("/v1/graphql", json={"query": "{ Get { Author(nearVector: {vector: [1, 0]}) "
                                                             "{ name } } }"}))
    assert found["data"]["Get"]["Author"] == [{"name": "Ann"}]


def test_include_exclude_and_overrides_of_bucket_and_path(make_client, s3, bucket, other_database, tmp_path):
    elsewhere = s3.new_bucket()
    env = s3.env(bucket)
    client = make_client(**env)
    fill(client)
    body = expect(client.post("/v1/backups/s3", json={"id": "authors", "include": ["Author"],
                                                      "config": {"Bucket": elsewhere, "Path": "override"}}))
    assert body["classes"] == ["Author"] and body["path"] == f"s3://{elsewhere}/override/authors"
    # The v4 client's backup_location sends lowercase keys, and asks for the status with query parameters.
    query = "?bucket=" + elsewhere + "&path=override"
    assert wait(client, "/v1/backups/s3/authors" + query)["status"] == "SUCCESS"
    assert s3.keys(bucket) == [] and "override/authors/backup_config.json" in s3.keys(elsewhere)
    assert client.get("/v1/backups/s3/authors").status_code == 404  # not at the configured place
    body = expect(client.post("/v1/backups/s3", json={"id": "no-shop", "exclude": ["Shop"]}))
    assert sorted(body["classes"]) == ["Author", "Book"]
    wait(client, "/v1/backups/s3/no-shop")

    target = restored_server(make_client, env, other_database, tmp_path)
    expect(target.post("/v1/backups/s3/authors/restore",
                       json={"config": {"bucket": elsewhere, "path": "override", "CPUPercentage": 40}}))
    assert wait(target, "/v1/backups/s3/authors/restore")["status"] == "SUCCESS"
    assert [c["class"] for c in expect(target.get("/v1/schema"))["classes"]] == ["Author"]
    expect(target.post("/v1/backups/s3/no-shop/restore", json={"exclude": ["Author"]}))
    assert wait(target, "/v1/backups/s3/no-shop/restore")["status"] == "SUCCESS"
    assert sorted(c["class"] for c in expect(target.get("/v1/schema"))["classes"]) == ["Author", "Book"]


def fill_many(client, count: int) -> None:
    expect(client.post("/v1/schema", json={"class": "Big", "vectorizer": "none",
                                           "properties": [{"name": "n", "dataType": ["int"]}]}))
    for start in range(0, count, 1000):
        expect(client.post("/v1/batch/objects", json={"objects": [
            {"class": "Big", "properties": {"n": i}, "vector": [((i * 7919 + d) % 997) / 997 for d in range(DIM)]}
            for i in range(start, min(count, start + 1000))]}))


def test_a_large_uncompressed_backup_goes_up_in_parts_and_comes_back(make_client, s3, bucket, other_database,
                                                                      tmp_path):
    env = s3.env(bucket)
    client = make_client(**env)
    fill_many(client, 6000)  # about 7 MB of rows: more than one 5 MB part
    expect(client.post("/v1/backups/s3", json={"id": "big", "config": {"CompressionLevel": "NoCompression",
                                                                       "ChunkSize": 5}}))
    assert wait(client, "/v1/backups/s3/big")["status"] == "SUCCESS"
    head = s3.client().head_object(Bucket=bucket, Key="big/data.sqlite3")
    assert head["ContentLength"] > 5 * 1024 * 1024 and head["ETag"].strip('"').endswith("-2")  # two parts
    target = restored_server(make_client, env, other_database, tmp_path)
    expect(target.post("/v1/backups/s3/big/restore", json={}))
    assert wait(target, "/v1/backups/s3/big/restore")["status"] == "SUCCESS"
    count = expect(target.post("/v1/graphql", json={"query": "{ Aggregate { Big { meta { count } } } }"}))
    assert count["data"]["Aggregate"]["Big"] == [{"meta": {"count": 6000}}]


def test_cancel_a_running_backup(make_client, s3, bucket):
    client = make_client(**s3.env(bucket))
    fill_many(client, 6000)
    expect(client.post("/v1/backups/s3", json={"id": "stopped", "config": {"CompressionLevel": "BestCompression"}}))
    assert client.delete("/v1/backups/s3/stopped").status_code == 204
    assert wait(client, "/v1/backups/s3/stopped")["status"] == "CANCELED"
    assert s3.keys(bucket) == ["stopped/backup_config.json"]  # no data went up
    response = client.post("/v1/backups/s3/stopped/restore", json={})
    assert response.status_code == 422 and "its status is CANCELED" in message(response)


def test_cancel_a_running_restore_removes_what_it_restored(make_client, s3, bucket, other_database, tmp_path):
    env = s3.env(bucket)
    client = make_client(**env)
    fill_many(client, 6000)
    expect(client.post("/v1/backups/s3", json={"id": "big"}))
    assert wait(client, "/v1/backups/s3/big")["status"] == "SUCCESS"
    target = restored_server(make_client, env, other_database, tmp_path)
    assert target.delete("/v1/backups/s3/big/restore").status_code == 404  # no restore yet
    expect(target.post("/v1/backups/s3/big/restore", json={}))
    assert target.delete("/v1/backups/s3/big/restore").status_code == 204
    assert wait(target, "/v1/backups/s3/big/restore")["status"] == "CANCELED"
    assert expect(target.get("/v1/schema"))["classes"] == []  # all or nothing: the class went again
    expect(target.post("/v1/backups/s3/big/restore", json={}))  # so it can be restored after all
    assert wait(target, "/v1/backups/s3/big/restore")["status"] == "SUCCESS"
    count = expect(target.post("/v1/graphql", json={"query": "{ Aggregate { Big { meta { count } } } }"}))
    assert count["data"]["Aggregate"]["Big"] == [{"meta": {"count": 6000}}]


def test_a_bad_bucket_is_a_422_with_the_reason(make_client, s3, bucket):
    client = make_client(**s3.env("no-such-bucket"))
    fill(client)
    for response in (client.post("/v1/backups/s3", json={"id": "x"}), client.get("/v1/backups/s3"),
                     client.get("/v1/backups/s3/x"), client.post("/v1/backups/s3/x/restore", json={})):
        assert response.status_code == 422 and "NoSuchBucket" in message(response), response.text
    response = client.post("/v1/backups/s3", json={"id": "x", "config": {"Bucket": "Not A Bucket!"}})
    assert response.status_code == 422 and "Not A Bucket!" in message(response), response.text
    expect(client.post("/v1/backups/s3", json={"id": "x", "config": {"Bucket": bucket}}))  # an existing one works
    assert wait(client, f"/v1/backups/s3/x?bucket={bucket}")["status"] == "SUCCESS"


def test_both_backup_modules_at_once(make_client, s3, bucket, tmp_path):
    env = s3.env(bucket, modules="backup-filesystem,backup-s3")
    client = make_client(BACKUP_FILESYSTEM_PATH=str(tmp_path / "fs"), **env)
    fill(client)
    modules = expect(client.get("/v1/meta"))["modules"]
    assert modules == {"backup-filesystem": {"backupsPath": str(tmp_path / "fs")},
                       "backup-s3": {"endpoint": s3.endpoint, "bucketName": bucket, "useSSL": False}}
    expect(client.post("/v1/backups/s3", json={"id": "same-id", "include": ["Author"]}))
    expect(client.post("/v1/backups/filesystem", json={"id": "same-id", "include": ["Book"]}))
    assert wait(client, "/v1/backups/s3/same-id")["status"] == "SUCCESS"
    assert wait(client, "/v1/backups/filesystem/same-id")["status"] == "SUCCESS"
    assert [b["classes"] for b in expect(client.get("/v1/backups/s3"))] == [["Author"]]
    assert [b["classes"] for b in expect(client.get("/v1/backups/filesystem"))] == [["Book"]]
    assert (tmp_path / "fs" / "same-id" / "data.sqlite3.gz").is_file()
    assert get_object(client, "Author", ID1)["properties"] == {"name": "Ann"}  # nothing changed by backing up
