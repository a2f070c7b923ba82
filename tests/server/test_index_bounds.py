"""HNSW's integers are bounded when a class is created or updated: FAISS holds them in C ints and allocates by
them, so an unbounded value is an overflow or a memory bomb later (422 naming the key and the bound)."""

from __future__ import annotations

import pytest

from tests.rest import create_class, message


@pytest.mark.parametrize(("key", "value", "bound"), [
    ("ef", 2**31, 1_000_000), ("ef", 1_000_001, 1_000_000), ("efConstruction", 2**40, 1_000_000),
    ("dynamicEfMax", 2**40, 1_000_000), ("dynamicEfFactor", 2**33, 1_000_000), ("maxConnections", 100_000, 2048),
])
def test_hnsw_integers_over_their_bound_are_refused(local_client, key, value, bound):
    named = {"a": {"vectorizer": {"none": {}}, "vectorIndexConfig": {key: value}}}
    for body in ({"class": "Doc", "vectorIndexConfig": {key: value}}, {"class": "Doc", "vectorConfig": named}):
        response = local_client.post("/v1/schema", json=body)
        assert response.status_code == 422, response.text
        assert f"vectorIndexConfig.{key} must be" in message(response) and f"up to {bound}" in message(response)
    assert local_client.get("/v1/schema").json()["classes"] == []


def test_an_ef_raised_on_a_live_class_is_bounded_too(local_client):
    create_class(local_client, "Doc", vectorizer="none")
    schema = local_client.get("/v1/schema/Doc").json()
    schema["vectorIndexConfig"]["ef"] = 2**31
    response = local_client.put("/v1/schema/Doc", json=schema)
    assert response.status_code == 422 and "up to 1000000" in message(response)
    schema["vectorIndexConfig"]["ef"] = 1_000_000
    assert local_client.put("/v1/schema/Doc", json=schema).status_code == 200
