"""Multi-tenancy over gRPC: BatchObjects per object's tenant, Search and Aggregate inside one tenant, BatchDelete
per tenant, TenantsGet, and Weaviate's errors as INVALID_ARGUMENT (a missing class stays NOT_FOUND)."""

from __future__ import annotations

import grpc

from tests.rest import ID1, ID2, ID3, create_class, expect, text_props
from tests.server.grpc.test_batch import f32, obj
from weavebind.server.grpc.proto import (
    aggregate_pb2,
    base_pb2,
    base_search_pb2,
    batch_delete_pb2,
    batch_pb2,
    search_get_pb2,
    tenants_pb2,
)


def tenant_class(client) -> None:
    create_class(client, "Doc", text_props("title"), vectorizer="none", multiTenancyConfig={"enabled": True})
    expect(client.post("/v1/schema/Doc/tenants", json=[{"name": "a"}, {"name": "b"},
                                                       {"name": "c", "activityStatus": "COLD"}]))


def in_tenant(tenant: str, uid: str, title: str, vector: bytes) -> batch_pb2.BatchObject:
    message = obj(uid, vector=vector, title=title)
    message.tenant = tenant
    return message


def near(tenant: str = "", collection: str = "Doc") -> search_get_pb2.SearchRequest:
    return search_get_pb2.SearchRequest(
        collection=collection, tenant=tenant, limit=10, uses_127_api=True,
        near_vector=base_search_pb2.NearVector(vector_bytes=f32(1, 0)),
        metadata=search_get_pb2.MetadataRequest(uuid=True))


def found_ids(reply) -> list[str]:
    return sorted(result.metadata.id for result in reply.results)


def test_batch_search_aggregate_and_delete_stay_inside_a_tenant(client, rpc):
    tenant_class(client)
    reply = rpc.BatchObjects(batch_pb2.BatchObjectsRequest(objects=[
        in_tenant("a", ID1, "one", f32(1, 0)), in_tenant("b", ID1, "one-b", f32(1, 0)),
        in_tenant("b", ID2, "two-b", f32(0, 1)), obj(ID3, vector=f32(1, 0), title="none"),
        in_tenant("zzz", ID3, "x", f32(1, 0))]))
    errors = {e.index: e.error for e in reply.errors}
    assert set(errors) == {3, 4}
    assert "without tenant" in errors[3] and errors[4] == 'tenant not found: "zzz"'
    assert found_ids(rpc.Search(near("a"))) == [ID1]
    assert found_ids(rpc.Search(near("b"))) == [ID1, ID2]
    count = rpc.Aggregate(aggregate_pb2.AggregateRequest(collection="Doc", tenant="b", objects_count=True))
    assert count.single_result.objects_count == 2
    where = base_pb2.Filters(operator=base_pb2.Filters.OPERATOR_LIKE, value_text="*",
                             target=base_pb2.FilterTarget(property="title"))
    done = rpc.BatchDelete(batch_delete_pb2.BatchDeleteRequest(collection="Doc", tenant="b", filters=where))
    assert done.successful == 2
    assert found_ids(rpc.Search(near("a"))) == [ID1] and found_ids(rpc.Search(near("b"))) == []


def test_tenant_errors_are_invalid_argument(client, rpc):
    tenant_class(client)
    create_class(client, "Plain", text_props("title"), vectorizer="none")
    cases = [(near(""), "class Doc has multi-tenancy enabled, but request was without tenant"),
             (near("nobody"), 'tenant not found: "nobody"'),
             (near("c"), "tenant not active: 'c'"),
             (near("a", "Plain"), "class Plain has multi-tenancy disabled, but request was with tenant")]
    for request, text in cases:
        error = rpc.error("Search", request)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and error.details() == text
    error = rpc.error("Aggregate", aggregate_pb2.AggregateRequest(collection="Doc", objects_count=True))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "without tenant" in error.details()
    assert rpc.error("Search", near("a", "Missing")).code() == grpc.StatusCode.NOT_FOUND


def test_tenants_get_lists_all_or_the_named_ones(client, rpc):
    tenant_class(client)
    reply = rpc.TenantsGet(tenants_pb2.TenantsGetRequest(collection="Doc"))
    assert {t.name: t.activity_status for t in reply.tenants} == {
        "a": tenants_pb2.TENANT_ACTIVITY_STATUS_ACTIVE, "b": tenants_pb2.TENANT_ACTIVITY_STATUS_ACTIVE,
        "c": tenants_pb2.TENANT_ACTIVITY_STATUS_INACTIVE}
    named = rpc.TenantsGet(tenants_pb2.TenantsGetRequest(collection="Doc",
                                                         names=tenants_pb2.TenantNames(values=["c", "x"])))
    assert [t.name for t in named.tenants] == ["c"]
    assert rpc.error("TenantsGet", tenants_pb2.TenantsGetRequest(collection="Nope")).code() == \
        grpc.StatusCode.NOT_FOUND
    create_class(client, "Plain", text_props("title"), vectorizer="none")
    assert rpc.error("TenantsGet", tenants_pb2.TenantsGetRequest(collection="Plain")).code() == \
        grpc.StatusCode.INVALID_ARGUMENT
