"""Multi-tenancy, alias and backup scenarios for weaviate-client 4.x, run like v4_scenarios.py
(`python v4_features.py <scenario>`).

The client's own calls: `collection.tenants.*` (REST and gRPC TenantsGet), `collection.with_tenant(...)` for
inserts, batches, queries, aggregations and delete_many (gRPC), the activity status round trip, and
`client.alias.*` with queries and writes through an alias, `client.backup.*` (create, status, list, restore) on
the filesystem and S3 backends, with config options and a backup_location.
"""

from __future__ import annotations

import sys
import uuid

import weaviate
from v4_scenarios import connect
from weaviate.classes.config import Configure, DataType, Property
from weaviate.classes.data import DataObject
from weaviate.classes.query import Filter
from weaviate.classes.tenants import Tenant, TenantActivityStatus

PROPS = [Property(name="title", data_type=DataType.TEXT), Property(name="n", data_type=DataType.INT)]


def _collection(client: weaviate.WeaviateClient, name: str, **mt):
    client.collections.delete(name)
    return client.collections.create(name, properties=PROPS, vectorizer_config=Configure.Vectorizer.none(),
                                     multi_tenancy_config=Configure.multi_tenancy(enabled=True, **mt))


def tenants_api(client: weaviate.WeaviateClient) -> None:
    col = _collection(client, "V4Tenants")
    assert col.config.get().multi_tenancy_config.enabled
    col.tenants.create(["alice", Tenant(name="bob", activity_status=TenantActivityStatus.INACTIVE)])
    got = col.tenants.get()
    assert {n: t.activity_status for n, t in got.items()} == {
        "alice": TenantActivityStatus.ACTIVE, "bob": TenantActivityStatus.INACTIVE}, got
    assert set(col.tenants.get_by_names(["bob", "nobody"])) == {"bob"}
    assert col.tenants.get_by_name("alice").name == "alice" and col.tenants.get_by_name("nobody") is None
    assert col.tenants.exists("alice") and not col.tenants.exists("nobody")
    col.tenants.update(Tenant(name="bob", activity_status=TenantActivityStatus.ACTIVE))
    assert col.tenants.get_by_name("bob").activity_status == TenantActivityStatus.ACTIVE
    col.tenants.remove(["bob"])
    assert set(col.tenants.get()) == {"alice"}


def tenants_data(client: weaviate.WeaviateClient) -> None:
    col = _collection(client, "V4TenantData")
    col.tenants.create(["alice", "bob"])
    alice, bob = col.with_tenant("alice"), col.with_tenant("bob")
    uid = alice.data.insert({"title": "apple", "n": 1}, vector=[1.0, 0.0])
    result = bob.data.insert_many([DataObject(properties={"title": f"b{i}", "n": i}, vector=[1.0, float(i)])
                                   for i in range(5)])
    assert not result.has_errors, result.errors
    with bob.batch.fixed_size(batch_size=10) as batch:
        batch.add_object({"title": "batched", "n": 10}, vector=[0.0, 1.0])
    assert bob.batch.failed_objects == [], bob.batch.failed_objects
    bob.batch.wait_for_vector_indexing()
    assert {s.name: s.vector_queue_size for s in col.config.get_shards()} == {"alice": 0, "bob": 0}
    [node] = client.cluster.nodes(collection="V4TenantData", output="verbose")
    assert {s.name: s.object_count for s in node.shards} == {"alice": 1, "bob": 6}, node.shards
    assert alice.query.fetch_object_by_id(uid).properties["title"] == "apple"
    assert bob.query.fetch_object_by_id(uid) is None  # another tenant's id is not there
    assert [o.properties["title"] for o in alice.query.near_vector([1.0, 0.0], limit=10).objects] == ["apple"]
    assert len(bob.query.fetch_objects(limit=100).objects) == 6
    assert len(bob.query.bm25("apple").objects) == 0
    assert alice.aggregate.over_all(total_count=True).total_count == 1
    assert bob.aggregate.over_all(filters=Filter.by_property("n").greater_than(2), total_count=True).total_count == 3
    deleted = bob.data.delete_many(where=Filter.by_property("n").less_than(3))
    assert deleted.successful == 3, deleted
    assert bob.aggregate.over_all(total_count=True).total_count == 3
    assert alice.aggregate.over_all(total_count=True).total_count == 1
    try:
        col.query.fetch_objects()
    except weaviate.exceptions.WeaviateQueryError as exc:
        assert "multi-tenancy enabled, but request was without tenant" in str(exc), exc
    else:
        raise AssertionError("a query without tenant on a multi-tenant collection was answered")


