"""Scenarios for weaviate-client 4.x (gRPC for queries and batches), run in its own virtualenv by tests/compat.

Usage: python v4_scenarios.py <scenario>; the server's ports and key come from WB_HTTP_PORT, WB_GRPC_PORT and
WB_API_KEY. A scenario raises (exit status 1, traceback on stderr) when the server answers unlike Weaviate.
Adding a scenario: one function here, one test function in tests/compat/test_clients.py.
"""

from __future__ import annotations

import datetime
import os
import random
import sys
import time
import uuid

import weaviate
from weaviate.classes.aggregate import GroupByAggregate
from weaviate.classes.config import Configure, DataType, Property, Reconfigure, ReferenceProperty
from weaviate.classes.data import DataObject, DataReference, PhoneNumber
from weaviate.classes.init import Auth
from weaviate.classes.query import (
    Filter,
    MetadataQuery,
    Metrics,
    QueryNested,
    QueryReference,
    Sort,
    TargetVectors,
)

PROPS = [Property(name="title", data_type=DataType.TEXT), Property(name="n", data_type=DataType.INT),
         Property(name="tags", data_type=DataType.TEXT_ARRAY)]


def connect(key: str | None = None) -> weaviate.WeaviateClient:
    key = key if key is not None else os.environ.get("WB_API_KEY")
    return weaviate.connect_to_local(host="127.0.0.1", port=int(os.environ["WB_HTTP_PORT"]),
                                     grpc_port=int(os.environ["WB_GRPC_PORT"]),
                                     auth_credentials=Auth.api_key(key) if key else None)


def fresh(client: weaviate.WeaviateClient, name: str, named: bool):
    client.collections.delete(name)
    if named:
        return client.collections.create(name, properties=PROPS,
                                         vector_config=Configure.Vectors.self_provided(name="default"))
    return client.collections.create(name, properties=PROPS, vectorizer_config=Configure.Vectorizer.none())


def schema(client: weaviate.WeaviateClient) -> None:
    fresh(client, "V4Legacy", named=False)
    fresh(client, "V4Named", named=True)
    assert {"V4Legacy", "V4Named"} <= set(client.collections.list_all())
    config = client.collections.use("V4Named").config.get()
    assert [p.name for p in config.properties] == ["title", "n", "tags"], config.properties
    assert "default" in (config.vector_config or {}), config.vector_config
    named = client.collections.use("V4Named")  # switching BQ on for an existing index, as Weaviate allows
    bq = Reconfigure.VectorIndex.hnsw(quantizer=Reconfigure.VectorIndex.Quantizer.bq())
    named.config.update(vector_config=Reconfigure.Vectors.update(name="default", vector_index_config=bq))
    quantizer = named.config.get().vector_config["default"].vector_index_config.quantizer
    assert type(quantizer).__name__ == "_BQConfig", quantizer
    assert client.collections.exists("V4Legacy")
    client.collections.delete("V4Legacy")
    assert not client.collections.exists("V4Legacy")


def data(client: weaviate.WeaviateClient) -> None:
    for named in (False, True):
        col = fresh(client, "V4Data", named)
        uid = col.data.insert({"title": "one", "n": 1, "tags": ["a"]}, vector=[1.0, 0.0, 0.0])
        got = col.query.fetch_object_by_id(uid, include_vector=True)
        assert got.properties == {"title": "one", "n": 1, "tags": ["a"]}, got.properties
        assert got.vector["default"] == [1.0, 0.0, 0.0], got.vector
        assert col.data.exists(uid) and not col.data.exists(uuid.uuid4())
        col.data.update(uid, properties={"n": 2})
        assert col.query.fetch_object_by_id(uid).properties["n"] == 2
        col.data.replace(uid, properties={"title": "new"}, vector=[0.0, 1.0, 0.0])
        got = col.query.fetch_object_by_id(uid, include_vector=True)
        assert got.properties.get("title") == "new" and got.properties.get("n") is None, got.properties
        assert got.vector["default"] == [0.0, 1.0, 0.0]
        col.data.delete_by_id(uid)
        assert col.query.fetch_object_by_id(uid) is None


