"""`where` on cross-reference paths in Get, Aggregate and batch delete: `[ref, Class, prop]` at any depth,
reference counts (`valueInt` on the reference property), and the errors of bad paths."""

from __future__ import annotations

import pytest

from tests.graphql.conftest import add_class, add_objects, data, error, get

C = [f"00000000-0000-4000-8000-0000000000c{i}" for i in range(1, 4)]
A = [f"00000000-0000-4000-8000-0000000000a{i}" for i in range(1, 5)]
B = [f"00000000-0000-4000-8000-0000000000b{i}" for i in range(1, 7)]


def refs(cls: str, *uids: str) -> list[dict]:
    return [{"beacon": f"weaviate://localhost/{cls}/{u}"} for u in uids]


@pytest.fixture(scope="module")
def server(module_server):
    client = module_server()
    add_class(client, "Country", {"name": "text"})
    add_objects(client, "Country", [{"id": C[0], "name": "NL"}, {"id": C[1], "name": "DE"},
                                    {"id": C[2], "name": "FR"}])
    add_class(client, "Writer", {"name": "text", "age": "int", "from": "Country"})
    add_objects(client, "Writer", [
        {"id": A[0], "name": "Ann", "age": 30, "from": refs("Country", C[0])},
        {"id": A[1], "name": "Bob", "age": 50, "from": refs("Country", C[1])},
        {"id": A[2], "name": "Cid", "age": 70},
        {"id": A[3], "name": "Dee", "age": 40, "from": refs("Country", C[0], C[2])}])
    client.post("/v1/schema", json={"class": "Book", "vectorizer": "none", "properties": [
        {"name": "title", "dataType": ["text"]}, {"name": "by", "dataType": ["Writer"]},
        {"name": "about", "dataType": ["Writer", "Country"]}]}).raise_for_status()
    add_objects(client, "Book", [
        {"id": B[0], "title": "one", "by": refs("Writer", A[0])},
        {"id": B[1], "title": "two", "by": refs("Writer", A[1], A[2])},
        {"id": B[2], "title": "three", "by": [{"beacon": f"weaviate://localhost/{A[3]}"}]},  # legacy beacon
        {"id": B[3], "title": "four", "about": refs("Country", C[1])},
        {"id": B[4], "title": "five", "by": refs("Writer", "00000000-0000-4000-8000-0000000000ff")},  # dangling
        {"id": B[5], "title": "six", "by": refs("Writer", A[1].upper())}])  # the uuid in upper case
    return client


def titles(client, where: str) -> list[str]:
    return sorted(r["title"] for r in get(client, "Book", f"where: {where}", "title"))


def test_a_one_hop_path_matches_when_one_referenced_object_does(server):
    # (the SQL pre-filter looks for the matching uuids in the stored JSON whatever their case)
    assert titles(server, '{path: ["by", "Writer", "name"], operator: Equal, valueText: "Bob"}') == ["six", "two"]
    assert titles(server, '{path: ["by", "Writer", "age"], operator: GreaterThan, valueInt: 45}') == ["six", "two"]
    assert titles(server, '{path: ["by", "Writer", "name"], operator: Equal, valueText: "Nobody"}') == []
    # the legacy beacon (no class) points to a Writer through the property's only target class
    assert titles(server, '{path: ["by", "Writer", "name"], operator: Like, valueText: "D*"}') == ["three"]


def test_a_two_hop_path(server):
    where = '{path: ["by", "Writer", "from", "Country", "name"], operator: Equal, valueText: "NL"}'
    assert titles(server, where) == ["one", "three"]
    where = '{path: ["by", "Writer", "from", "Country", "name"], operator: Equal, valueText: "FR"}'
    assert titles(server, where) == ["three"]


def test_a_multi_target_property_filters_by_the_class_in_the_path(server):
    assert titles(server, '{path: ["about", "Country", "name"], operator: Equal, valueText: "DE"}') == ["four"]
    assert titles(server, '{path: ["about", "Writer", "name"], operator: Equal, valueText: "DE"}') == []


def test_reference_paths_combine_with_other_operands(server):
    where = ('{operator: And, operands: [{path: ["by", "Writer", "age"], operator: LessThan, valueInt: 60}, '
             '{path: ["title"], operator: NotEqual, valueText: "one"}]}')
    assert titles(server, where) == ["six", "three", "two"]
    where = '{operator: Not, operands: [{path: ["by", "Writer", "name"], operator: Equal, valueText: "Ann"}]}'
    assert titles(server, where) == ["five", "four", "six", "three", "two"]


def test_reference_counts(server):
    assert titles(server, '{path: ["by"], operator: Equal, valueInt: 2}') == ["two"]
    assert titles(server, '{path: ["by"], operator: GreaterThanEqual, valueInt: 1}') == [
        "five", "one", "six", "three", "two"]
    assert titles(server, '{path: ["by"], operator: Equal, valueInt: 0}') == ["four"]
    where = '{path: ["by", "Writer", "from"], operator: GreaterThan, valueInt: 1}'
    assert titles(server, where) == ["three"]


def test_reference_paths_in_aggregate(server):
    where = '{path: ["by", "Writer", "age"], operator: GreaterThan, valueInt: 35}'
    body = data(server, f"{{ Aggregate {{ Book(where: {where}) {{ meta {{ count }} }} }} }}")
    assert body["Aggregate"]["Book"][0]["meta"]["count"] == 3


@pytest.mark.parametrize(("path", "value", "text"), [
    ('["by", "Nope", "name"]', 'valueText: "x"', 'class "Nope" does not exist in schema'),
    ('["nope", "Writer", "name"]', 'valueText: "x"', "no such prop with name 'nope' found in class 'Book'"),
    ('["title", "Writer", "name"]', 'valueText: "x"', "property 'title' of class 'Book' is of type 'text'"),
    ('["by", "Country", "name"]', 'valueText: "x"', "property 'by' of class 'Book' references Writer, not "
                                                   "'Country'"),
    ('["by", "Writer", "missing"]', 'valueText: "x"', "no such prop with name 'missing' found in class 'Writer'"),
    ('["by", "Writer", "age"]', 'valueText: "x"', 'data type filter cannot use "valueText" on type "int"'),
    ('["by", "Writer", "from"]', 'valueText: "x"', 'Property "from" is a ref prop to the class "Country"'),
    ('["by", "Writer"]', 'valueText: "x"', "missing an argument after 'Writer'"),
    ('["by", "writer", "name"]', 'valueText: "x"', "Expected a valid class name"),
])
def test_bad_reference_paths_are_refused(server, path, value, text):
    message = error(server, f"{{ Get {{ Book(where: {{path: {path}, operator: Equal, {value}}}) {{ title }} }} }}")
    assert text in message


def test_batch_delete_by_a_reference_path(server):
    body = {"match": {"class": "Book", "where": {"path": ["by", "Writer", "name"], "operator": "Equal",
                                                 "valueText": "Ann"}}, "dryRun": True, "output": "verbose"}
    response = server.request("DELETE", "/v1/batch/objects", json=body)
    assert response.status_code == 200, response.text
    assert [o["id"] for o in response.json()["results"]["objects"]] == [B[0]]
