"""Search over gRPC: the query layer's Get behind the v4 client's wire format; health; error codes."""

from __future__ import annotations

import uuid

import grpc

from tests.rest import ID1, ID2, add_object, create_class, text_props
from tests.server.grpc.test_batch import f32
from weavebind.server.grpc.proto import (
    aggregate_pb2,
    base_pb2,
    base_search_pb2,
    batch_pb2,
    health_weaviate_pb2,
    search_get_pb2,
)

Request = search_get_pb2.SearchRequest
BLOB = "aGVsbG8="  # "hello"


def _setup(client):
    create_class(client, "Doc", [*text_props("title"), {"name": "n", "dataType": ["int"]},
                                 {"name": "ns", "dataType": ["int[]"]}, {"name": "pic", "dataType": ["blob"]}])
    add_object(client, "Doc", ID1, {"title": "one", "n": 1, "ns": [1, 2], "pic": BLOB}, vector=[1, 0])
    add_object(client, "Doc", ID2, {"title": "two", "n": 2, "ns": [], "pic": BLOB}, vector=[0, 1])


def by_id(uid: str) -> base_pb2.Filters:
    return base_pb2.Filters(operator=base_pb2.Filters.OPERATOR_EQUAL, on=["_id"], value_text=uid)


def test_fetch_by_id_returns_uuid_bytes_all_non_blob_properties_and_asked_metadata(client, rpc):
    _setup(client)
    metadata = search_get_pb2.MetadataRequest(uuid=True, vector=True, creation_time_unix=True)
    reply = rpc.Search(Request(collection="Doc", filters=by_id(ID1), limit=1, metadata=metadata,
                               uses_127_api=True))
    [result] = reply.results
    assert uuid.UUID(bytes=result.metadata.id_as_bytes) == uuid.UUID(ID1)
    assert result.metadata.creation_time_unix_present and not result.metadata.distance_present
    assert result.metadata.vector_bytes == f32(1, 0)
    fields = result.properties.non_ref_props.fields
    assert set(fields) == {"title", "n", "ns"}  # no blob unless asked for
    assert fields["title"].text_value == "one" and fields["n"].int_value == 1
    assert fields["ns"].list_value.int_values.values == (1).to_bytes(8, "little") + (2).to_bytes(8, "little")


def test_near_vector_ranks_and_reports_distance(client, rpc):
    _setup(client)
    near = base_search_pb2.NearVector(vectors=[base_pb2.Vectors(vector_bytes=f32(0.1, 1))])
    reply = rpc.Search(Request(collection="Doc", near_vector=near, limit=2,
                               metadata=search_get_pb2.MetadataRequest(distance=True, certainty=True),
                               properties=search_get_pb2.PropertiesRequest(non_ref_properties=["title", "pic"])))
    assert [r.properties.non_ref_props.fields["title"].text_value for r in reply.results] == ["two", "one"]
    first = reply.results[0]
    assert first.metadata.distance_present and first.metadata.certainty_present
    assert first.properties.non_ref_props.fields["pic"].blob_value == BLOB


def test_malformed_searches_get_clear_status_codes_and_the_server_keeps_serving(local_client, make_rpc):
    rpc = make_rpc(local_client)
    _setup(local_client)
    missing = rpc.error("Search", Request(collection="Nope"))
    assert missing.code() == grpc.StatusCode.NOT_FOUND and "Nope" in missing.details()
    bad_bytes = rpc.error("Search", Request(collection="Doc", near_vector=base_search_pb2.NearVector(
        vector_bytes=b"\x00\x01\x02")))
    assert bad_bytes.code() == grpc.StatusCode.INVALID_ARGUMENT and "float32" in bad_bytes.details()
    bad_filter = rpc.error("Search", Request(collection="Doc", filters=base_pb2.Filters(
        operator=base_pb2.Filters.OPERATOR_EQUAL, on=["ghost"], value_text="x")))
    assert bad_filter.code() == grpc.StatusCode.INVALID_ARGUMENT and "ghost" in bad_filter.details()
    aggregate = rpc.error("Aggregate", aggregate_pb2.AggregateRequest(collection="Doc", aggregations=[
        aggregate_pb2.AggregateRequest.Aggregation(property="ghost", int={})]))
    assert aggregate.code() == grpc.StatusCode.INVALID_ARGUMENT and "ghost" in aggregate.details()
    assert len(rpc.Search(Request(collection="Doc", limit=10)).results) == 2


def _health(rpc) -> int:
    check = rpc.channel.unary_unary(
        "/grpc.health.v1.Health/Check",
        request_serializer=health_weaviate_pb2.WeaviateHealthCheckRequest.SerializeToString,
        response_deserializer=health_weaviate_pb2.WeaviateHealthCheckResponse.FromString)
    return check(health_weaviate_pb2.WeaviateHealthCheckRequest(), timeout=10).status


KEYS = {"AUTHENTICATION_APIKEY_ENABLED": "true", "AUTHENTICATION_APIKEY_ALLOWED_KEYS": "admin-key,reader-key",
        "AUTHENTICATION_APIKEY_USERS": "admin,reader", "AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED": "false",
        "AUTHORIZATION_ADMINLIST_ENABLED": "true", "AUTHORIZATION_ADMINLIST_USERS": "admin",
        "AUTHORIZATION_ADMINLIST_READONLY_USERS": "reader"}