def batch(client: weaviate.WeaviateClient) -> None:
    col = fresh(client, "V4Batch", named=True)
    objects = [DataObject(properties={"title": f"t{i}", "n": i}, vector=[1.0, float(i)]) for i in range(5)]
    result = col.data.insert_many([*objects, DataObject(properties={"title": "bad"}, vector=[1.0, 2.0, 3.0])])
    assert set(result.uuids) == {0, 1, 2, 3, 4} and list(result.errors) == [5], result.errors
    with col.batch.dynamic() as b:
        for i in range(5, 205):
            b.add_object(properties={"title": f"t{i}", "n": i}, vector=[1.0, float(i)])
    with col.batch.fixed_size(batch_size=50) as b:
        for i in range(205, 305):
            b.add_object(properties={"title": f"t{i}", "n": i}, vector=[1.0, float(i)])
    assert not col.batch.failed_objects, col.batch.failed_objects[:3]
    assert sum(1 for _ in col.iterator()) == 305
    found = col.query.fetch_objects(filters=Filter.by_property("n").less_than(3), limit=100)
    assert sorted(o.properties["n"] for o in found.objects) == [0, 1, 2]
    near = col.query.near_vector([1.0, 4.0], limit=1, return_metadata=MetadataQuery(distance=True))
    assert near.objects[0].properties["n"] == 4 and near.objects[0].metadata.distance is not None
    dry = col.data.delete_many(where=Filter.by_property("n").greater_or_equal(300), dry_run=True, verbose=True)
    assert (dry.matches, dry.successful, len(dry.objects), len(col)) == (5, 5, 5, 305), dry
    assert all(o.successful for o in dry.objects), dry.objects
    done = col.data.delete_many(where=Filter.by_property("n").greater_or_equal(300), verbose=True)
    assert (done.matches, done.successful, len(done.objects)) == (5, 5, 5), done
    assert sum(1 for _ in col.iterator()) == 300


def search(client: weaviate.WeaviateClient) -> None:
    client.collections.delete("V4Search")
    col = client.collections.create("V4Search", properties=PROPS, vector_config=[
        Configure.Vectors.self_provided(name="a"), Configure.Vectors.self_provided(name="b")])
    words = ["red apple", "green apple", "blue sky", "red sky"]
    col.data.insert_many([DataObject(properties={"title": w, "n": i},
                                     vector={"a": [1.0, float(i)], "b": [float(i), 1.0]})
                          for i, w in enumerate(words)])
    near = col.query.near_vector([1.0, 3.0], target_vector="a", limit=2, return_metadata=MetadataQuery(distance=True))
    assert [o.properties["n"] for o in near.objects] == [3, 2], near.objects
    other = col.query.near_vector([0.0, 1.0], target_vector="b", limit=1, include_vector=["b"])
    assert other.objects[0].properties["n"] == 0 and other.objects[0].vector == {"b": [0.0, 1.0]}
    keyword = col.query.bm25("apple", return_metadata=MetadataQuery(score=True), return_properties=["title"])
    assert {o.properties["title"] for o in keyword.objects} == {"red apple", "green apple"}
    assert all(o.metadata.score > 0 for o in keyword.objects) and "n" not in keyword.objects[0].properties
    mixed = col.query.hybrid("sky", vector=[1.0, 3.0], target_vector="a", alpha=0.5, limit=1)
    assert mixed.objects[0].properties["title"] == "red sky", mixed.objects
    red = col.query.bm25("apple", filters=Filter.by_property("n").less_than(1),
                         return_metadata=MetadataQuery(score=True))
    assert [o.properties["n"] for o in red.objects] == [0] and red.objects[0].metadata.score > 0, red.objects
    below = col.query.hybrid("sky", vector=[1.0, 3.0], target_vector="a", alpha=0.5,
                             filters=Filter.by_property("n").less_than(3))
    assert below.objects[0].properties["title"] == "blue sky", below.objects
    assert {o.properties["n"] for o in below.objects} <= {0, 1, 2}
    filtered = col.query.near_vector([1.0, 0.0], target_vector="a", filters=Filter.by_property("title").like("*sky"))
    assert [o.properties["n"] for o in filtered.objects] == [2, 3]
    tokens = col.query.fetch_objects(filters=Filter.by_property("title").equal("APPLE"))  # word tokenization
    assert sorted(o.properties["n"] for o in tokens.objects) == [0, 1], tokens.objects
    anchor = near.objects[0].uuid
    similar = col.query.near_object(anchor, target_vector="a", limit=2, return_metadata=MetadataQuery(distance=True))
    assert similar.objects[0].uuid == anchor and similar.objects[0].metadata.distance < 1e-6, similar.objects
    page = col.query.fetch_objects(limit=2, offset=1, sort=Sort.by_property("n"))
    assert [o.properties["n"] for o in page.objects] == [1, 2]


