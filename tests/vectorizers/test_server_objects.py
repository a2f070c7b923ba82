"""Object vectorization through the server against the fake containers: POST, batch, PUT, PATCH (spec 2.4, 2.7)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.fakes import b64, fake_vector
from tests.rest import ID1, ID2, expect, get_object, message, stored_count
from weavebind.vectorizers.base import MODALITIES

IMG = b64(b"an image")
BAD_IMG = b64(b"not an image at all")
CLIP_DOC = {
    "class": "Doc", "vectorizer": "multi2vec-clip",
    "moduleConfig": {"multi2vec-clip": {"textFields": ["title", "tags"], "imageFields": ["image"]}},
    "properties": [{"name": "title", "dataType": ["text"]}, {"name": "tags", "dataType": ["text[]"]},
                   {"name": "image", "dataType": ["blob"]}, {"name": "year", "dataType": ["int"]}],
}


def vector_of(client, uid, target=None):
    stored = get_object(client, "Doc", uid)
    return stored["vector"] if target is None else stored["vectors"][target]


def post(client, properties, uid=ID1, **fields):
    return client.post("/v1/objects", json={"class": "Doc", "id": uid, "properties": properties, **fields})


def test_post_sends_clip_wire_format_and_stores_the_combined_vector(module_client, clip_fake):
    expect(module_client.post("/v1/schema", json=CLIP_DOC))
    expect(post(module_client, {"title": "a dog", "tags": ["pet", "animal"], "image": IMG, "year": 2020}))
    [request] = [r for r in clip_fake.requests if r.path == "/vectorize"]
    assert request.headers["content-type"] == "application/json"
    assert request.body == {"texts": ["a dog", "pet", "animal"], "images": [IMG]}
    tags = np.mean([fake_vector("texts", "pet"), fake_vector("texts", "animal")], axis=0)
    expected = np.mean([fake_vector("texts", "a dog"), tags, fake_vector("images", IMG)], axis=0)
    np.testing.assert_allclose(vector_of(module_client, ID1), expected, rtol=1e-5)


def test_weaviate_golden_vector_through_the_server(module_client, clip_fake):
    clip_fake.fixed.update({("texts", "text"): [1, 2, 3, 4, 5], ("images", IMG): [10, 20, 30, 40, 50]})
    config = {"textFields": ["text"], "imageFields": ["image"], "weights": {"textFields": [0.4], "imageFields": [0.6]}}
    expect(module_client.post("/v1/schema", json={"class": "Doc", "vectorizer": "multi2vec-clip",
                                                  "moduleConfig": {"multi2vec-clip": config}}))
    expect(post(module_client, {"text": "text", "image": IMG, "description": "not vectorized"}))
    np.testing.assert_allclose(vector_of(module_client, ID1), [3.2, 6.4, 9.6, 12.8, 16], rtol=1e-6)


def test_bind_sends_every_modality_in_one_request_without_content_type(module_client, bind_fake):
    config = {m.fields_key: [m.name] for m in MODALITIES}
    config["IMUFields"] = config.pop("imuFields")  # the spelling Weaviate's clients send
    expect(module_client.post("/v1/schema", json={"class": "Doc", "vectorizer": "multi2vec-bind",
                                                  "moduleConfig": {"multi2vec-bind": config}}))
    payloads = {m.name: ("words" if m.name == "text" else b64(m.name.encode())) for m in MODALITIES}
    expect(post(module_client, payloads))
    [request] = [r for r in bind_fake.requests if r.path == "/vectorize"]
    assert "content-type" not in request.headers
    assert request.body == {m.request_key: [payloads[m.name]] for m in MODALITIES}
    expected = np.mean([fake_vector(m.request_key, payloads[m.name]) for m in MODALITIES], axis=0)
    np.testing.assert_allclose(vector_of(module_client, ID1), expected, rtol=1e-5)


def test_named_vectors_of_two_modules_in_one_class(module_client, clip_fake, bind_fake):
    expect(module_client.post("/v1/schema", json={"class": "Doc", "vectorConfig": {
        "clip": {"vectorizer": {"multi2vec-clip": {"imageFields": ["image"]}}, "vectorIndexType": "flat"},
        "bind": {"vectorizer": {"multi2vec-bind": {"textFields": ["title"]}}, "vectorIndexType": "hnsw"},
        "own": {"vectorizer": {"none": {}}, "vectorIndexType": "flat"},
    }}))
    expect(post(module_client, {"title": "t", "image": IMG}, vectors={"own": [1.0, 2.0]}))
    np.testing.assert_allclose(vector_of(module_client, ID1, "clip"), fake_vector("images", IMG), rtol=1e-5)
    np.testing.assert_allclose(vector_of(module_client, ID1, "bind"), fake_vector("texts", "t"), rtol=1e-5)
    assert vector_of(module_client, ID1, "own") == [1.0, 2.0]
    assert clip_fake.vectorize_bodies == [{"images": [IMG]}] and bind_fake.vectorize_bodies == [{"texts": ["t"]}]


def test_an_object_that_brings_its_vector_is_not_vectorized(module_client, clip_fake):
    expect(module_client.post("/v1/schema", json=CLIP_DOC))
    expect(post(module_client, {"title": "x"}, vector=[0.5, 0.25]))
    assert clip_fake.vectorize_bodies == []
    assert vector_of(module_client, ID1) == [0.5, 0.25]


def test_class_without_module_config_stores_objects_without_a_vector(module_client, clip_fake):
    expect(module_client.post("/v1/schema", json={"class": "Doc", "vectorizer": "multi2vec-clip"}))
    expect(post(module_client, {"title": "x"}))
    assert clip_fake.vectorize_bodies == [] and "vector" not in get_object(module_client, "Doc", ID1)


def test_put_and_patch_reuse_the_vector_when_no_vectorized_field_changed(module_client, clip_fake):
    expect(module_client.post("/v1/schema", json=CLIP_DOC))
    expect(post(module_client, {"title": "first", "image": IMG, "year": 1}))
    before = vector_of(module_client, ID1)
    clip_fake.requests.clear()
    body = {"class": "Doc", "id": ID1, "properties": {"title": "first", "image": IMG, "year": 2}}
    expect(module_client.put(f"/v1/objects/Doc/{ID1}", json=body))
    expect(module_client.patch(f"/v1/objects/Doc/{ID1}", json={"properties": {"year": 3}}), 204)
    assert clip_fake.vectorize_bodies == []
    assert vector_of(module_client, ID1) == before and get_object(module_client, "Doc", ID1)["properties"]["year"] == 3
    expect(module_client.patch(f"/v1/objects/Doc/{ID1}", json={"properties": {"title": "second"}}), 204)
    assert clip_fake.vectorize_bodies == [{"texts": ["second"], "images": [IMG]}]
    expect(module_client.put(f"/v1/objects/Doc/{ID1}", json={**body, "properties": {"title": "third"}}))
    assert clip_fake.vectorize_bodies[-1] == {"texts": ["third"]}
    np.testing.assert_allclose(vector_of(module_client, ID1), fake_vector("texts", "third"), rtol=1e-5)


@pytest.mark.parametrize("image,text", [
    ("not base64!", "property 'image': the image is not valid base64"),
    (BAD_IMG, "fail with status 500: cannot identify image file"),
])
def test_bad_media_is_a_422_and_nothing_is_stored(module_client, image, text):
    doc = {**CLIP_DOC, "properties": CLIP_DOC["properties"][:2]}  # `image` undeclared: any string reaches the module
    expect(module_client.post("/v1/schema", json=doc))
    response = post(module_client, {"title": "x", "image": image})
    assert response.status_code == 422 and text in message(response)
    assert stored_count(module_client, "Doc") == 0


def test_a_batch_of_100_makes_a_few_requests_and_maps_vectors_back(module_client, clip_fake):
    expect(module_client.post("/v1/schema", json=CLIP_DOC))
    objects = [{"class": "Doc", "properties": {"title": f"title {i}", "image": b64(b"img %d" % (i % 10))}}
               for i in range(100)]
    results = expect(module_client.post("/v1/batch/objects", json={"objects": objects}))
    assert {r["result"]["status"] for r in results} == {"SUCCESS"}
    assert len(clip_fake.vectorize_bodies) <= 4  # 64 inputs a request; Weaviate would send 100
    for result, obj in zip(results[::17], objects[::17], strict=True):
        props = obj["properties"]
        expected = np.mean([fake_vector("texts", props["title"]), fake_vector("images", props["image"])], axis=0)
        np.testing.assert_allclose(vector_of(module_client, result["id"]), expected, rtol=1e-5)


def test_a_failing_object_fails_alone_in_its_batch(module_client, clip_fake):
    doc = {**CLIP_DOC, "properties": CLIP_DOC["properties"][:2]}
    expect(module_client.post("/v1/schema", json=doc))
    objects = [{"class": "Doc", "properties": {"title": f"t{i}", "image": b64(b"%d" % i)}} for i in range(20)]
    objects[5]["properties"]["image"] = BAD_IMG
    objects[9]["properties"]["image"] = "%%%"
    results = expect(module_client.post("/v1/batch/objects", json={"objects": objects}))
    failed = {i: r["result"]["errors"]["error"][0]["message"] for i, r in enumerate(results)
              if r["result"]["status"] == "FAILED"}
    assert set(failed) == {5, 9}
    assert "cannot identify image file" in failed[5] and "multi2vec-clip: POST http://" in failed[5]
    assert "property 'image': the image is not valid base64" in failed[9]
    assert stored_count(module_client, "Doc") == 18
    assert len(clip_fake.vectorize_bodies) <= 12


def test_inference_url_sends_the_class_elsewhere(module_client, clip_fake, bind_fake, module_env):
    config = {"textFields": ["title"], "inferenceUrl": module_env["BIND_INFERENCE_API"]}
    expect(module_client.post("/v1/schema", json={"class": "Doc", "vectorizer": "multi2vec-clip",
                                                  "moduleConfig": {"multi2vec-clip": config}}))
    expect(post(module_client, {"title": "x"}))
    assert clip_fake.vectorize_bodies == [] and bind_fake.vectorize_bodies == [{"texts": ["x"]}]


def test_a_second_uuid_in_another_class_does_not_mix_vectors(module_client, clip_fake):
    expect(module_client.post("/v1/schema", json=CLIP_DOC))
    expect(post(module_client, {"title": "one"}, uid=ID1))
    expect(post(module_client, {"title": "two"}, uid=ID2))
    np.testing.assert_allclose(vector_of(module_client, ID2), fake_vector("texts", "two"), rtol=1e-5)
