"""Compression settings through `/v1/schema`: refused settings (Weaviate's texts), and switching sq on for a class
that holds vectors, which is rebuilt compressed in the background while nearVector keeps answering."""

from __future__ import annotations

import time
import uuid

import numpy as np
import pytest

from tests.rest import create_class, expect, message


@pytest.mark.parametrize("pq,text", [
    ({"enabled": True, "centroids": 512}, "centroids should not be higher than 256. Attempting to use 512"),
    ({"enabled": True, "segments": -2}, "segments cannot be 0 nor negative"),
    ({"enabled": True, "encoder": {"type": "nope"}}, "invalid encoder type nope"),
    ({"enabled": True, "trainingLimit": "many"}, "pq.trainingLimit must be an integer"),
])
def test_refused_pq_settings(local_client, pq, text):
    response = local_client.post("/v1/schema", json={"class": "P", "vectorIndexConfig": {"pq": pq}})
    assert response.status_code == 422
    assert text in message(response)
    assert local_client.get("/v1/schema/P").status_code == 404


def test_refused_rq_bits(local_client):
    response = local_client.post("/v1/schema", json={"class": "R", "vectorIndexConfig": {"rq": {"enabled": True,
                                                                                              "bits": 3}}})
    assert response.status_code == 422 and "rq.bits must be 1 or 8" in message(response)


def _near(client, vector: list[float]) -> list[str]:
    query = f"{{Get{{C(limit:3, nearVector:{{vector:{vector}}}){{_additional{{id distance}}}}}}}}"
    body = expect(client.post("/v1/graphql", json={"query": query}))
    assert "errors" not in body, body
    return [hit["_additional"]["id"] for hit in body["data"]["Get"]["C"]]


def test_switching_sq_on_for_stored_vectors(client):
    create_class(client, "C", vectorIndexConfig={"efConstruction": 32, "maxConnections": 8})
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(300, 16)).astype(np.float32)
    ids = [str(uuid.UUID(int=i + 1)) for i in range(300)]
    objects = [{"class": "C", "id": uid, "vector": v.tolist()} for uid, v in zip(ids, vectors, strict=True)]
    expect(client.post("/v1/batch/objects", json={"objects": objects}))
    schema = expect(client.get("/v1/schema/C"))
    bad = {**schema, "vectorIndexConfig": {**schema["vectorIndexConfig"], "pq": {"enabled": True, "segments": 5}}}
    response = client.put("/v1/schema/C", json=bad)
    assert response.status_code == 422
    assert "segments should be an integer divisor of dimensions" in message(response)
    good = {**schema, "vectorIndexConfig": {**schema["vectorIndexConfig"],
                                            "sq": {"enabled": True, "trainingLimit": 100, "rescoreLimit": 20}}}
    assert expect(client.put("/v1/schema/C", json=good))["vectorIndexConfig"]["sq"]["enabled"] is True
    assert _near(client, vectors[4].tolist())[0] == ids[4]
    indexes = client.app.state.store.indexes
    deadline = time.monotonic() + 60
    while not indexes.indexes[("C", "")].index.compressed and time.monotonic() < deadline:
        time.sleep(0.05)
    assert indexes.indexes[("C", "")].index.compressed
    assert _near(client, vectors[4].tolist())[0] == ids[4]
