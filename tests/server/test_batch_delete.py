"""`DELETE /v1/batch/objects`: delete by a `where` match, dry runs, output modes, limits (spec 3.5)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from tests.rest import ID1, ID2, ID3, ID4, ID5, add_object, create_class, expect, get_object, message, stored_count

BIG = {"path": ["n"], "operator": "GreaterThan", "valueInt": 2}


def _fill(client) -> None:
    create_class(client, "Doc", [{"name": "n", "dataType": ["int"]}, {"name": "title", "dataType": ["text"]}])
    create_class(client, "Other", [{"name": "n", "dataType": ["int"]}])
    for i, uid in enumerate([ID1, ID2, ID3, ID4, ID5], start=1):
        add_object(client, "Doc", uid, {"n": i, "title": f"t{i}"}, vector=[1, i])
    add_object(client, "Other", ID5, {"n": 9})


def delete(client, body: dict):
    return client.request("DELETE", "/v1/batch/objects", json=body)


def test_a_dry_run_reports_matches_and_deletes_nothing(client):
    _fill(client)
    before = int(time.time() * 1000)
    body = expect(delete(client, {"match": {"class": "Doc", "where": BIG}, "dryRun": True, "output": "verbose"}))
    assert body["match"] == {"class": "Doc", "where": {"operands": None, **BIG}}  # Weaviate's WhereFilter echo
    assert body["dryRun"] is True and body["output"] == "verbose"
    assert body["deletionTimeUnixMilli"] >= before
    results = body["results"]
    assert (results["matches"], results["limit"], results["successful"], results["failed"]) == (3, 10000, 0, 0)
    assert sorted(results["objects"], key=lambda o: o["id"]) == [
        {"id": uid, "status": "DRYRUN"} for uid in (ID3, ID4, ID5)]
    assert stored_count(client) == 6


def test_delete_removes_only_the_matches_of_the_class(client):
    _fill(client)
    body = expect(delete(client, {"match": {"class": "doc", "where": BIG}, "output": "verbose"}))
    assert body["dryRun"] is False
    results = body["results"]
    assert (results["matches"], results["successful"], results["failed"]) == (3, 3, 0)
    assert sorted(o["id"] for o in results["objects"]) == [ID3, ID4, ID5]
    assert all(o["status"] == "SUCCESS" for o in results["objects"])
    for uid in (ID3, ID4, ID5):
        assert get_object(client, "Doc", uid) is None
    assert get_object(client, "Doc", ID1)["properties"] == {"n": 1, "title": "t1"}
    assert get_object(client, "Other", ID5)["properties"] == {"n": 9}  # same id, other class: kept
    hits = client.app.state.store.search("Doc", "", np.array([1, 5], dtype=np.float32), 10)
    assert sorted(uid for uid, _ in hits) == [ID1, ID2]


def test_minimal_output_lists_no_successes(client):
    _fill(client)
    where = {"operator": "And", "operands": [BIG, {"path": ["title"], "operator": "Equal", "valueText": "t4"}]}
    body = expect(delete(client, {"match": {"class": "Doc", "where": where}}))
    assert body["output"] == "minimal"
    assert body["results"]["matches"] == 1 and body["results"]["successful"] == 1
    assert body["results"]["objects"] == []
    assert get_object(client, "Doc", ID4) is None
    assert stored_count(client) == 5


def test_no_match_deletes_nothing(local_client):
    _fill(local_client)
    where = {"path": ["title"], "operator": "Like", "valueText": "zz*"}
    body = expect(delete(local_client, {"match": {"class": "Doc", "where": where}, "output": "verbose"}))
    assert body["results"]["matches"] == 0 and body["results"]["objects"] == []
    assert stored_count(local_client) == 6


def test_matches_are_capped_at_query_maximum_results(make_client):
    client = make_client(QUERY_MAXIMUM_RESULTS="2")
    _fill(client)
    body = expect(delete(client, {"match": {"class": "Doc", "where": BIG}}))
    assert body["results"]["limit"] == 2
    assert body["results"]["matches"] == 2 and body["results"]["successful"] == 2
    assert stored_count(client, "Doc") == 3
    body = expect(delete(client, {"match": {"class": "Doc", "where": BIG}}))  # the next call takes the rest
    assert body["results"]["matches"] == 1
    assert stored_count(client, "Doc") == 2


WHERE = {"path": ["n"], "operator": "Equal", "valueInt": 1}


@pytest.mark.parametrize("body,text", [
    ({}, "empty match clause"),
    ({"match": None}, "empty match clause"),
    ({"match": "Doc"}, "empty match clause"),
    ({"match": {}}, "empty match.class clause"),
    ({"match": {"class": "", "where": WHERE}}, "empty match.class clause"),
    ({"match": {"class": "Doc"}}, "empty match.where clause"),
    ({"match": {"class": "Doc", "where": {}}}, "empty match.where clause"),
    ({"match": {"class": "Nope", "where": WHERE}}, "failed to get class: Nope"),
    ({"match": {"class": "Doc", "where": {"path": ["n"], "operator": "Bogus", "valueInt": 1}}},
     "invalid where filter: unrecognized operator: Bogus"),
    ({"match": {"class": "Doc", "where": {"path": ["nope"], "operator": "Equal", "valueInt": 1}}},
     "invalid where filter: no such prop with name 'nope' found in class 'Doc' in the schema. Check your schema "
     "files for which properties in this class are available"),
    ({"match": {"class": "Doc", "where": {"path": ["n"], "operator": "Equal"}}},
     "invalid where filter: got operator 'Equal', but no value<Type> field set"),
    ({"match": {"class": "Doc", "where": "n = 1"}}, "invalid where filter: a where filter must be a JSON object"),
    ({"match": {"class": "Doc", "where": WHERE}, "output": "loud"}, "invalid output 'loud': use minimal or verbose"),
    ({"match": {"class": "Doc", "where": WHERE}, "dryRun": "yes"}, "dryRun must be true or false"),
    (["Doc"], "empty match clause"),
])
def test_refused_deletes_are_422_and_delete_nothing(local_client, body, text):
    _fill(local_client)
    response = delete(local_client, body)
    assert response.status_code == 422
    assert message(response).startswith(text)
    assert stored_count(local_client) == 6


def test_the_echoed_where_has_weaviates_null_operands_and_path(local_client):
    create_class(local_client, "Doc", [{"name": "n", "dataType": ["int"]}])
    where = {"operator": "And", "operands": [{"path": ["n"], "operator": "GreaterThan", "valueInt": 1},
                                            {"path": ["n"], "operator": "LessThan", "valueInt": 5}]}
    body = expect(delete(local_client, {"match": {"class": "Doc", "where": where}, "dryRun": True}))
    assert body["match"]["where"] == {
        "operator": "And", "path": None, "operands": [
            {"operands": None, "path": ["n"], "operator": "GreaterThan", "valueInt": 1},
            {"operands": None, "path": ["n"], "operator": "LessThan", "valueInt": 5}]}
