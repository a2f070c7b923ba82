"""Weaviate's own clients against a real weavebind server: each test runs one scenario script in the client's
environment (see conftest.py and clients/). Adding a capability is one scenario function plus one test here."""

from __future__ import annotations

import pytest

from tests.compat.conftest import ADMIN_KEY, run_scenario

pytestmark = pytest.mark.slow
# `server` runs a scenario on SQLite and on PostgreSQL (conftest.py): every scenario that stores, queries or counts
# objects depends on the SQL backend. The schema scenarios exercise the clients' configuration calls over REST, whose
# storage is one row per class that the storage tests already cover on both backends, and the API-key scenarios test
# the HTTP layer only; they run on SQLite alone, where a second run would add nothing.


# -- weaviate-client 4.x: REST for schema and single-object writes, gRPC for queries, batches and delete_many ----
def test_v4_schema(sqlite_server):
    run_scenario("v4", "schema", sqlite_server)


def test_v4_data(server):
    run_scenario("v4", "data", server)


def test_v4_batch_iterate_filter_delete_many(server):
    run_scenario("v4", "batch", server)


def test_v4_search_near_vector_bm25_hybrid_filters_sort(server):
    run_scenario("v4", "search", server)


def test_v4_search_returns_cross_references(server):
    run_scenario("v4", "references", server)


def test_v4_reference_writes_and_filters(server):
    run_scenario("v4", "reference_writes", server)


def test_v4_aggregate(server):
    run_scenario("v4", "aggregate", server)


def test_v4_nodes_shards_readonly_cluster_statistics(server):
    run_scenario("v4", "nodes_shards", server)


def test_v4_dynamic_batch_then_wait_for_vector_indexing(server):
    run_scenario("v4", "dynamic_batch", server)


def test_v4_batches_past_the_pending_limit_wait_and_all_land(throttled_server):
    run_scenario("v4", "pending_limit", throttled_server)


def test_v4_sq_quantizer_compresses_and_rescores(sqlite_server):
    # compression lives in the FAISS index, not in SQL: one backend (test_compression_store.py covers both)
    run_scenario("v4", "compression", sqlite_server)


def test_v4_query_shapes_nested_multi_vector_joins_hybrid_threshold_errors(server):
    run_scenario("v4", "query_shapes", server)


def test_v4_api_key(auth_server):
    run_scenario("v4", "auth_good_key", auth_server, api_key=ADMIN_KEY)
    run_scenario("v4", "auth_bad_key", auth_server)


# -- weaviate-client 3.26.7: REST throughout ---------------------------------------------------------------------
def test_v3_schema(sqlite_server):
    run_scenario("v3", "schema", sqlite_server)


def test_v3_data(server):
    run_scenario("v3", "data", server)


def test_v3_batch_cursor_delete_objects(server):
    run_scenario("v3", "batch", server)


def test_v3_graphql_near_vector_bm25_hybrid_where_aggregate(server):
    run_scenario("v3", "query", server)


def test_v3_references_add_batch_and_where(server):
    run_scenario("v3", "references", server)


def test_v3_dynamic_batch_and_nodes(server):
    run_scenario("v3", "dynamic_batch", server)


def test_v3_api_key(auth_server):
    run_scenario("v3", "auth_good_key", auth_server, api_key=ADMIN_KEY)
    run_scenario("v3", "auth_bad_key", auth_server)


# -- weaviate-ts-client 2.2.0: REST and GraphQL ------------------------------------------------------------------
def test_ts_schema(sqlite_server):
    run_scenario("ts", "schema", sqlite_server)


def test_ts_data(server):
    run_scenario("ts", "data", server)


def test_ts_batch_list_delete(server):
    run_scenario("ts", "batch", server)


def test_ts_graphql_near_vector_bm25_hybrid_where_aggregate(server):
    run_scenario("ts", "query", server)


def test_ts_api_key(auth_server):
    run_scenario("ts", "auth_good_key", auth_server, api_key=ADMIN_KEY)
    run_scenario("ts", "auth_bad_key", auth_server)


# -- weaviate-client 3.x for TypeScript: REST for schema, gRPC for queries and batches ----------------------------
def test_ts3_connect_insert_many_near_vector(server):
    run_scenario("ts3", "insert", server)


def test_ts3_cluster_nodes_and_shards(server):
    run_scenario("ts3", "cluster", server)
