"""A NUL character (U+0000) in text: one rule on SQLite and PostgreSQL.

PostgreSQL cannot hold U+0000 in `text` parameters or in `jsonb`, which the pre-filter reads stored properties as;
SQLite can. So that both databases answer the same, text that would be stored or compared with stored text in SQL
(object properties, filter values, the cursor) may not hold it: a 422 naming the property (gRPC INVALID_ARGUMENT,
a GraphQL error), nothing stored. Queries that never reach SQL (bm25, hybrid, nearText) take it as any other
character. Every test runs on both databases (the `client` fixture).
"""

from __future__ import annotations

from tests.graphql.conftest import gql
from tests.rest import ID1, ID2, ID3, add_object, create_class, expect, get_object, message, stored_count
from weavebind.storage.records import ObjectRecord

NUL = "a\x00b"


def make_docs(client) -> None:
    create_class(client, "Doc", [{"name": "title", "dataType": ["text"]}, {"name": "tags", "dataType": ["text[]"]},
                                 {"name": "meta", "dataType": ["object"],
                                  "nestedProperties": [{"name": "note", "dataType": ["text"]}]}],
                 vectorizer="none")
    add_object(client, "Doc", ID1, {"title": "plain", "tags": ["x"]}, vector=[1, 0])


def test_an_object_with_nul_in_text_is_refused_naming_the_property(client):
    make_docs(client)
    for props, name in (({"title": NUL}, "title"), ({"tags": ["ok", NUL]}, "tags"),
                        ({"meta": {"note": NUL}}, "meta"), ({"fresh": NUL}, "fresh")):
        response = client.post("/v1/objects", json={"class": "Doc", "id": ID2, "properties": props})
        assert response.status_code == 422, response.text
        assert f"'{name}'" in message(response) and "NUL" in message(response)
    # Nothing stored, and auto-schema added no property for the refused value.
    assert get_object(client, "Doc", ID2) is None
    assert "fresh" not in [p["name"] for p in expect(client.get("/v1/schema/Doc"))["properties"]]
    assert expect(client.put(f"/v1/objects/Doc/{ID1}", json={"class": "Doc", "properties": {"title": NUL}}),
                  422)
    assert expect(client.patch(f"/v1/objects/Doc/{ID1}", json={"class": "Doc", "properties": {"title": NUL}}),
                  422)
    assert get_object(client, "Doc", ID1)["properties"]["title"] == "plain"


def test_a_batch_refuses_only_the_item_with_nul(client):
    make_docs(client)
    body = {"objects": [{"class": "Doc", "id": ID2, "properties": {"title": NUL}},
                        {"class": "Doc", "id": ID3, "properties": {"title": "fine"}}]}
    first, second = expect(client.post("/v1/batch/objects", json=body))
    assert "'title'" in first["result"]["errors"]["error"][0]["message"]
    assert "errors" not in second["result"] or not second["result"]["errors"]
    assert stored_count(client, "Doc") == 2


def test_a_filter_value_with_nul_is_a_client_error_on_rest_and_graphql(client):
    make_docs(client)
    where = {"operator": "Equal", "path": ["title"], "valueText": NUL}
    response = client.request("DELETE", "/v1/batch/objects", json={"match": {"class": "Doc", "where": where}})
    assert response.status_code == 422, response.text
    assert "title" in message(response) and "NUL" in message(response)
    for text in ('a\\u0000b', 'plain\\u0000'):
        body = gql(client, '{Get{Doc(where:{operator:Equal path:["title"] valueText:"' + text + '"}){title}}}')
        assert "NUL" in body["errors"][0]["message"], body
    like = gql(client, '{Get{Doc(where:{operator:Like path:["title"] valueText:"p\\u0000*"}){title}}}')
    assert "NUL" in like["errors"][0]["message"]
    # The connection (and the server) is still fine, and nothing was deleted.
    assert stored_count(client, "Doc") == 1
    assert gql(client, '{Get{Doc(where:{operator:Equal path:["title"] valueText:"plain"}){title}}}') == {
        "data": {"Get": {"Doc": [{"title": "plain"}]}}}


def test_a_nul_cursor_is_refused(client):
    make_docs(client)
    body = gql(client, '{Get{Doc(after:"\\u0000", limit:1){title}}}')
    assert body.get("errors"), body
    assert "internal" not in body["errors"][0]["message"].lower()


def test_queries_that_never_reach_sql_take_nul_as_a_character(client):
    make_docs(client)
    body = gql(client, '{Get{Doc(bm25:{query:"plain\\u0000"}){title}}}')
    assert body == {"data": {"Get": {"Doc": [{"title": "plain"}]}}}



def test_a_nul_stored_before_the_rule_does_not_break_filtered_scans(client):
    """An older weavebind stored NUL characters. PostgreSQL cannot read such a row as jsonb, which the SQL
    pre-filter of a reference path's scan does; the scan then goes on without it: same answers on both."""
    create_class(client, "Writer", [{"name": "name", "dataType": ["text"]}, {"name": "age", "dataType": ["int"]}],
                 vectorizer="none")
    create_class(client, "Book", [{"name": "title", "dataType": ["text"]}, {"name": "by", "dataType": ["Writer"]}],
                 vectorizer="none")
    add_object(client, "Writer", ID1, {"name": "Ann", "age": 30})
    store = client.app.state.store
    with store.write_lock:  # as an older version stored it, past today's check
        store.put([ObjectRecord("Writer", ID2, {"name": NUL, "age": 50}, 1, 1)])
    for uid, title in ((ID1, "one"), (ID2, "two")):
        add_object(client, "Book", properties={"title": title, "by": [{"beacon": f"weaviate://localhost/Writer/{uid}"}]})
    body = gql(client, '{Get{Book(where:{operator:GreaterThan path:["by","Writer","age"] valueInt:40}){title}}}')
    assert body == {"data": {"Get": {"Book": [{"title": "two"}]}}}
    assert get_object(client, "Writer", ID2)["properties"]["name"] == NUL