def tenants_activity(client: weaviate.WeaviateClient) -> None:
    col = _collection(client, "V4TenantCold")
    col.tenants.create(["alice"])
    col.with_tenant("alice").data.insert({"title": "kept", "n": 1}, vector=[1.0, 0.0])
    col.tenants.update(Tenant(name="alice", activity_status=TenantActivityStatus.INACTIVE))
    try:
        col.with_tenant("alice").query.fetch_objects()
    except weaviate.exceptions.WeaviateQueryError as exc:
        assert "tenant not active" in str(exc), exc
    else:
        raise AssertionError("a query on an inactive tenant was answered")
    col.tenants.update(Tenant(name="alice", activity_status=TenantActivityStatus.ACTIVE))
    found = col.with_tenant("alice").query.near_vector([1.0, 0.0], limit=5).objects
    assert [o.properties["title"] for o in found] == ["kept"]
    auto = _collection(client, "V4TenantAuto", auto_tenant_creation=True, auto_tenant_activation=True)
    auto.with_tenant("made-on-insert").data.insert({"title": "x", "n": 0}, vector=[1.0, 0.0])
    assert auto.tenants.exists("made-on-insert")


def aliases(client: weaviate.WeaviateClient) -> None:
    client.alias.delete(alias_name="V4Books")
    for name, title in (("V4BooksA", "first"), ("V4BooksB", "second")):
        client.collections.delete(name)
        client.collections.create(name, properties=PROPS, vectorizer_config=Configure.Vectorizer.none()) \
            .data.insert({"title": title, "n": 1}, vector=[1.0, 0.0])
    client.alias.create(alias_name="V4Books", target_collection="V4BooksA")
    assert client.alias.exists(alias_name="V4Books")
    got = client.alias.get(alias_name="V4Books")
    assert (got.alias, got.collection) == ("V4Books", "V4BooksA"), got
    assert set(client.alias.list_all()) == {"V4Books"}
    assert set(client.alias.list_all(collection="V4BooksB")) == set()
    books = client.collections.use("V4Books")
    assert [o.properties["title"] for o in books.query.near_vector([1.0, 0.0]).objects] == ["first"]
    books.data.insert({"title": "through the alias", "n": 2}, vector=[0.0, 1.0])
    assert books.aggregate.over_all(total_count=True).total_count == 2
    assert client.alias.update(alias_name="V4Books", new_target_collection="V4BooksB")
    assert [o.properties["title"] for o in books.query.fetch_objects().objects] == ["second"]
    assert client.alias.delete(alias_name="V4Books")
    assert client.alias.get(alias_name="V4Books") is None and not client.alias.delete(alias_name="V4Books")


def backups(client: weaviate.WeaviateClient) -> None:
    from weaviate.classes.backup import BackupStorage
    col = _collection(client, "V4Backed")
    col.tenants.create(["alice"])
    col.with_tenant("alice").data.insert_many([DataObject(properties={"title": f"t{i}", "n": i}, vector=[1.0, i])
                                               for i in range(20)])
    backup_id = f"v4-{uuid.uuid4().hex[:8]}"
    done = client.backup.create(backup_id, BackupStorage.FILESYSTEM, include_collections=["V4Backed"],
                                wait_for_completion=True)
    assert done.status.value == "SUCCESS" and done.collections == ["V4Backed"], done
    assert client.backup.get_create_status(backup_id, BackupStorage.FILESYSTEM).status.value == "SUCCESS"
    assert backup_id in {b.backup_id for b in client.backup.list_backups(BackupStorage.FILESYSTEM)}
    client.collections.delete("V4Backed")
    restored = client.backup.restore(backup_id, BackupStorage.FILESYSTEM, wait_for_completion=True)
    assert restored.status.value == "SUCCESS", restored
    alice = client.collections.use("V4Backed").with_tenant("alice")
    assert alice.aggregate.over_all(total_count=True).total_count == 20
    assert alice.query.near_vector([1.0, 7.0], limit=1).objects[0].properties["n"] == 7


