"""Multi-tenancy over REST and GraphQL: the tenants API, the tenant on every data path, Weaviate's errors, isolation,
activity status (a COLD tenant's indexes leave memory, its data stays) and persistence across a restart."""

from __future__ import annotations

import pytest

from tests.rest import ID1, ID2, ID3, create_class, expect, message, text_props

MT = {"enabled": True, "autoTenantCreation": False, "autoTenantActivation": False}


def mt_class(client, name: str = "Shop", **config) -> None:
    create_class(client, name, text_props("title"), vectorizer="none",
                 multiTenancyConfig={**MT, **config})


def add(client, tenant: str | None, uid: str, title: str, vector: list[float], cls: str = "Shop"):
    body = {"class": cls, "id": uid, "properties": {"title": title}, "vector": vector}
    if tenant is not None:
        body["tenant"] = tenant
    return client.post("/v1/objects", json=body)


def graphql(client, query: str) -> dict:
    return expect(client.post("/v1/graphql", json={"query": query}))


def titles(client, tenant: str, cls: str = "Shop") -> list[str]:
    body = graphql(client, f'{{ Get {{ {cls}(tenant: "{tenant}", nearVector: {{vector: [1, 0]}}) {{ title }} }} }}')
    assert "errors" not in body, body
    return [row["title"] for row in body["data"]["Get"][cls]]


def test_tenants_api_create_list_get_update_delete(client):
    mt_class(client)
    created = expect(client.post("/v1/schema/Shop/tenants", json=[
        {"name": "alice"}, {"name": "bob", "activityStatus": "COLD"}, {"name": "carol", "activityStatus": "ACTIVE"}]))
    assert created == [{"name": "alice", "activityStatus": "ACTIVE"}, {"name": "bob", "activityStatus": "INACTIVE"},
                       {"name": "carol", "activityStatus": "ACTIVE"}]
    listed = {t["name"]: t["activityStatus"] for t in expect(client.get("/v1/schema/Shop/tenants"))}
    assert listed == {"alice": "ACTIVE", "bob": "INACTIVE", "carol": "ACTIVE"}
    assert expect(client.get("/v1/schema/Shop/tenants/bob")) == {"name": "bob", "activityStatus": "INACTIVE"}
    assert client.head("/v1/schema/Shop/tenants/bob").status_code == 200
    assert client.head("/v1/schema/Shop/tenants/nobody").status_code == 404
    assert client.get("/v1/schema/Shop/tenants/nobody").status_code == 404
    expect(client.put("/v1/schema/Shop/tenants", json=[{"name": "bob", "activityStatus": "HOT"}]))
    assert expect(client.get("/v1/schema/Shop/tenants/bob"))["activityStatus"] == "ACTIVE"
    expect(client.request("DELETE", "/v1/schema/Shop/tenants", json=["carol", "nobody"]))
    assert {t["name"] for t in expect(client.get("/v1/schema/Shop/tenants"))} == {"alice", "bob"}


@pytest.mark.parametrize(("body", "expected"), [
    ([{"name": "bad name"}], "tenant name at index 0: tenant name should only contain alphanumeric"),
    ([{"name": "a" * 65}], "with a length between 1 and 64 characters"),
    ([{"name": "x"}, {"name": "x"}], "duplicate tenant name x"),
    ([{"name": "x\n"}], "tenant name at index 0: tenant name should only contain"),
    ([{"name": "x", "activityStatus": "WARM"}], "invalid activity status 'WARM' at index 0"),
    ([{"name": "x", "activityStatus": {"HOT": 1}}], "invalid activity status {'HOT': 1} at index 0"),
    ([{"name": "x", "activityStatus": ["HOT"]}], "invalid activity status ['HOT'] at index 0"),
    ([{"name": "x", "activityStatus": "OFFLOADED"}], "'OFFLOADED' at index 0 is not supported by weavebind"),
    ({"name": "x"}, "the body must be a list of tenants"),
    (["x"], "the body must be a list of tenants"),
])
def test_tenants_api_refuses_bad_bodies(local_client, body, expected):
    mt_class(local_client)
    response = local_client.post("/v1/schema/Shop/tenants", json=body)
    assert response.status_code == 422 and expected in message(response)


