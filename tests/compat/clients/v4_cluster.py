"""Two weavebind nodes over one database through weaviate-client 4.x (gRPC): what one node acknowledges, the next
call through the other sees (`python v4_cluster.py <scenario>`, ports in WB_HTTP_PORT/WB_GRPC_PORT and
WB_HTTP_PORT_B/WB_GRPC_PORT_B)."""

from __future__ import annotations

import os
import random
import sys

import weaviate
from weaviate.classes.config import Configure, DataType, Property
from weaviate.classes.data import DataObject
from weaviate.classes.query import Filter


def _connect(suffix: str) -> weaviate.WeaviateClient:
    return weaviate.connect_to_local(host="127.0.0.1", port=int(os.environ[f"WB_HTTP_PORT{suffix}"]),
                                     grpc_port=int(os.environ[f"WB_GRPC_PORT{suffix}"]))


def read_your_writes(a: weaviate.WeaviateClient, b: weaviate.WeaviateClient) -> None:
    a.collections.delete("V4Cluster")
    a.collections.create("V4Cluster", properties=[Property(name="n", data_type=DataType.INT)],
                         vectorizer_config=Configure.Vectorizer.none())
    assert b.collections.exists("V4Cluster")
    col_a, col_b = a.collections.use("V4Cluster"), b.collections.use("V4Cluster")
    rng = random.Random(5)
    for i in range(100):  # one gRPC batch through A, one gRPC search through B, at once
        vector = [rng.gauss(0, 1) for _ in range(8)]  # apart from each other (cosine ties would prove nothing)
        result = col_a.data.insert_many([DataObject(properties={"n": i}, vector=vector)])
        assert not result.has_errors, result.errors
        found = col_b.query.near_vector(vector, limit=1, return_properties=["n"]).objects
        assert found and found[0].properties["n"] == i, (i, found)
    assert col_b.aggregate.over_all(total_count=True).total_count == 100
    deleted = col_b.data.delete_many(where=Filter.by_property("n").less_than(50))
    assert deleted.successful == 50, deleted
    assert col_a.aggregate.over_all(total_count=True).total_count == 50
    assert all(o.properties["n"] >= 50 for o in col_a.query.near_vector([0.5] * 8, limit=10).objects)


def tenants_and_schema(a: weaviate.WeaviateClient, b: weaviate.WeaviateClient) -> None:
    a.collections.delete("V4ClusterMT")
    col_a = a.collections.create("V4ClusterMT", properties=[Property(name="n", data_type=DataType.INT)],
                                 vectorizer_config=Configure.Vectorizer.none(),
                                 multi_tenancy_config=Configure.multi_tenancy(enabled=True))
    col_a.tenants.create(["alice"])
    col_b = b.collections.use("V4ClusterMT")
    assert set(col_b.tenants.get()) == {"alice"}
    col_a.with_tenant("alice").data.insert({"n": 1}, vector=[1.0, 0.0])
    assert col_b.with_tenant("alice").query.near_vector([1.0, 0.0], limit=1).objects[0].properties["n"] == 1
    col_b.config.add_property(Property(name="tag", data_type=DataType.TEXT))
    assert "tag" in {p.name for p in col_a.config.get().properties}
    col_a.with_tenant("alice").data.insert({"n": 2, "tag": "x"}, vector=[0.0, 1.0])
    hits = col_b.with_tenant("alice").query.fetch_objects(filters=Filter.by_property("tag").equal("x")).objects
    assert [o.properties["n"] for o in hits] == [2]
    a.collections.delete("V4ClusterMT")
    assert not b.collections.exists("V4ClusterMT")


if __name__ == "__main__":
    scenario = sys.argv[1]
    with _connect("") as first, _connect("_B") as second:
        globals()[scenario](first, second)
    print(f"v4 cluster {scenario}: ok")