S3_OTHER_BUCKET = "wb-compat-location"  # created by the s3_server fixture (tests/compat/conftest.py)


def backups_s3(client: weaviate.WeaviateClient) -> None:
    """backup-s3 (a local S3 server): config options, a backup_location override, and the alias restored."""
    from weaviate.classes.backup import (
        BackupCompressionLevel,
        BackupConfigCreate,
        BackupConfigRestore,
        BackupLocation,
        BackupStorage,
    )
    from weaviate.exceptions import UnexpectedStatusCodeError
    col = _collection(client, "V4S3Backed")
    col.tenants.create(["alice"])
    col.with_tenant("alice").data.insert_many([DataObject(properties={"title": f"t{i}", "n": i}, vector=[1.0, i])
                                               for i in range(20)])
    client.alias.delete(alias_name="V4S3Alias")
    client.alias.create(alias_name="V4S3Alias", target_collection="V4S3Backed")
    backup_id, s3 = f"v4-s3-{uuid.uuid4().hex[:8]}", BackupStorage.S3
    done = client.backup.create(backup_id, s3, include_collections=["V4S3Backed"], wait_for_completion=True,
                                config=BackupConfigCreate(cpu_percentage=40,
                                                          compression_level=BackupCompressionLevel.BEST_SPEED))
    assert done.status.value == "SUCCESS" and done.collections == ["V4S3Backed"], done
    assert done.path.startswith("s3://") and done.path.endswith(f"/{backup_id}"), done
    assert client.backup.get_create_status(backup_id, s3).status.value == "SUCCESS"
    assert backup_id in {b.backup_id for b in client.backup.list_backups(s3)}
    elsewhere = BackupLocation.S3(bucket=S3_OTHER_BUCKET, path="compat/elsewhere")
    moved = client.backup.create(f"{backup_id}-moved", s3, include_collections=["V4S3Backed"],
                                 backup_location=elsewhere, wait_for_completion=True)
    assert moved.status.value == "SUCCESS" and moved.path == f"s3://{S3_OTHER_BUCKET}/compat/elsewhere/{moved.backup_id}"
    assert client.backup.get_create_status(moved.backup_id, s3, backup_location=elsewhere).status.value == "SUCCESS"
    try:
        client.backup.create("v4-s3-refused", s3, config=BackupConfigCreate(cpu_percentage=95))
        raise AssertionError("CPUPercentage 95 was accepted")
    except UnexpectedStatusCodeError as exc:
        assert exc.status_code == 422 and "less than or equal to 80" in str(exc), exc
    client.collections.delete("V4S3Backed")  # and its alias
    assert client.alias.get(alias_name="V4S3Alias") is None
    restored = client.backup.restore(backup_id, s3, wait_for_completion=True,
                                     config=BackupConfigRestore(cpu_percentage=40))
    assert restored.status.value == "SUCCESS", restored
    assert client.alias.get(alias_name="V4S3Alias").collection == "V4S3Backed"
    alice = client.collections.use("V4S3Alias").with_tenant("alice")
    assert alice.aggregate.over_all(total_count=True).total_count == 20
    assert alice.query.near_vector([1.0, 7.0], limit=1).objects[0].properties["n"] == 7
    client.collections.delete("V4S3Backed")
    restored = client.backup.restore(moved.backup_id, s3, backup_location=elsewhere, wait_for_completion=True)
    assert restored.status.value == "SUCCESS", restored
    assert client.collections.use("V4S3Backed").with_tenant("alice").aggregate.over_all(
        total_count=True).total_count == 20
    # Cancelling what has finished changes nothing (a running one is tested in tests/server/test_backups_s3.py).
    assert client.backup.cancel(backup_id, s3) and client.backup.cancel(moved.backup_id, s3, operation="restore")
    assert client.backup.get_create_status(backup_id, s3).status.value == "SUCCESS"


if __name__ == "__main__":
    scenario = sys.argv[1]
    with connect() as connected:
        globals()[scenario](connected)
    print(f"v4 {scenario}: ok")