def test_tenants_api_on_a_class_without_multi_tenancy_or_no_class(local_client):
    create_class(local_client, "Plain", text_props("title"), vectorizer="none")
    response = local_client.post("/v1/schema/Plain/tenants", json=[{"name": "a"}])
    assert response.status_code == 422 and message(response) == 'multi-tenancy is not enabled for class "Plain"'
    response = local_client.get("/v1/schema/Nothing/tenants")
    assert response.status_code == 422 and "Nothing" in message(response)
    response = local_client.put("/v1/schema/Plain/tenants", json=[{"name": "a", "activityStatus": "HOT"}])
    assert response.status_code == 422


def test_update_of_an_unknown_tenant_is_404_and_changes_nothing(local_client):
    mt_class(local_client)
    expect(local_client.post("/v1/schema/Shop/tenants", json=[{"name": "alice"}]))
    response = local_client.put("/v1/schema/Shop/tenants", json=[{"name": "alice", "activityStatus": "COLD"},
                                                                  {"name": "zed", "activityStatus": "COLD"}])
    assert response.status_code == 404 and "zed" in message(response)
    assert expect(local_client.get("/v1/schema/Shop/tenants/alice"))["activityStatus"] == "ACTIVE"


def test_weaviate_errors_for_a_missing_unknown_or_unexpected_tenant(client):
    mt_class(client)
    create_class(client, "Plain", text_props("title"), vectorizer="none")
    expect(client.post("/v1/schema/Shop/tenants", json=[{"name": "alice"}]))
    response = add(client, None, ID1, "x", [1, 0])
    assert response.status_code == 422
    assert message(response) == "class Shop has multi-tenancy enabled, but request was without tenant"
    response = add(client, "nobody", ID1, "x", [1, 0])
    assert response.status_code == 422 and message(response) == 'tenant not found: "nobody"'
    response = add(client, "alice", ID1, "x", [1, 0], cls="Plain")
    assert response.status_code == 422
    assert message(response) == "class Plain has multi-tenancy disabled, but request was with tenant"
    assert client.get(f"/v1/objects/Shop/{ID1}").status_code == 422
    body = graphql(client, "{ Get { Shop { title } } }")
    assert body["errors"][0]["message"] == "class Shop has multi-tenancy enabled, but request was without tenant"


def test_objects_and_queries_stay_inside_their_tenant(client):
    mt_class(client)
    expect(client.post("/v1/schema/Shop/tenants", json=[{"name": "alice"}, {"name": "bob"}]))
    expect(add(client, "alice", ID1, "apple", [1, 0]))
    expect(add(client, "bob", ID1, "banana", [1, 0.1]))  # the same id in another tenant is another object
    expect(add(client, "bob", ID2, "cherry", [0, 1]))
    assert titles(client, "alice") == ["apple"]
    assert titles(client, "bob") == ["banana", "cherry"]
    got = expect(client.get(f"/v1/objects/Shop/{ID1}", params={"tenant": "bob"}))
    assert got["properties"]["title"] == "banana" and got["tenant"] == "bob"
    assert client.get(f"/v1/objects/Shop/{ID2}", params={"tenant": "alice"}).status_code == 404
    listed = expect(client.get("/v1/objects", params={"class": "Shop", "tenant": "bob"}))["objects"]
    assert sorted(o["properties"]["title"] for o in listed) == ["banana", "cherry"]
    assert expect(client.get("/v1/objects"))["objects"] == []  # no class, no tenant: no tenant's objects
    where = '{path: ["title"], operator: Equal, valueText: "banana"}'
    body = graphql(client, f'{{ Aggregate {{ Shop(tenant: "alice", where: {where}) {{ meta {{ count }} }} }} }}')
    assert body["data"]["Aggregate"]["Shop"][0]["meta"]["count"] == 0
    body = graphql(client, '{ Aggregate { Shop(tenant: "bob") { meta { count } } } }')
    assert body["data"]["Aggregate"]["Shop"][0]["meta"]["count"] == 2
    body = graphql(client, '{ Get { Shop(tenant: "alice", bm25: {query: "banana"}) { title } } }')
    assert body["data"]["Get"]["Shop"] == []


