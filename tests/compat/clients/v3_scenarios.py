"""Scenarios for weaviate-client 3.26.7 (REST only), run in its own virtualenv by tests/compat.

Usage: python v3_scenarios.py <scenario>; WB_HTTP_PORT and WB_API_KEY locate the server. A scenario raises (exit
status 1) when the server answers unlike Weaviate. Adding a scenario: one function here, one test function.
"""

from __future__ import annotations

import os
import sys
import uuid
import warnings

warnings.simplefilter("ignore")  # v3 warns that it is deprecated on every start; that is not our concern here
import weaviate  # noqa: E402

PROPS = [{"name": "title", "dataType": ["text"]}, {"name": "n", "dataType": ["int"]}]
NAMED = {"default": {"vectorizer": {"none": {}}, "vectorIndexType": "hnsw"}}


def connect(key: str | None = None) -> weaviate.Client:
    key = key if key is not None else os.environ.get("WB_API_KEY")
    return weaviate.Client(f"http://127.0.0.1:{os.environ['WB_HTTP_PORT']}",
                           auth_client_secret=weaviate.AuthApiKey(api_key=key) if key else None)


def fresh(client: weaviate.Client, name: str, named: bool) -> None:
    client.schema.delete_class(name)
    if not named:
        client.schema.create_class({"class": name, "properties": PROPS, "vectorizer": "none"})
        return
    # v3's create_class keeps only the keys it knows and drops `vectorConfig`: named vectors go through its
    # connection, as v3 users have to do.
    response = client._connection.post(path="/schema", weaviate_object={"class": name, "properties": PROPS,
                                                                         "vectorConfig": NAMED})
    assert response.status_code == 200, response.text


def schema(client: weaviate.Client) -> None:
    fresh(client, "V3Legacy", named=False)
    fresh(client, "V3Named", named=True)
    names = [c["class"] for c in client.schema.get()["classes"]]
    assert {"V3Legacy", "V3Named"} <= set(names), names
    assert client.schema.get("V3Named")["vectorConfig"]["default"]["vectorizer"] == {"none": {}}
    assert client.schema.exists("V3Legacy")
    client.schema.delete_class("V3Legacy")
    assert not client.schema.exists("V3Legacy")


def data(client: weaviate.Client) -> None:
    for named in (False, True):
        fresh(client, "V3Data", named)
        uid = client.data_object.create({"title": "one", "n": 1}, "V3Data", vector=[1.0, 0.0])
        got = client.data_object.get_by_id(uid, class_name="V3Data", with_vector=True)
        vector = got["vectors"]["default"] if named else got["vector"]
        assert got["properties"] == {"title": "one", "n": 1} and vector == [1.0, 0.0], got
        assert client.data_object.exists(uid, class_name="V3Data")
        assert not client.data_object.exists(str(uuid.uuid4()), class_name="V3Data")
        client.data_object.update({"n": 2}, "V3Data", uid)
        assert client.data_object.get_by_id(uid, class_name="V3Data")["properties"]["n"] == 2
        client.data_object.replace({"title": "new"}, "V3Data", uid, vector=[0.0, 1.0])
        assert client.data_object.get_by_id(uid, class_name="V3Data")["properties"] == {"title": "new"}
        client.data_object.delete(uid, class_name="V3Data")
        assert client.data_object.get_by_id(uid, class_name="V3Data") is None


def batch(client: weaviate.Client) -> None:
    fresh(client, "V3Batch", named=False)
    failures = []
    client.batch.configure(batch_size=40, callback=lambda results: failures.extend(
        r for r in results if r["result"].get("errors")))
    with client.batch as b:
        for i in range(120):
            b.add_data_object({"title": f"t{i}", "n": i}, "V3Batch", vector=[1.0, float(i)])
        b.add_data_object({"title": "bad"}, "V3Batch", vector=[1.0, 2.0, 3.0])
    assert len(failures) == 1 and "length" in str(failures[0]["result"]["errors"]), failures
    seen, after = 0, None
    while True:  # the cursor API (what v3 users iterate with)
        page = client.data_object.get(class_name="V3Batch", limit=50, after=after)["objects"]
        if not page:
            break
        seen, after = seen + len(page), page[-1]["id"]
    assert seen == 120, seen
    where = {"path": ["n"], "operator": "GreaterThanEqual", "valueInt": 100}
    dry = client.batch.delete_objects("V3Batch", where=where, dry_run=True)
    assert dry["results"]["matches"] == 20, dry
    done = client.batch.delete_objects("V3Batch", where=where, output="verbose")
    assert done["results"]["successful"] == 20 and len(done["results"]["objects"]) == 20, done["results"]
    assert client.data_object.get(class_name="V3Batch", limit=200)["totalResults"] == 100