def references(client: weaviate.WeaviateClient) -> None:
    client.collections.delete("V4Book")
    authors = fresh(client, "V4Author", named=True)
    ann, bob = (authors.data.insert({"title": name, "n": i}, vector=[1.0]) for i, name in enumerate(["Ann", "Bob"]))
    books = client.collections.create("V4Book", properties=PROPS, vectorizer_config=Configure.Vectorizer.none(),
                                      references=[ReferenceProperty(name="writtenBy", target_collection="V4Author")])
    books.data.insert({"title": "one"}, references={"writtenBy": [bob, ann]})
    books.data.insert({"title": "two"})
    wanted = QueryReference(link_on="writtenBy", return_properties=["title"])
    found = books.query.fetch_objects(sort=Sort.by_property("title"), return_properties=["title"],
                                      return_references=wanted)
    one, two = found.objects
    refs = one.references["writtenBy"].objects
    assert [(o.uuid, o.collection, o.properties) for o in refs] == [
        (bob, "V4Author", {"title": "Bob"}), (ann, "V4Author", {"title": "Ann"})], refs
    assert two.references == {}, two.references


def reference_writes(client: weaviate.WeaviateClient) -> None:
    client.collections.delete("V4Shelf")
    writers = fresh(client, "V4Writer", named=True)
    ann, bob, cid = (writers.data.insert({"title": t, "n": i}, vector=[1.0])
                     for i, t in enumerate(["Ann", "Bob", "Cid"]))
    shelf = client.collections.create("V4Shelf", properties=PROPS, vectorizer_config=Configure.Vectorizer.none(),
                                      references=[ReferenceProperty(name="writtenBy", target_collection="V4Writer")])
    one, two = shelf.data.insert({"title": "one"}, vector=[1.0, 0.0]), shelf.data.insert({"title": "two"})
    shelf.data.reference_add(one, "writtenBy", ann)
    shelf.data.reference_add(one, "writtenBy", bob)
    shelf.data.reference_delete(one, "writtenBy", ann)
    shelf.data.reference_replace(two, "writtenBy", [ann, cid])
    added = shelf.data.reference_add_many([DataReference(from_property="writtenBy", from_uuid=one, to_uuid=cid)])
    assert not added.has_errors, added.errors
    with shelf.batch.fixed_size(batch_size=10) as batch:
        batch.add_reference(from_uuid=two, from_property="writtenBy", to=bob)
    assert not shelf.batch.failed_references, shelf.batch.failed_references

    def writers_of(uid) -> list[str]:
        found = shelf.query.fetch_object_by_id(uid, return_references=QueryReference(link_on="writtenBy",
                                                                                     return_properties=["title"]))
        return [o.properties["title"] for o in found.references["writtenBy"].objects]

    assert writers_of(one) == ["Bob", "Cid"] and writers_of(two) == ["Ann", "Cid", "Bob"]
    assert shelf.query.fetch_object_by_id(one, include_vector=True).vector["default"] == [1.0, 0.0]

    def titles(where) -> list[str]:
        return sorted(o.properties["title"] for o in shelf.query.fetch_objects(filters=where).objects)

    assert titles(Filter.by_ref("writtenBy").by_property("title").equal("Ann")) == ["two"]
    assert titles(Filter.by_ref("writtenBy").by_property("n").greater_than(0)) == ["one", "two"]
    assert titles(Filter.by_ref_count("writtenBy").greater_than(2)) == ["two"]
    try:
        shelf.data.reference_add(one, "title", ann)
    except weaviate.exceptions.UnexpectedStatusCodeError as exc:
        assert exc.status_code == 422 and "not a reference-type" in str(exc), exc
    else:
        raise AssertionError("a reference on a text property was accepted")


