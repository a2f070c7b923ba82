"""Compiled plans for plain Get queries (weavebind/schema/graphql/fastpath.py): which shapes get one, that a plan
answers like graphql-core (the autouse fixture in conftest.py compares the two on every query of this package),
that failures fall back to graphql-core's errors, and that plans never serve stale data or outlive the schema."""

from __future__ import annotations

import orjson
import pytest

from tests.graphql.conftest import add_class, add_objects, data, gql
from weavebind.schema.graphql import fastpath
from weavebind.search import inline

DIM = 8  # lift.MIN_NUMBERS: shorter vector literals are left in the text
VECTORS = [[float(i == j) + 0.1 * j for j in range(DIM)] for i in range(DIM)]
QUERY = [0.9] + [0.1] * (DIM - 1)


@pytest.fixture
def plans_match_graphql_core():
    """This module inspects the server's real plan cache, so the cross-check of conftest.py is off here."""


@pytest.fixture
def server(module_server, monkeypatch):
    # The objects below were just written: searches would go to a thread for a second (inline.py); these tests
    # are about the other conditions.
    monkeypatch.setattr(inline, "WRITES_RECENT_SECONDS", 0.0)
    client = module_server()
    add_class(client, "Item", {"title": "text", "tags": "text[]", "n": "int", "score": "number", "ok": "boolean",
                               "when": "date", "ref_id": "uuid", "spot": "geoCoordinates"})
    add_objects(client, "Item", [
        {"id": f"00000000-0000-4000-8000-00000000000{i}", "vector": VECTORS[i], "title": f"item {i}",
         "tags": ["a", f"t{i}"], "n": i, "score": i / 2, "ok": i % 2 == 0, "when": "2024-01-02T03:04:05Z",
         "ref_id": "00000000-0000-4000-8000-00000000000a", "spot": {"latitude": 1.0, "longitude": 2.0}}
        for i in range(DIM)])
    yield client
    assert client.delete("/v1/schema/Item").status_code == 200


def plans(client):
    return client.app.state.graphql.holder.get().plans


def near(vector, fields: str, extra: str = "limit: 3") -> str:
    return f"{{ Get {{ Item(nearVector: {{vector: {vector}}}, {extra}) {{ {fields} }} }} }}"


def lifted_text(client, query: str) -> fastpath.GetPlan | None:
    """The plan compiled for `query` (sent twice: the first compiles it, the second uses it)."""
    first, second = gql(client, query), gql(client, query)
    assert first == second, orjson.dumps([first, second]).decode()
    cache = plans(client)
    compiled = [plan for text, plan in cache._plans.items() if plan is not None and "Item" in text]
    return compiled[-1] if compiled else None


@pytest.mark.parametrize("fields", [
    "title n _additional { id distance }",
    "renamed: title tags score ok when ref_id _additional { certainty vector creationTimeUnix lastUpdateTimeUnix }",
    "_additional { id } title",
])
def test_plain_shapes_get_a_plan_and_answer_like_graphql_core(server, fields):
    query = near(QUERY, fields)
    plan = lifted_text(server, query)
    assert plan is not None and plan.class_name == "Item"
    rows = data(server, query)["Get"]["Item"]
    assert len(rows) == 3
    if "title" in fields:
        assert rows[0].get("title", rows[0].get("renamed")) == "item 0"


@pytest.mark.parametrize("fields", [
    "title ... on Item { n }",                                   # inline fragment
    "title @include(if: true)",                                  # directive
    "__typename title",                                          # introspection field
    "title title",                                               # repeated response key (graphql-core merges)
    "spot { latitude }",                                         # object-valued property
    "_additional { id group { id } }",                           # group hits
])
def test_other_shapes_get_no_plan(server, fields):
    query = near(QUERY, fields)
    gql(server, query)
    gql(server, query)
    assert not any(plan is not None for plan in plans(server)._plans.values())


def test_client_variables_and_operation_names_get_no_plan(server):
    query = "query Q($v: Vector) { Get { Item(nearVector: {vector: $v}, limit: 2) { title } } }"
    for _ in range(2):
        body = server.post("/v1/graphql", json={"query": query, "variables": {"v": QUERY},
                                                "operationName": "Q"}).json()
        assert [r["title"] for r in body["data"]["Get"]["Item"]] == ["item 0", "item 1"]
    assert not any(plan is not None for plan in plans(server)._plans.values())


def test_a_plan_that_fails_falls_back_to_graphql_core_errors(server):
    good = near(QUERY, "title")
    assert lifted_text(server, good) is not None
    # The same text once lifted (the vector is a variable), so the compiled plan runs first and must fail over.
    body = gql(server, near(QUERY + [0.5], "title"))
    assert body["data"]["Get"]["Item"] is None
    assert "vector lengths don't match: 9 vs 8" in body["errors"][0]["message"]
    assert body["errors"][0]["locations"] == [{"column": 9, "line": 1}]  # located in the text the client sent
    assert [r["title"] for r in data(server, good)["Get"]["Item"]] == ["item 0", "item 1", "item 2"]


