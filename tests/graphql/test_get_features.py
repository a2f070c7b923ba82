"""Get's other arguments and output: sort, after, groupBy, named vectors, cross-references, property types,
aliases, and the schema following class changes."""

from __future__ import annotations

import pytest

from tests.graphql.conftest import add_class, add_objects, data, error, errors, get

P = [f"00000000-0000-4000-8000-00000000000{i}" for i in range(1, 7)]
CITY = ["00000000-0000-4000-8000-0000000000c1", "00000000-0000-4000-8000-0000000000c2"]


@pytest.fixture(scope="module")
def server(module_server):
    client = module_server()
    add_class(client, "City", {"name": "text", "location": "geoCoordinates"})
    add_objects(client, "City", [{"id": CITY[0], "name": "Amsterdam", "vector": [1, 0],
                                  "location": {"latitude": 52.37, "longitude": 4.9}},
                                 {"id": CITY[1], "name": "Berlin", "vector": [0, 1]}])
    add_class(client, "Person", {"name": "text", "age": "int", "scores": "number[]", "born": "date",
                                 "livesIn": "City", "phone": "phoneNumber"})
    people = [("Alice", 30, CITY[0], [1, 0]), ("Bob", 25, CITY[0], [0.9, 0.1]), ("Carol", 35, CITY[1], [0, 1]),
              ("Dave", 40, None, [0.5, 0.5]), ("Eve", 25, CITY[1], [0.2, 0.8]), ("Frank", 50, None, [-1, 0])]
    add_objects(client, "Person", [
        {"id": P[i], "name": n, "age": a, "scores": [a / 10, 1.5], "born": "1990-01-01T00:00:00Z", "vector": v,
         **({"livesIn": [{"beacon": f"weaviate://localhost/City/{c}"}]} if c else {})}
        for i, (n, a, c, v) in enumerate(people)])
    return client


def names(rows):
    return [r["name"] for r in rows]


def test_sort(server):
    assert names(get(server, "Person", 'sort:[{path:["age"], order:desc}]', "name"))[:2] == ["Frank", "Dave"]
    rows = get(server, "Person", 'sort:[{path:["age"], order:asc}, {path:["name"], order:desc}]', "name")
    assert names(rows)[:2] == ["Eve", "Bob"]
    filtered = get(server, "Person", 'where:{path:["age"], operator:LessThan, valueInt:35}, '
                                     'sort:[{path:["name"]}], limit:2', "name")
    assert names(filtered) == ["Alice", "Bob"]


def test_geo_range_and_is_null_filters(server):
    near = get(server, "City", 'where:{path:["location"], operator:WithinGeoRange, valueGeoRange:'
                               '{geoCoordinates:{latitude:52.3, longitude:4.8}, distance:{max:20000}}}', "name")
    assert near == [{"name": "Amsterdam"}]
    homeless = get(server, "Person", 'where:{path:["livesIn"], operator:IsNull, valueBoolean:true}', "name")
    assert names(homeless) == ["Dave", "Frank"]


def test_after_cursor(server):
    first = get(server, "Person", "limit:2", "_additional{id}")
    following = get(server, "Person", f'limit:10, after:"{first[-1]["_additional"]["id"]}"', "_additional{id}")
    assert [r["_additional"]["id"] for r in first + following] == P


def test_group_by(server):
    rows = get(server, "Person", f'nearObject:{{id:"{P[1]}"}}, groupBy:{{path:["livesIn"], groups:4, '
                                 'objectsPerGroup:10}',
               "_additional{group{id groupedBy{path value} count minDistance maxDistance "
               "hits{name _additional{id distance}}}}")
    groups = [r["_additional"]["group"] for r in rows]
    assert [g["id"] for g in groups] == [0, 1, 2]
    values = [g["groupedBy"]["value"] for g in groups]
    assert values[0] == f"weaviate://localhost/City/{CITY[0]}" and "" in values
    assert groups[0]["count"] == 2 and groups[0]["minDistance"] == 0
    minimums = [g["minDistance"] for g in groups]
    assert minimums == sorted(minimums)
    assert {h["name"] for h in groups[0]["hits"]} == {"Alice", "Bob"}