def aggregate(client: weaviate.WeaviateClient) -> None:
    col = fresh(client, "V4Aggregate", named=True)
    col.data.insert_many([DataObject(properties={"title": t, "n": i}, vector=[1.0, float(i)])
                          for i, t in enumerate(["a", "b", "b", "c"])])
    assert len(col) == 4 and col.aggregate.over_all(total_count=True).total_count == 4
    metrics = [Metrics("n").integer(sum_=True, maximum=True),
               Metrics("title").text(top_occurrences_count=True, top_occurrences_value=True)]
    result = col.aggregate.over_all(return_metrics=metrics)
    assert (result.properties["n"].sum_, result.properties["n"].maximum) == (6, 3), result.properties
    assert result.properties["title"].top_occurrences[0].value == "b", result.properties
    grouped = col.aggregate.over_all(group_by=GroupByAggregate(prop="title"), total_count=True)
    assert {g.grouped_by.value: g.total_count for g in grouped.groups} == {"a": 1, "b": 2, "c": 1}
    filtered = col.aggregate.over_all(filters=Filter.by_property("n").greater_than(1), total_count=True)
    assert filtered.total_count == 2


def nodes_shards(client: weaviate.WeaviateClient) -> None:
    col = fresh(client, "V4Shards", named=True)
    col.data.insert_many([DataObject(properties={"title": t}, vector=[1.0, float(i)]) for i, t in enumerate("abc")])
    nodes = client.cluster.nodes(collection="V4Shards", output="verbose")
    assert len(nodes) == 1 and nodes[0].status == "HEALTHY", nodes
    [shard] = nodes[0].shards
    assert (shard.collection, shard.object_count) == ("V4Shards", 3), shard
    assert shard.vector_indexing_status in ("READY", "INDEXING"), shard
    assert client.cluster.nodes()[0].shards is None  # minimal
    [status] = col.config.get_shards()
    assert status.name == shard.name and status.status in ("READY", "INDEXING"), status
    assert col.config.update_shards(status="READONLY") == {shard.name: "READONLY"}
    assert col.config.get_shards()[0].status == "READONLY"
    try:
        col.data.insert({"title": "refused"}, vector=[1.0, 9.0])
    except weaviate.exceptions.WeaviateBaseError as exc:
        assert "read-only" in str(exc), exc
    else:
        raise AssertionError("an insert into a READONLY shard was accepted")
    try:  # over gRPC: every object failed, which insert_many raises
        col.data.insert_many([DataObject(properties={"title": "refused"}, vector=[1.0, 9.0])])
    except weaviate.exceptions.WeaviateInsertManyAllFailedError as exc:
        assert "read-only" in str(exc), exc
    else:
        raise AssertionError("a batch into a READONLY shard was accepted")
    assert len(col) == 3
    col.config.update_shards(status="READY", shard_names=shard.name)
    col.data.insert({"title": "accepted"}, vector=[1.0, 9.0])
    assert len(col) == 4
    stats = client.cluster.statistics()
    assert stats.synchronized and stats.statistics[0].raft.state == "Leader", stats


