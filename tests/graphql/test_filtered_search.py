"""Every filtered read goes through the inverted index (search/filtered.py): nearVector, bm25, hybrid, Aggregate,
list and batch delete by filter give the objects the filter allows, and follow writes made after the index was
built. Both SQL backends."""

from __future__ import annotations

import pytest

from tests.graphql.conftest import add_class, add_objects, data, get

WORDS = ["red apple", "green apple", "red pear", "blue plum"]
WHERE_RED = '{operator: Equal, path: ["name"], valueText: "red"}'
WHERE_CHEAP = '{operator: LessThan, path: ["price"], valueNumber: 3}'


@pytest.fixture
def client(make_client):
    client = make_client()
    add_class(client, "Fruit", {"name": "text", "price": "number"})
    add_objects(client, "Fruit", [{"id": f"00000000-0000-0000-0000-{i + 1:012d}", "name": WORDS[i % 4],
                                   "price": i % 5, "vector": [1, i / 40]} for i in range(40)])
    return client


def _names(rows: list[dict]) -> set[str]:
    return {row["name"] for row in rows}


def test_filtered_searches_return_only_allowed_objects_and_follow_writes(client):
    near = get(client, "Fruit", f"nearVector: {{vector: [1, 0]}}, limit: 40, where: {WHERE_RED}", "name price")
    assert len(near) == 20 and _names(near) == {"red apple", "red pear"}
    bm25 = get(client, "Fruit", f'bm25: {{query: "apple"}}, where: {WHERE_RED}', "name")
    assert len(bm25) == 10 and _names(bm25) == {"red apple"}
    for alpha in (0, 0.5, 1):
        hybrid = get(client, "Fruit", f'hybrid: {{query: "apple", alpha: {alpha}, vector: [1, 0]}}, limit: 40, '
                                      f"where: {WHERE_RED}", "name")
        assert hybrid and _names(hybrid) <= {"red apple", "red pear"}
    listed = get(client, "Fruit", f"limit: 100, where: {WHERE_CHEAP}", "price")
    assert len(listed) == 24 and all(row["price"] < 3 for row in listed)
    count = data(client, f'{{ Aggregate {{ Fruit(where: {WHERE_RED}) {{ meta {{ count }} }} }} }}')
    assert count["Aggregate"]["Fruit"][0]["meta"]["count"] == 20
    # A write after the index was built: it is kept current, not rebuilt
    add_objects(client, "Fruit", [{"id": "00000000-0000-0000-0000-000000000001", "name": "blue plum", "price": 9,
                                   "vector": [1, 0]}])
    near = get(client, "Fruit", f"nearVector: {{vector: [1, 0]}}, limit: 1, where: {WHERE_RED}",
               "_additional { id }")
    assert near[0]["_additional"]["id"] != "00000000-0000-0000-0000-000000000001"
    response = client.request("DELETE", "/v1/batch/objects", json={"match": {"class": "Fruit", "where": {
        "operator": "Equal", "path": ["name"], "valueText": "red"}}, "output": "verbose"})
    assert response.status_code == 200, response.text
    assert response.json()["results"]["successful"] == 19
    assert get(client, "Fruit", f"where: {WHERE_RED}", "name") == []
    assert len(get(client, "Fruit", "limit: 100", "name")) == 21