def dynamic_batch(client: weaviate.Client) -> None:
    """configure(dynamic=True) polls /v1/nodes while importing; every object arrives, the indexer catches up."""
    fresh(client, "V3Dynamic", named=False)
    failures = []
    client.batch.configure(batch_size=50, dynamic=True, callback=lambda results: failures.extend(
        r for r in results if r["result"].get("errors")))
    with client.batch as b:
        for i in range(2000):
            b.add_data_object({"title": f"t{i}", "n": i}, "V3Dynamic", vector=[1.0, float(i % 13)])
    assert not failures, failures[:3]
    node = client.cluster.get_nodes_status(output="verbose")[0]
    shard = next(s for s in node["shards"] if s["class"] == "V3Dynamic")
    assert shard["objectCount"] == 2000, shard
    assert set(node["batchStats"]) == {"ratePerSecond"}, node  # asynchronous indexing, as Weaviate reports it


def query(client: weaviate.Client) -> None:
    fresh(client, "V3Query", named=False)
    with client.batch as b:
        for i, title in enumerate(["red apple", "green apple", "blue sky", "red sky"]):
            b.add_data_object({"title": title, "n": i}, "V3Query", vector=[1.0, float(i)])
    get = client.query.get("V3Query", ["title", "n"])
    near = get.with_near_vector({"vector": [1.0, 3.0]}).with_limit(2).with_additional(["distance", "id"]).do()
    rows = near["data"]["Get"]["V3Query"]
    assert [r["n"] for r in rows] == [3, 2] and rows[0]["_additional"]["distance"] < 0.01, near
    keyword = client.query.get("V3Query", ["title"]).with_bm25(query="apple").do()["data"]["Get"]["V3Query"]
    assert {r["title"] for r in keyword} == {"red apple", "green apple"}, keyword
    where = {"path": ["n"], "operator": "GreaterThan", "valueInt": 1}
    hybrid = client.query.get("V3Query", ["title"]).with_hybrid("sky", alpha=0.5, vector=[1.0, 3.0]) \
        .with_where(where).with_limit(1).do()["data"]["Get"]["V3Query"]
    assert hybrid == [{"title": "red sky"}], hybrid
    count = client.query.aggregate("V3Query").with_meta_count().do()
    assert count["data"]["Aggregate"]["V3Query"][0]["meta"]["count"] == 4, count


def references(client: weaviate.Client) -> None:
    client.schema.delete_class("V3Shelf")
    fresh(client, "V3Writer", named=False)
    client.schema.create_class({"class": "V3Shelf", "vectorizer": "none", "properties": [
        *PROPS, {"name": "writtenBy", "dataType": ["V3Writer"]}]})
    ann, bob = (client.data_object.create({"title": t}, "V3Writer", vector=[1.0]) for t in ("Ann", "Bob"))
    one, two = (client.data_object.create({"title": t}, "V3Shelf", vector=[1.0]) for t in ("one", "two"))
    client.data_object.reference.add(one, "writtenBy", ann, from_class_name="V3Shelf", to_class_name="V3Writer")
    with client.batch as b:
        b.add_reference(two, "V3Shelf", "writtenBy", bob, "V3Writer")
        b.add_reference(two, "V3Shelf", "writtenBy", ann, "V3Writer")
    stored = client.data_object.get_by_id(two, class_name="V3Shelf")["properties"]["writtenBy"]
    assert [r["beacon"] for r in stored] == [f"weaviate://localhost/V3Writer/{u}" for u in (bob, ann)], stored
    where = {"path": ["writtenBy", "V3Writer", "title"], "operator": "Equal", "valueText": "Ann"}
    rows = client.query.get("V3Shelf", ["title"]).with_where(where).do()["data"]["Get"]["V3Shelf"]
    assert sorted(r["title"] for r in rows) == ["one", "two"], rows
    counted = {"path": ["writtenBy"], "operator": "Equal", "valueInt": 2}
    rows = client.query.get("V3Shelf", ["title"]).with_where(counted).do()["data"]["Get"]["V3Shelf"]
    assert rows == [{"title": "two"}], rows


def auth_good_key(client: weaviate.Client) -> None:
    fresh(client, "V3Auth", named=False)
    client.data_object.create({"title": "x"}, "V3Auth", vector=[1.0])


def auth_bad_key(_client: None) -> None:
    try:
        connect("not-a-key").schema.get()
    except weaviate.exceptions.WeaviateBaseError as exc:
        assert "401" in str(exc), exc
        return
    raise AssertionError("a wrong API key was accepted")


NEEDS_NO_CLIENT = {"auth_bad_key"}

if __name__ == "__main__":
    scenario = sys.argv[1]
    globals()[scenario](None if scenario in NEEDS_NO_CLIENT else connect())
    print(f"v3 {scenario}: ok")