def dynamic_batch(client: weaviate.WeaviateClient) -> None:
    """batch.dynamic() sizes its requests from /v1/nodes; wait_for_vector_indexing polls the shards until the
    background indexer has caught up, after which the node reports nothing queued."""
    col = fresh(client, "V4Dynamic", named=True)
    count, rng = 3000, random.Random(7)
    # 128-d: enough HNSW work that the indexer is usually still busy when the import returns, so the wait matters.
    with col.batch.dynamic() as batch:
        for i in range(count):
            batch.add_object(properties={"title": f"item {i}", "n": i}, vector=[rng.random() for _ in range(128)])
    assert not col.batch.failed_objects, col.batch.failed_objects[:3]
    col.batch.wait_for_vector_indexing()
    [node] = client.cluster.nodes(collection="V4Dynamic", output="verbose")
    assert node.shards[0].vector_queue_length == 0 and node.shards[0].vector_indexing_status == "READY", node
    assert node.shards[0].object_count == count and len(col) == count
    assert col.config.get_shards()[0].vector_queue_size == 0
    found = col.query.near_vector([0.5] * 128, limit=3, return_metadata=MetadataQuery(distance=True))
    assert len(found.objects) == 3
    with client.batch.dynamic() as batch:  # the client-level batch and its wait
        for i in range(1000):
            batch.add_object(collection="V4Dynamic", properties={"n": count + i},
                             vector=[rng.random() for _ in range(128)])
    assert not client.batch.failed_objects, client.batch.failed_objects[:3]
    client.batch.wait_for_vector_indexing()
    [node] = client.cluster.nodes(collection="V4Dynamic", output="verbose")
    assert (node.shards[0].vector_queue_length, node.shards[0].object_count) == (0, count + 1000), node