def test_references_properties_and_aliases(server):
    rows = get(server, "Person", 'where:{path:["name"], operator:Equal, valueText:"Alice"}',
               "name born scores livesIn{... on City{name location{latitude longitude} _additional{id}}} "
               "phone{input}")
    assert rows == [{"name": "Alice", "born": "1990-01-01T00:00:00Z", "scores": [3.0, 1.5], "phone": None,
                     "livesIn": [{"name": "Amsterdam", "location": {"latitude": 52.37, "longitude": 4.9},
                                  "_additional": {"id": CITY[0]}}]}]
    aliased = data(server, "{Get{young: Person(limit:1, sort:[{path:[\"age\"]}]){who: name} "
                           "old: Person(limit:1, sort:[{path:[\"age\"], order:desc}]){who: name}}}")
    assert aliased == {"Get": {"young": [{"who": "Bob"}], "old": [{"who": "Frank"}]}}


def test_schema_follows_class_changes(server):
    assert errors(server, "{Get{Later{name}}}")[0].startswith('Cannot query field "Later" on type "GetObjectsObj".')
    add_class(server, "Later", {"name": "text"})
    add_objects(server, "Later", [{"name": "new"}])
    assert get(server, "Later", "", "name") == [{"name": "new"}]
    response = server.post("/v1/schema/Later/properties", json={"name": "extra", "dataType": ["int"]})
    assert response.status_code == 200
    assert get(server, "Later", "", "name extra") == [{"name": "new", "extra": None}]
    assert server.delete("/v1/schema/Later").status_code == 200
    assert errors(server, "{Get{Later{name}}}")


def test_named_vectors(module_server):
    client = module_server()
    add_class(client, "Multi", {"name": "text"}, vectorConfig={
        "text": {"vectorizer": {"none": {}}, "vectorIndexType": "flat"},
        "image": {"vectorizer": {"none": {}}, "vectorIndexType": "hnsw",
                  "vectorIndexConfig": {"distance": "l2-squared"}}})
    add_objects(client, "Multi", [{"name": "a", "vectors": {"text": [1, 0], "image": [0, 0, 1]}},
                                  {"name": "b", "vectors": {"text": [0, 1], "image": [0, 0, 2]}}])
    rows = get(client, "Multi", 'nearVector:{vector:[1,0], targetVectors:["text"]}',
               "name _additional{distance vectors{text image}}")
    assert names(rows) == ["a", "b"] and rows[0]["_additional"]["vectors"] == {"text": [1, 0], "image": [0, 0, 1]}
    rows = get(client, "Multi", 'nearVector:{vectorPerTarget:{image:[0,0,2]}}', "name _additional{distance}")
    assert rows == [{"name": "b", "_additional": {"distance": 0}}, {"name": "a", "_additional": {"distance": 1}}]
    assert error(client, '{Get{Multi(nearVector:{vector:[1,0], targetVectors:["image"], certainty:0.5}){name}}}') \
        == "can't compute and return certainty when vector index is configured with l2-squared distance"
    assert "does not have named vector nope configured" in error(
        client, '{Get{Multi(nearVector:{vector:[1,0], targetVectors:["nope"]}){name}}}')
    both = get(client, "Multi", 'nearVector:{vectorPerTarget:{text:[1,0], image:[0,0,1]}, '
                                'targets:{targetVectors:["text","image"], combinationMethod:sum}}',
               "name _additional{distance}")
    assert both == [{"name": "a", "_additional": {"distance": 0}}, {"name": "b", "_additional": {"distance": 2}}]


def test_reserved_class_names_keep_working(module_server):
    client = module_server()
    add_class(client, "String", {"value": "text"})
    add_objects(client, "String", [{"value": "x", "vector": [1, 0]}])
    assert get(client, "String", "", "value") == [{"value": "x"}]