def test_writes_reads_and_deletes_by_tenant(client):
    mt_class(client)
    expect(client.post("/v1/schema/Shop/tenants", json=[{"name": "alice"}, {"name": "bob"}]))
    for tenant in ("alice", "bob"):
        expect(add(client, tenant, ID1, f"{tenant}-1", [1, 0]))
    expect(client.put(f"/v1/objects/Shop/{ID1}", json={"class": "Shop", "id": ID1, "tenant": "alice",
                                                         "properties": {"title": "replaced"}, "vector": [1, 0]}))
    assert client.patch(f"/v1/objects/Shop/{ID1}", json={"class": "Shop", "tenant": "bob",
                                                          "properties": {"title": "patched"}}).status_code == 204
    assert titles(client, "alice") == ["replaced"] and titles(client, "bob") == ["patched"]
    assert client.head(f"/v1/objects/Shop/{ID1}", params={"tenant": "alice"}).status_code == 204
    assert client.delete(f"/v1/objects/Shop/{ID1}", params={"tenant": "alice"}).status_code == 204
    assert client.head(f"/v1/objects/Shop/{ID1}", params={"tenant": "alice"}).status_code == 404
    assert titles(client, "bob") == ["patched"]


def test_batch_import_and_batch_delete_by_tenant(client):
    mt_class(client)
    expect(client.post("/v1/schema/Shop/tenants", json=[{"name": "alice"}, {"name": "bob"}]))
    objects = [{"class": "Shop", "id": uid, "tenant": tenant, "properties": {"title": f"{tenant}-{i}"},
                "vector": [1, i]} for i, uid in enumerate((ID1, ID2)) for tenant in ("alice", "bob")]
    objects.append({"class": "Shop", "id": ID3, "properties": {"title": "orphan"}, "vector": [1, 0]})
    objects.append({"class": "Shop", "id": ID3, "tenant": "zed", "properties": {"title": "x"}, "vector": [1, 0]})
    results = expect(client.post("/v1/batch/objects", json={"objects": objects}))
    statuses = [r["result"]["status"] for r in results]
    assert statuses == ["SUCCESS"] * 4 + ["FAILED", "FAILED"]
    assert "without tenant" in results[4]["result"]["errors"]["error"][0]["message"]
    assert results[0]["tenant"] == "alice"
    match = {"class": "Shop", "where": {"path": ["title"], "operator": "Like", "valueText": "*"}}
    dry = expect(client.request("DELETE", "/v1/batch/objects", params={"tenant": "alice"},
                                json={"match": match, "dryRun": True}))
    assert dry["results"]["matches"] == 2
    done = expect(client.request("DELETE", "/v1/batch/objects", params={"tenant": "alice"}, json={"match": match}))
    assert done["results"]["successful"] == 2
    assert titles(client, "alice") == [] and sorted(titles(client, "bob")) == ["bob-0", "bob-1"]
    response = client.request("DELETE", "/v1/batch/objects", json={"match": match})
    assert response.status_code == 422 and "without tenant" in message(response)


def test_cold_tenant_is_refused_keeps_its_data_and_comes_back(client):
    mt_class(client)
    expect(client.post("/v1/schema/Shop/tenants", json=[{"name": "alice"}, {"name": "bob"}]))
    expect(add(client, "alice", ID1, "apple", [1, 0]))
    expect(add(client, "bob", ID1, "banana", [1, 0]))
    indexes = client.app.state.store.indexes
    expect(client.put("/v1/schema/Shop/tenants", json=[{"name": "alice", "activityStatus": "INACTIVE"}]))
    assert not any(key.startswith("Shop#alice") for key, _ in indexes.indexes)  # released from memory
    response = client.get(f"/v1/objects/Shop/{ID1}", params={"tenant": "alice"})
    assert response.status_code == 422 and message(response) == "tenant not active: 'alice'"
    body = graphql(client, '{ Get { Shop(tenant: "alice") { title } } }')
    assert body["errors"][0]["message"] == "tenant not active: 'alice'"  # the client's error, not an internal one
    body = graphql(client, '{ Aggregate { Shop(tenant: "nobody") { meta { count } } } }')
    assert body["errors"][0]["message"] == 'tenant not found: "nobody"'
    assert titles(client, "bob") == ["banana"]
    expect(client.put("/v1/schema/Shop/tenants", json=[{"name": "alice", "activityStatus": "ACTIVE"}]))
    assert titles(client, "alice") == ["apple"]