def pending_limit(client: weaviate.WeaviateClient) -> None:
    """A server with WEAVEBIND_PENDING_LIMIT_MB=1: the gRPC batches past 1 MB of unindexed vectors wait for the
    indexer instead of failing, and every object lands and is found by its own vector."""
    col = fresh(client, "V4PendingLimit", named=False)
    count, rng = 4000, random.Random(11)  # 4,000 x 128-d float32: 2 MB of vectors
    vectors = [[rng.random() for _ in range(128)] for _ in range(count)]
    ids = [str(uuid.UUID(int=i + 1)) for i in range(count)]
    with col.batch.fixed_size(batch_size=500) as batch:
        for i in range(count):
            batch.add_object(properties={"n": i}, vector=vectors[i], uuid=ids[i])
    assert not col.batch.failed_objects, col.batch.failed_objects[:3]
    assert len(col) == count
    for i in (0, count // 2, count - 1):
        found = col.query.near_vector(vectors[i], limit=1, return_metadata=MetadataQuery(distance=True))
        assert str(found.objects[0].uuid) == ids[i] and abs(found.objects[0].metadata.distance) < 1e-5, found


def compression(client: weaviate.WeaviateClient) -> None:
    """A collection created with an SQ quantizer: compressed once trainingLimit vectors are indexed (the shard
    reports `compressed`), and near_vector still finds each object at its exact distance (rescored)."""
    client.collections.delete("V4Sq")
    sq = Configure.VectorIndex.hnsw(quantizer=Configure.VectorIndex.Quantizer.sq(training_limit=300, rescore_limit=20))
    col = client.collections.create("V4Sq", properties=PROPS, vector_config=Configure.Vectors.self_provided(
        name="default", vector_index_config=sq))
    assert type(col.config.get().vector_config["default"].vector_index_config.quantizer).__name__ == "_SQConfig"
    rng = random.Random(3)
    vectors = [[rng.gauss(0, 1) for _ in range(16)] for _ in range(600)]
    with col.batch.fixed_size(200) as batch:
        for i, vector in enumerate(vectors):
            batch.add_object(properties={"n": i}, vector={"default": vector}, uuid=uuid.UUID(int=i + 1))
    assert not col.batch.failed_objects, col.batch.failed_objects[:3]
    col.batch.wait_for_vector_indexing()
    for _ in range(200):  # the indexer compresses right after the chunk that reaches trainingLimit
        [node] = client.cluster.nodes(collection="V4Sq", output="verbose")
        if node.shards[0].compressed:
            break
        time.sleep(0.05)
    assert node.shards[0].compressed, node
    for i in (5, 250, 599):
        found = col.query.near_vector(vectors[i], limit=3, target_vector="default",
                                      return_metadata=MetadataQuery(distance=True))
        assert found.objects[0].uuid == uuid.UUID(int=i + 1) and abs(found.objects[0].metadata.distance) < 1e-5
    client.collections.delete("V4Sq")


def query_shapes(client: weaviate.WeaviateClient) -> None:
    client.collections.delete("V4Shapes")
    col = client.collections.create("V4Shapes", vector_config=Configure.Vectors.self_provided(name="a"), properties=[
        Property(name="n", data_type=DataType.INT), Property(name="phone", data_type=DataType.PHONE_NUMBER),
        Property(name="meta", data_type=DataType.OBJECT, nested_properties=[
            Property(name="when", data_type=DataType.DATE), Property(name="tag", data_type=DataType.TEXT)])])
    s = 0.5 ** 0.5
    col.data.insert_many([DataObject(properties={"n": n, "meta": {"when": "2024-01-02T03:04:05Z", "tag": "t"}},
                                     vector={"a": v}) for n, v in ((1, [1.0, 0.0]), (2, [0.0, 1.0]), (3, [s, s]))])
    plain = col.query.fetch_objects(limit=1, return_metadata=MetadataQuery(explain_score=True))
    assert plain.objects[0].metadata.explain_score == "", plain.objects[0].metadata
    nested = col.query.fetch_objects(filters=Filter.by_property("n").equal(1),
                                     return_properties=[QueryNested(name="meta", properties=["when"])])
    when = datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    assert nested.objects[0].properties == {"meta": {"when": when}}, nested.objects[0].properties
    uid = col.data.insert({"phone": PhoneNumber(number="020 1234567", default_country="nl")}, vector={"a": [1.0, 1.0]})
    phone = col.query.fetch_object_by_id(uid, return_properties=["phone"]).properties["phone"]
    assert (phone.country_code, phone.national, phone.international_formatted, phone.valid, phone.default_country
            ) == (31, 201234567, "+31 20 123 4567", True, "NL"), phone
    col.data.delete_by_id(uid)
    two = {"a": [[1.0, 0.0], [0.0, 1.0]]}  # two query vectors for one target: one multi-vector message
    for join, first, distance in ((TargetVectors.sum(["a"]), 3, 0.586), (TargetVectors.average(["a"]), 3, 0.293),
                                  (TargetVectors.manual_weights({"a": [2.0, 0.5]}), 1, 0.5),
                                  (TargetVectors.relative_score({"a": [1.0, 1.0]}), 3, 0.586)):
        found = col.query.near_vector(two, target_vector=join, return_metadata=MetadataQuery(distance=True)).objects
        assert (found[0].properties["n"], round(found[0].metadata.distance, 3), len(found)) == (first, distance, 3)
    low = col.query.near_vector(two, target_vector=TargetVectors.minimum(["a"]), limit=2)
    assert {o.properties["n"] for o in low.objects} == {1, 2}, low.objects
    near = col.query.hybrid("", vector=[1.0, 0.0], target_vector="a", alpha=1.0, max_vector_distance=0.3)
    assert sorted(o.properties["n"] for o in near.objects) == [1, 3], near.objects
    for ask, needle in ((lambda: col.query.fetch_objects(return_properties=["ghost"]), "no such prop"),
                        (lambda: col.generate.fetch_objects(single_prompt="say {n}"), "generative module")):
        try:
            ask()
        except weaviate.exceptions.WeaviateBaseError as exc:
            assert needle in str(exc), exc
        else:
            raise AssertionError(f"expected an error mentioning {needle!r}")


def auth_good_key(client: weaviate.WeaviateClient) -> None:
    fresh(client, "V4Auth", named=True).data.insert_many([DataObject(properties={"title": "x"}, vector=[1.0])])
    assert len(client.collections.use("V4Auth").query.fetch_objects().objects) == 1


def auth_bad_key(_client: None) -> None:
    try:
        connect("not-a-key").close()
    except weaviate.exceptions.WeaviateBaseError as exc:
        assert "401" in str(exc) or "nauthor" in str(exc), exc
        return
    raise AssertionError("a wrong API key was accepted")


NEEDS_NO_CLIENT = {"auth_bad_key"}

if __name__ == "__main__":
    scenario = sys.argv[1]
    if scenario in NEEDS_NO_CLIENT:
        globals()[scenario](None)
    else:
        with connect() as connected:
            globals()[scenario](connected)
    print(f"v4 {scenario}: ok")
