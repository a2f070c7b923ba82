"""The vectorizer modules through Weaviate's own clients: multi2vec-clip and multi2vec-bind classes on a real
weavebind server whose inference containers are fakes (real HTTP servers, `module_server` in conftest.py) that answer
the vectors of clients/modules.json, so every scenario knows which object each query must find, and at what
distance. Adding a scenario: one function in clients/<client>_modules.*, one test function here."""

from __future__ import annotations

import pytest

from tests.compat.conftest import run_module_scenario

pytestmark = pytest.mark.slow


# -- weaviate-client 4.x: gRPC queries, batches and aggregations -------------------------------------------------
def test_v4_clip_legacy_import_fetch_near_text_moves_near_image_aggregate(module_server):
    run_module_scenario("v4", "clip", module_server)


def test_v4_bind_named_vectors_near_media_every_modality(module_server):
    run_module_scenario("v4", "bind", module_server)


def test_v4_clip_named_vectors_api_without_target(module_server):
    run_module_scenario("v4", "named_clip", module_server)


def test_v4_bind_legacy_batch_near_media_without_target(module_server):
    run_module_scenario("v4", "legacy_bind", module_server)


# -- weaviate-client 3.26.7: REST and GraphQL --------------------------------------------------------------------
def test_v3_clip_legacy_import_fetch_near_text_moves_near_image_aggregate_explore(module_server):
    run_module_scenario("v3", "clip", module_server)


def test_v3_bind_named_vector_near_media_every_modality_aggregate_explore(module_server):
    run_module_scenario("v3", "bind", module_server)


# -- weaviate-ts-client 2.2.0: REST and GraphQL ------------------------------------------------------------------
def test_ts_clip_legacy_import_fetch_near_text_moves_near_image_aggregate_explore(module_server):
    run_module_scenario("ts", "clip", module_server)


def test_ts_bind_named_vector_near_media_every_modality_aggregate_shim_explore(module_server):
    run_module_scenario("ts", "bind", module_server)


def test_ts_explore_near_media_argument_names(module_server):
    run_module_scenario("ts", "explore_media", module_server)


def test_v3_explore_near_object_and_move_objects_across_vector_kinds(empty_module_server):
    run_module_scenario("v3", "explore_objects", empty_module_server)