def test_auto_tenant_creation_and_activation(client):
    mt_class(client, autoTenantCreation=True, autoTenantActivation=True)
    expect(add(client, "fresh", ID1, "new", [1, 0]))
    assert expect(client.get("/v1/schema/Shop/tenants/fresh"))["activityStatus"] == "ACTIVE"
    expect(client.put("/v1/schema/Shop/tenants", json=[{"name": "fresh", "activityStatus": "COLD"}]))
    assert titles(client, "fresh") == ["new"]  # the query activated it
    assert expect(client.get("/v1/schema/Shop/tenants/fresh"))["activityStatus"] == "ACTIVE"
    assert graphql(client, '{ Get { Shop(tenant: "never") { title } } }')["errors"]  # reads create nothing


def test_tenants_and_their_objects_survive_a_restart(make_client):
    first = make_client()
    mt_class(first)
    expect(first.post("/v1/schema/Shop/tenants", json=[{"name": "alice"}, {"name": "bob", "activityStatus": "COLD"}]))
    expect(add(first, "alice", ID1, "apple", [1, 0]))
    first.__exit__(None, None, None)
    second = make_client()
    assert {t["name"]: t["activityStatus"] for t in expect(second.get("/v1/schema/Shop/tenants"))} == \
        {"alice": "ACTIVE", "bob": "INACTIVE"}
    assert titles(second, "alice") == ["apple"]


def test_deleting_a_tenant_or_the_class_removes_its_objects(client):
    mt_class(client)
    expect(client.post("/v1/schema/Shop/tenants", json=[{"name": "alice"}]))
    expect(add(client, "alice", ID1, "apple", [1, 0]))
    expect(client.request("DELETE", "/v1/schema/Shop/tenants", json=["alice"]))
    expect(client.post("/v1/schema/Shop/tenants", json=[{"name": "alice"}]))
    assert titles(client, "alice") == []
    expect(add(client, "alice", ID1, "again", [1, 0]))
    expect(client.delete("/v1/schema/Shop"))
    mt_class(client)
    assert expect(client.get("/v1/schema/Shop/tenants")) == []
    assert client.app.state.store.count() == 0


def test_multi_tenancy_config_is_checked_and_enabled_is_immutable(local_client):
    response = local_client.post("/v1/schema", json={"class": "A", "multiTenancyConfig": {"enabled": "yes"}})
    assert response.status_code == 422 and "multiTenancyConfig.enabled must be true or false" in message(response)
    response = local_client.post("/v1/schema", json={"class": "A", "multiTenancyConfig": {"bogus": True}})
    assert response.status_code == 422 and "multiTenancyConfig.bogus" in message(response)
    mt_class(local_client)
    config = expect(local_client.get("/v1/schema/Shop"))
    response = local_client.put("/v1/schema/Shop", json={**config, "multiTenancyConfig": {"enabled": False}})
    assert response.status_code == 422 and "immutable" in message(response)
    updated = {**config, "multiTenancyConfig": {**MT, "autoTenantCreation": True}}
    assert expect(local_client.put("/v1/schema/Shop", json=updated))["multiTenancyConfig"]["autoTenantCreation"]