def test_plans_see_every_write(server):
    query = near(QUERY, "title _additional { id }", "limit: 20")
    assert lifted_text(server, query) is not None
    before = data(server, query)["Get"]["Item"]
    add_objects(server, "Item", [{"id": "00000000-0000-4000-8000-0000000000ff", "vector": QUERY, "title": "new"}])
    after = data(server, query)["Get"]["Item"]
    assert len(after) == len(before) + 1 and after[0]["title"] == "new"
    assert server.delete("/v1/objects/Item/00000000-0000-4000-8000-0000000000ff").status_code == 204
    assert data(server, query)["Get"]["Item"] == before


def test_a_schema_change_starts_with_no_plans(server):
    query = near(QUERY, "title")
    assert lifted_text(server, query) is not None
    old = plans(server)
    response = server.post("/v1/schema/Item/properties", json={"name": "extra", "dataType": ["text"]})
    assert response.status_code == 200, response.text
    assert plans(server) is not old and not plans(server)._plans
    assert [r["extra"] for r in data(server, near(QUERY, "title extra"))["Get"]["Item"]] == [None] * 3


def test_the_plan_cache_keeps_the_texts_used_last(monkeypatch):
    monkeypatch.setattr(fastpath, "MAX_PLANS", 2)
    cache = fastpath.PlanCache()
    plan = object()
    cache.put("a", plan)
    cache.put("b", None)
    assert cache.get("a") is plan  # used: now the most recent
    cache.put("c", None)
    assert "a" in cache and "c" in cache and "b" not in cache


IDS = "_additional { id distance }"


@pytest.mark.parametrize(("fields", "extra", "on_loop"), [
    (IDS, "limit: 3", True),
    (IDS, "limit: 3, offset: 2, autocut: 1", True),
    ("_additional { certainty }", "limit: 3", True),
    ("title _additional { id }", "limit: 3", "local reads"),   # reads objects: only where reads never wait
    ("_additional { id creationTimeUnix }", "limit: 3", "local reads"),
    (IDS, "limit: 101", False),                                                  # k beyond inline.MAX_K
    (IDS, "offset: 2", False),                                                   # no limit: k is the default
    (IDS, 'limit: 3, where: {path: ["n"], operator: GreaterThan, valueInt: 2}', False),  # a filter scans objects
])
def test_only_cheap_plans_run_on_the_event_loop(server, fields, extra, on_loop):
    query = near(QUERY, fields, extra)
    assert lifted_text(server, query) is not None
    service = server.app.state.graphql
    answer = service.execute_on_loop(service.prepare({"query": query}))
    if on_loop == "local reads":
        on_loop = server.app.state.store.local_reads  # SQLite: a connection per thread; PostgreSQL: no
    assert (answer is not None) == on_loop
    if on_loop:
        assert answer == gql(server, query)


def test_flat_indexes_and_indexing_backlogs_keep_plans_off_the_event_loop(server, monkeypatch):
    add_class(server, "FlatItem", {"title": "text"}, vectorIndexType="flat")
    add_objects(server, "FlatItem", [{"vector": v, "title": "x"} for v in VECTORS])
    service = server.app.state.graphql
    flat = near(QUERY, IDS).replace("Item(", "FlatItem(")
    assert data(server, flat) == data(server, flat)
    assert service.execute_on_loop(service.prepare({"query": flat})) is None
    hnsw = service.prepare({"query": near(QUERY, IDS)})
    gql(server, hnsw.query), gql(server, hnsw.query)
    assert service.execute_on_loop(hnsw) is not None
    monkeypatch.setattr(inline, "MAX_PENDING", -1)   # as if vectors were waiting for the indexer
    assert service.execute_on_loop(hnsw) is None
    assert server.delete("/v1/schema/FlatItem").status_code == 200


def test_a_recent_write_keeps_plans_off_the_event_loop(server, monkeypatch):
    """A search on the loop could wait for the indexer's add or a write's tombstones and hold up every request."""
    service = server.app.state.graphql
    hnsw = service.prepare({"query": near(QUERY, IDS)})
    gql(server, hnsw.query), gql(server, hnsw.query)
    assert service.execute_on_loop(hnsw) is not None
    monkeypatch.setattr(inline, "WRITES_RECENT_SECONDS", 60.0)
    assert service.execute_on_loop(hnsw) is None  # the fixture's objects were written seconds ago