def test_api_keys_come_from_call_metadata_and_health_needs_none(make_local_client, make_rpc):
    client = make_local_client(**KEYS)
    anonymous = make_rpc(client)
    assert _health(anonymous) == health_weaviate_pb2.WeaviateHealthCheckResponse.SERVING
    assert anonymous.error("Search", Request(collection="Doc")).code() == grpc.StatusCode.UNAUTHENTICATED
    wrong = make_rpc(client, [("authorization", "Bearer nope")])
    assert wrong.error("Search", Request(collection="Doc")).code() == grpc.StatusCode.UNAUTHENTICATED
    reader = make_rpc(client, [("authorization", "Bearer reader-key")])
    assert reader.error("Search", Request(collection="Doc")).code() == grpc.StatusCode.NOT_FOUND  # authenticated
    denied = reader.error("BatchObjects", batch_pb2.BatchObjectsRequest())
    assert denied.code() == grpc.StatusCode.PERMISSION_DENIED and "BatchObjects" in denied.details()
    admin = make_rpc(client, [("authorization", "Bearer admin-key")])
    assert list(admin.BatchObjects(batch_pb2.BatchObjectsRequest()).errors) == []


def test_aggregate_counts_and_summarises_asked_figures_only(client, rpc):
    _setup(client)
    Aggregation = aggregate_pb2.AggregateRequest.Aggregation
    reply = rpc.Aggregate(aggregate_pb2.AggregateRequest(collection="Doc", objects_count=True, aggregations=[
        Aggregation(property="n", int=Aggregation.Integer(sum=True, mean=True)),
        Aggregation(property="title", text=Aggregation.Text(count=True, top_occurences=True))]))
    assert reply.single_result.objects_count == 2
    n, title = reply.single_result.aggregations.aggregations
    assert (n.int.sum, n.int.mean, n.int.HasField("maximum")) == (3, 1.5, False)
    assert title.text.count == 2 and {o.value for o in title.text.top_occurences.items} == {"one", "two"}
    grouped = rpc.Aggregate(aggregate_pb2.AggregateRequest(
        collection="Doc", objects_count=True, group_by=aggregate_pb2.AggregateRequest.GroupBy(property="n")))
    assert sorted(g.grouped_by.int for g in grouped.grouped_results.groups) == [1, 2]


def test_without_a_limit_search_returns_query_defaults_limit_and_sort_refuses_a_search(make_local_client, make_rpc):
    client = make_local_client(QUERY_DEFAULTS_LIMIT="3")
    rpc = make_rpc(client)
    create_class(client, "Doc", [{"name": "n", "dataType": ["int"]}])
    for i in range(5):
        add_object(client, "Doc", str(uuid.UUID(int=i + 1)), {"n": i}, vector=[1, i])
    near = base_search_pb2.NearVector(vector_bytes=f32(1, 0), distance=2)
    assert len(rpc.Search(Request(collection="Doc", near_vector=near)).results) == 3
    by_n = search_get_pb2.SortBy(path=["n"], ascending=True)
    ordered = rpc.Search(Request(collection="Doc", limit=5, sort_by=[by_n]))
    assert [r.properties.non_ref_props.fields["n"].int_value for r in ordered.results] == [0, 1, 2, 3, 4]
    refused = rpc.error("Search", Request(collection="Doc", near_vector=near, sort_by=[search_get_pb2.SortBy(
        path=["n"])]))
    assert refused.code() == grpc.StatusCode.INVALID_ARGUMENT and refused.details() == \
        "sorting cannot be combined with search"


def test_cheap_vector_searches_skip_the_worker_thread_where_reads_never_wait(client, rpc, monkeypatch):
    """search/inline.py: a plain nearVector with a small limit runs on the event loop when object reads never
    wait (SQLite); a filtered search, and every search on PostgreSQL, goes to a worker thread."""
    from weavebind.search import inline
    from weavebind.server.grpc import service

    monkeypatch.setattr(inline, "WRITES_RECENT_SECONDS", 0.0)  # _setup's writes are not what this is about
    _setup(client)
    threaded: list[str] = []
    original = service.blocking

    async def counting(func, *args):
        threaded.append(func.__name__)
        return await original(func, *args)

    monkeypatch.setattr(service, "blocking", counting)
    near = base_search_pb2.NearVector(vectors=[base_pb2.Vectors(vector_bytes=f32(0.1, 1))])
    reply = rpc.Search(Request(collection="Doc", near_vector=near, limit=2, uses_127_api=True,
                               metadata=search_get_pb2.MetadataRequest(uuid=True, distance=True)))
    assert [uuid.UUID(bytes=r.metadata.id_as_bytes) for r in reply.results] == [uuid.UUID(ID2), uuid.UUID(ID1)]
    assert reply.took > 0
    assert threaded == ([] if client.app.state.store.local_reads else ["run"])
    filtered = rpc.Search(Request(collection="Doc", near_vector=near, limit=2, filters=by_id(ID1),
                                  uses_127_api=True))
    assert len(filtered.results) == 1 and threaded[-1] == "run"


def test_the_v4_total_count_is_one_sql_count(client, rpc, monkeypatch):
    _setup(client)
    store = client.app.state.store

    def no_scan(*_args, **_kwargs):
        raise AssertionError("a count-only Aggregate read the objects")

    monkeypatch.setattr(store, "iter_class", no_scan)
    reply = rpc.Aggregate(aggregate_pb2.AggregateRequest(collection="Doc", objects_count=True))
    assert reply.single_result.objects_count == 2
