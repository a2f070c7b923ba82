"""The server with no inference URL set: modules vectorize with the in-process models, end to end."""

from __future__ import annotations

import numpy as np

from tests.rest import expect
from tests.vectorizers.models.conftest import options
from weavebind.vectorizers.models.local import LocalInference

CLASS = {"class": "Doc", "vectorizer": "multi2vec-clip",
         "properties": [{"name": "title", "dataType": ["text"]}],
         "moduleConfig": {"multi2vec-clip": {"textFields": ["title"]}}}


def test_clip_objects_and_queries_use_the_local_model(make_local_client, tiny_models):
    client = make_local_client(ENABLE_MODULES="multi2vec-clip", CLIP_MODEL_NAME=str(tiny_models.hf_clip),
                               WEAVEBIND_MODELS_PATH=str(tiny_models.root / "no-baked-models"))
    expect(client.post("/v1/schema", json=CLASS))
    created = expect(client.post("/v1/objects", json={"class": "Doc", "properties": {"title": "a red car"}}))
    direct = LocalInference("multi2vec-clip", options(tiny_models, clip_model_name=str(tiny_models.hf_clip)))
    want = np.asarray(direct.vectorize({"texts": ["a red car"]})["textVectors"][0], dtype=np.float32)
    assert np.allclose(created["vector"], want, atol=1e-6)
    query = '{ Get { Doc(nearText: {concepts: ["a red car"]}) { title _additional { distance } } } }'
    found = expect(client.post("/v1/graphql", json={"query": query}))["data"]["Get"]["Doc"]
    assert found[0]["title"] == "a red car" and abs(found[0]["_additional"]["distance"]) < 1e-5
    assert expect(client.get("/v1/meta"))["modules"]["multi2vec-clip"] != {}