def test_ids_and_distances_alone_come_from_the_index(server, monkeypatch):
    with_title = data(server, near(QUERY, "title _additional { id distance }", "limit: 5"))["Get"]["Item"]
    store = server.app.state.store
    reads: list = []
    get_many = store.get_many
    monkeypatch.setattr(store, "get_many", lambda *a, **k: reads.append(a) or get_many(*a, **k))
    for _ in range(2):  # graphql-core, then the compiled plan
        ids_only = data(server, near(QUERY, "_additional { id distance certainty }", "limit: 5"))["Get"]["Item"]
        assert reads == []
        assert [r["_additional"]["id"] for r in ids_only] == [r["_additional"]["id"] for r in with_title]
        assert [r["_additional"]["distance"] for r in ids_only] == [r["_additional"]["distance"] for r in with_title]
    data(server, near(QUERY, "_additional { id creationTimeUnix }"))
    assert reads  # anything beyond ids and distances reads the objects


def test_ids_only_searches_never_return_deleted_objects(server):
    query = near(QUERY, "_additional { id }", "limit: 20")
    before = [r["_additional"]["id"] for r in data(server, query)["Get"]["Item"]]
    assert server.delete(f"/v1/objects/Item/{before[0]}").status_code == 204
    after = [r["_additional"]["id"] for r in data(server, query)["Get"]["Item"]]
    assert after == before[1:]


def test_cheap_plans_are_answered_by_the_lane_without_a_worker_thread(server, monkeypatch):
    from weavebind.server.routes import graphql as route

    query = near(QUERY, IDS)
    expected = lifted_text(server, query)  # compiled (through a thread) and cached
    assert expected is not None
    answer = gql(server, query)

    async def no_threads(*_args):
        raise AssertionError("a cheap compiled plan went to a worker thread")

    monkeypatch.setattr(route, "blocking", no_threads)
    assert gql(server, query) == answer
    with pytest.raises(AssertionError, match="worker thread"):  # not cheap: the route takes it to a thread
        gql(server, "{ Get { Item { title } } }")


@pytest.mark.parametrize(("body", "status", "message"), [
    (b"{not json", 400, "parsing body from request failed"),
    (b'{"query": ""}', 422, "query cannot be empty"),
    (b'{"query": "{ Get { Item { title } } }", "variables": [1]}', 422, "variables must be a JSON object"),
])
def test_bodies_the_lane_cannot_take_get_the_routes_errors(server, body, status, message):
    response = server.post("/v1/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code == status and message in response.json()["error"][0]["message"]


def test_a_body_over_the_limit_is_refused_after_the_lane(module_server):
    client = module_server(WEAVEBIND_MAX_REQUEST_BYTES=200)
    add_class(client, "Small", {"title": "text"})
    query = near([0.5] * 40, IDS).replace("Item(", "Small(")
    response = client.post("/v1/graphql", json={"query": query})
    assert response.status_code == 413 and "WEAVEBIND_MAX_REQUEST_BYTES" in response.json()["error"][0]["message"]


def test_the_lane_sits_behind_authentication(module_server):
    client = module_server(AUTHENTICATION_APIKEY_ENABLED="true", AUTHENTICATION_APIKEY_ALLOWED_KEYS="secret",
                           AUTHENTICATION_APIKEY_USERS="me", AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED="false")
    headers = {"authorization": "Bearer secret"}
    add = client.post("/v1/schema", json={"class": "Guarded", "vectorizer": "none"}, headers=headers)
    assert add.status_code == 200, add.text
    query = {"query": near(QUERY, IDS).replace("Item(", "Guarded(")}
    for _ in range(3):  # the plan is compiled, then cheap: still refused without a key
        assert client.post("/v1/graphql", json=query, headers=headers).status_code == 200
        assert client.post("/v1/graphql", json=query).status_code == 401


def test_long_texts_are_answered_but_never_cached(server):
    from strawberry.extensions.parser_cache import _get_parse_cache

    parse_cache = _get_parse_cache(256)
    long_text = "x" * (fastpath.MAX_CACHED_TEXT + 10)
    query = near(QUERY, "title", f'limit: 3, where: {{path: ["title"], operator: NotEqual, valueText: "{long_text}"}}')
    before = parse_cache.cache_info().currsize
    for _ in range(2):
        assert [r["title"] for r in data(server, query)["Get"]["Item"]] == ["item 0", "item 1", "item 2"]
    assert parse_cache.cache_info().currsize == before
    assert not any(len(text) > fastpath.MAX_CACHED_TEXT for text in plans(server)._plans)


def test_bodies_over_the_lane_size_reach_the_route_whole(server, monkeypatch):
    from weavebind.server import graphql_lane

    monkeypatch.setattr(graphql_lane, "MAX_BODY", 64)  # every body is "large": read in part, handed over
    query = near(QUERY, IDS)
    expected = gql(server, query)
    assert gql(server, query) == expected and len(expected["data"]["Get"]["Item"]) == 3
