"""`GET /v1/nodes` (minimal and verbose, per class) and `GET /v1/cluster/statistics`: one node, true counts."""

from __future__ import annotations

from tests.rest import ID1, ID2, ID3, add_object, create_class, expect, message, stored_count
from weavebind.storage.shards import shard_name


def _node(client, path: str = "/v1/nodes", **params) -> dict:
    body = expect(client.get(path, params=params))
    assert len(body["nodes"]) == 1
    return body["nodes"][0]


def _fill(client) -> None:
    create_class(client, "Doc")
    create_class(client, "Other")
    for uid in (ID1, ID2):
        add_object(client, "Doc", uid, {"title": "x"}, vector=[1, 0, 0])
    add_object(client, "Other", ID3, {"title": "y"})


def test_minimal_is_the_default_and_has_no_shards(client):
    _fill(client)
    node = _node(client)
    minimal = _node(client, output="minimal")
    assert node.pop("batchStats") and minimal.pop("batchStats")  # the rates move with time
    assert node == minimal
    node = _node(client)
    assert node["name"] == "node1" and node["status"] == "HEALTHY"
    assert node["version"] == client.app.state.settings.weavebind_weaviate_version and node["gitHash"]
    assert node["stats"] == {"objectCount": 3, "shardCount": 2}
    assert set(node["batchStats"]) == {"ratePerSecond"}  # Weaviate's answer with asynchronous indexing
    assert "shards" not in node


def test_verbose_lists_one_shard_per_class_with_true_counts(make_client):
    client = make_client(CLUSTER_HOSTNAME="weaviate-7")
    _fill(client)
    client.app.state.store.indexes.indexer.drain()
    node = _node(client, output="verbose")
    assert node["name"] == "weaviate-7"
    by_class = {shard["class"]: shard for shard in node["shards"]}
    assert by_class["Doc"] == {"name": shard_name("Doc"), "class": "Doc", "objectCount": 2,
                               "vectorIndexingStatus": "READY", "vectorQueueLength": 0, "compressed": False,
                               "loaded": True}
    assert by_class["Other"]["objectCount"] == 1


def test_object_counts_follow_upserts_deletes_and_restarts(make_client):
    client = make_client()
    create_class(client, "Doc")
    objects = [{"class": "Doc", "id": uid, "vector": [1.0, 0.0]} for uid in (ID1, ID2, ID1)]
    expect(client.post("/v1/batch/objects", json={"objects": objects}))  # ID1 twice: one object
    expect(client.post("/v1/batch/objects", json={"objects": objects[:1]}))  # an update
    add_object(client, "Doc", ID3, {"title": "x"})
    expect(client.delete(f"/v1/objects/Doc/{ID2}"), 204)
    expect(client.delete(f"/v1/objects/Doc/{ID2}"), 204)  # already gone
    assert _node(client)["stats"]["objectCount"] == stored_count(client, "Doc") == 2
    client.__exit__(None, None, None)
    client = make_client()
    assert _node(client, "/v1/nodes/Doc")["stats"]["objectCount"] == 2
    expect(client.delete("/v1/schema/Doc"))
    assert _node(client)["stats"] == {"objectCount": 0, "shardCount": 0}


def test_per_class_and_per_shard(client):
    _fill(client)
    node = _node(client, "/v1/nodes/doc", output="verbose")  # the class name's first letter is capitalised
    assert [s["class"] for s in node["shards"]] == ["Doc"]
    assert node["stats"] == {"objectCount": 2, "shardCount": 1}
    node = _node(client, output="verbose", shardName=shard_name("Other"))
    assert [s["class"] for s in node["shards"]] == ["Other"]


def test_unknown_class_and_bad_output_are_refused(client):
    response = client.get("/v1/nodes/Missing")
    assert response.status_code == 404 and message(response) == 'class "Missing" not found'
    response = client.get("/v1/nodes", params={"output": "loud"})
    assert response.status_code == 422
    assert message(response) == 'invalid output: "loud", possible values are: "minimal", "verbose"'
    assert client.get("/v1/nodes/Missing", params={"output": "loud"}).status_code == 422


def test_batch_stats_report_the_indexer_backlog_with_backpressure(make_client):
    """With the indexer stopped every vector stays pending: the queue is exactly the vectors written."""
    client = make_client(WEAVEBIND_BATCH_BACKPRESSURE="true")
    create_class(client, "Doc")
    client.app.state.store.indexes.indexer.stop()
    objects = [{"class": "Doc", "vector": [float(i), 1.0]} for i in range(50)]
    expect(client.post("/v1/batch/objects", json={"objects": objects}))
    node = _node(client, output="verbose")
    assert node["batchStats"]["queueLength"] == 50
    assert node["batchStats"]["ratePerSecond"] >= 1  # clients divide by it
    assert node["shards"][0]["vectorIndexingStatus"] == "INDEXING"
    assert node["shards"][0]["vectorQueueLength"] == 50
    shards = expect(client.get("/v1/schema/Doc/shards"))
    assert shards == [{"name": shard_name("Doc"), "status": "INDEXING", "vectorQueueSize": 50}]


def test_batch_stats_drop_to_zero_once_indexed(make_client):
    client = make_client(WEAVEBIND_BATCH_BACKPRESSURE="true")
    create_class(client, "Doc")
    objects = [{"class": "Doc", "vector": [float(i), 1.0]} for i in range(50)]
    expect(client.post("/v1/batch/objects", json={"objects": objects}))
    assert _node(client)["batchStats"]["ratePerSecond"] >= 25  # 50 objects within the two-second window
    assert client.app.state.store.indexes.indexer.drain(timeout=60)
    assert _node(client)["batchStats"]["queueLength"] == 0
    assert expect(client.get("/v1/schema/Doc/shards"))[0]["status"] == "READY"


def test_cluster_statistics_describe_one_leader(client):
    body = expect(client.get("/v1/cluster/statistics"))
    assert body["synchronized"] is True
    [node] = body["statistics"]
    assert node["name"] == "node1" and node["leaderId"] == "node1" and node["status"] == "HEALTHY"
    assert node["ready"] is True and node["isVoter"] is True
    raft = node["raft"]
    assert raft["state"] == "Leader" and raft["numPeers"] == "0"
    assert [m["id"] for m in raft["latestConfiguration"]] == ["node1"]


def test_without_backpressure_the_backlog_is_per_shard_only(client):
    """The default: batchStats as Weaviate reports it with asynchronous indexing (the v4 client then sends fixed
    batches at full speed); the backlog stays visible in the shard, which wait_for_vector_indexing reads."""
    create_class(client, "Doc")
    client.app.state.store.indexes.indexer.stop()
    expect(client.post("/v1/batch/objects", json={"objects": [{"class": "Doc", "vector": [float(i), 1.0]}
                                                               for i in range(20)]}))
    node = _node(client, output="verbose")
    assert set(node["batchStats"]) == {"ratePerSecond"} and node["batchStats"]["ratePerSecond"] >= 10
    assert node["shards"][0]["vectorQueueLength"] == 20