def test_references_inside_a_tenant(client):
    create_class(client, "Owner", text_props("name"), vectorizer="none", multiTenancyConfig=MT)
    create_class(client, "Shop", [*text_props("title"), {"name": "owner", "dataType": ["Owner"]}],
                 vectorizer="none", multiTenancyConfig=MT)
    for cls in ("Owner", "Shop"):
        expect(client.post(f"/v1/schema/{cls}/tenants", json=[{"name": "alice"}, {"name": "bob"}]))
    for tenant in ("alice", "bob"):
        expect(client.post("/v1/objects", json={"class": "Owner", "id": ID2, "tenant": tenant,
                                                "properties": {"name": f"{tenant}-owner"}, "vector": [1, 0]}))
        expect(add(client, tenant, ID1, f"{tenant}-shop", [1, 0]))
    beacon = {"beacon": f"weaviate://localhost/Owner/{ID2}"}
    expect(client.post(f"/v1/objects/Shop/{ID1}/references/owner", params={"tenant": "alice"}, json=beacon))
    results = expect(client.post("/v1/batch/references", json=[
        {"from": f"weaviate://localhost/Shop/{ID1}/owner", "to": beacon["beacon"], "tenant": "bob"},
        {"from": f"weaviate://localhost/Shop/{ID1}/owner", "to": beacon["beacon"]}]))
    assert [r["result"]["status"] for r in results] == ["SUCCESS", "FAILED"]
    for tenant in ("alice", "bob"):
        query = f'{{ Get {{ Shop(tenant: "{tenant}") {{ title owner {{ ... on Owner {{ name }} }} }} }} }}'
        rows = graphql(client, query)["data"]["Get"]["Shop"]
        assert rows == [{"title": f"{tenant}-shop", "owner": [{"name": f"{tenant}-owner"}]}]
    where = '{path: ["owner", "Owner", "name"], operator: Equal, valueText: "bob-owner"}'
    for tenant, expected in (("alice", []), ("bob", ["bob-shop"])):
        rows = graphql(client, f'{{ Get {{ Shop(tenant: "{tenant}", where: {where}) {{ title }} }} }}')
        assert [r["title"] for r in rows["data"]["Get"]["Shop"]] == expected
    response = client.post(f"/v1/objects/Shop/{ID1}/references/owner", json=beacon)
    assert response.status_code == 422 and "without tenant" in message(response)


def test_one_query_text_serves_every_tenant_through_its_compiled_plan(client):
    mt_class(client)
    names = [f"t{i}" for i in range(30)]
    expect(client.post("/v1/schema/Shop/tenants", json=[{"name": n} for n in names]))
    for i, name in enumerate(names):
        expect(add(client, name, ID1, f"shop-{i}", [1, i]))
    for _ in range(3):  # the first run of a text compiles its plan, the later ones run it
        for i, name in enumerate(names):
            body = graphql(client, f'{{ Get {{ Shop(tenant: "{name}", nearVector: {{vector: [1, 0]}}, limit: 5) '
                                   "{ title _additional { id } } } }")
            assert body["data"]["Get"]["Shop"] == [{"title": f"shop-{i}", "_additional": {"id": ID1}}]
    plans = client.app.state.graphql.holder.current().plans
    assert len([text for text in plans._plans if "Shop" in text]) == 1  # the tenant is lifted out of the text


def test_each_tenant_is_a_shard_in_the_shards_api_and_nodes(client):
    mt_class(client)
    expect(client.post("/v1/schema/Shop/tenants", json=[{"name": "alice"}, {"name": "bob"},
                                                       {"name": "cold", "activityStatus": "COLD"}]))
    for i, tenant in enumerate(("alice", "alice", "bob")):
        expect(add(client, tenant, [ID1, ID2, ID1][i], "x", [1, i]))
    client.app.state.store.indexes.indexer.drain(timeout=60)
    shards = expect(client.get("/v1/schema/Shop/shards"))
    assert shards == [{"name": n, "status": "READY", "vectorQueueSize": 0} for n in ("alice", "bob", "cold")]
    [node] = expect(client.get("/v1/nodes/Shop", params={"output": "verbose"}))["nodes"]
    assert {s["name"]: (s["objectCount"], s["loaded"]) for s in node["shards"]} == {
        "alice": (2, True), "bob": (1, True), "cold": (0, False)}
    assert node["stats"] == {"objectCount": 3, "shardCount": 3}
    expect(client.put("/v1/schema/Shop/shards/bob", json={"status": "READONLY"}))
    response = add(client, "bob", ID3, "refused", [1, 0])
    assert response.status_code == 422 and "read-only" in message(response)
    expect(add(client, "alice", ID3, "still writable", [1, 0]))  # one tenant's shard, not the class
    [node] = expect(client.get("/v1/nodes", params={"output": "verbose", "shardName": "bob"}))["nodes"]
    assert [s["name"] for s in node["shards"]] == ["bob"] and node["shards"][0]["vectorIndexingStatus"] == "READONLY"
    expect(client.request("DELETE", "/v1/schema/Shop/tenants", json=["bob"]))
    expect(client.post("/v1/schema/Shop/tenants", json=[{"name": "bob"}]))
    expect(add(client, "bob", ID3, "a new bob is writable", [1, 0]))
