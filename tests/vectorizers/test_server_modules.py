"""The modules inside the server: schema validation, /v1/meta, start-up readiness, unreachable containers and
query vectors, against the fake containers (spec 2.1-2.3, 2.5, 2.8)."""

from __future__ import annotations

import time

import numpy as np
import pytest
from starlette.testclient import TestClient

from tests.fakes import BIND_META, CLIP_META, b64, fake_vector, unused_url
from tests.rest import ID1, expect, message, stored_count
from weavebind.server.app import create_app
from weavebind.vectorizers.base import MODALITIES, VectorizerError


def create(client, body):
    return client.post("/v1/schema", json=body)


def test_imu_key_is_echoed_in_the_spelling_received(local_module_client):
    for name, key in (("A", "IMUFields"), ("B", "imuFields")):
        config = {key: ["motion"], "weights": {key: [1]}}
        created = expect(create(local_module_client, {"class": name, "vectorizer": "multi2vec-bind",
                                                      "moduleConfig": {"multi2vec-bind": config}}))
        assert created["moduleConfig"]["multi2vec-bind"] == config


@pytest.mark.parametrize("body,text", [
    ({"class": "C", "vectorizer": "multi2vec-clip", "moduleConfig": {"multi2vec-clip": {"textFields": []}}},
     "module 'multi2vec-clip': must contain at least one text field name in textFields"),
    ({"class": "C", "vectorizer": "multi2vec-bind",
      "moduleConfig": {"multi2vec-bind": {"audioFields": ["a"], "weights": {"audioFields": []}}}},
     "module 'multi2vec-bind': weights.audioFields does not equal number of audioFields"),
    ({"class": "C", "vectorConfig": {"v": {"vectorizer": {"multi2vec-clip": {}}, "vectorIndexType": "flat"}}},
     'target vector "v": module \'multi2vec-clip\': textFields or imageFields setting needs to be present'),
    ({"class": "C", "vectorConfig": {"v": {"vectorizer": {"multi2vec-clip": {"depthFields": ["d"]}}}}},
     'target vector "v": module \'multi2vec-clip\': depthFields is not supported by this module'),
    ({"class": "C", "vectorizer": "multi2vec-clip", "moduleConfig": {"multi2vec-clip": {"imageFields": ["title"]}},
      "properties": [{"name": "title", "dataType": ["text"]}]},
     "module 'multi2vec-clip': imageFields: property 'title' has dataType text; image fields must be blob"),
])
def test_schema_refuses_bad_module_config_with_422(local_module_client, body, text):
    response = create(local_module_client, body)
    assert response.status_code == 422, response.text
    assert message(response) == text or message(response).startswith(text)


def test_meta_passes_each_container_meta_through(local_module_client):
    modules = expect(local_module_client.get("/v1/meta"))["modules"]
    assert modules == {"multi2vec-clip": CLIP_META, "multi2vec-bind": BIND_META}


def test_meta_shows_an_error_for_a_failing_or_unreachable_container(make_local_client, module_env, bind_fake):
    client = make_local_client(**{**module_env, "CLIP_INFERENCE_API": unused_url(), "CLIP_WAIT_FOR_STARTUP": "false"})
    bind_fake.meta_status = 500
    modules = expect(client.get("/v1/meta"))["modules"]
    assert "cannot connect" in modules["multi2vec-clip"]["error"]
    assert "unmarshal meta response body (status 500)" in modules["multi2vec-bind"]["error"]


def test_start_up_waits_for_readiness(make_local_client, module_env, clip_fake):
    clip_fake.not_ready_probes = 1
    started = time.monotonic()
    make_local_client(**module_env)
    assert time.monotonic() - started >= 0.9  # polled again a second later
    assert [r.path for r in clip_fake.requests].count("/.well-known/ready") == 2


def test_start_up_fails_when_the_container_never_gets_ready(make_settings, module_env, bind_fake):
    bind_fake.not_ready_probes = 100
    app = create_app(make_settings(**module_env, WEAVEBIND_MODULES_INIT_TIMEOUT="1s"))
    with pytest.raises(VectorizerError, match="multi2vec-bind: init context expired before remote was ready"):
        with TestClient(app):
            pass


def test_clip_wait_for_startup_false_skips_the_wait(make_local_client, module_env):
    client = make_local_client(ENABLE_MODULES="multi2vec-clip", CLIP_INFERENCE_API=unused_url(),
                               CLIP_WAIT_FOR_STARTUP="false")
    assert expect(client.get("/v1/.well-known/ready")) is None


def test_unreachable_container_fails_that_request_only(make_local_client):
    url = unused_url()
    client = make_local_client(ENABLE_MODULES="multi2vec-clip", CLIP_INFERENCE_API=url, CLIP_WAIT_FOR_STARTUP="false")
    expect(create(client, {"class": "Doc", "vectorizer": "multi2vec-clip",
                           "moduleConfig": {"multi2vec-clip": {"textFields": ["title"]}}}))
    response = client.post("/v1/objects", json={"class": "Doc", "id": ID1, "properties": {"title": "x"}})
    assert response.status_code == 503
    assert message(response).startswith(f"multi2vec-clip: POST {url}/vectorize: send POST request: cannot connect")
    objects = [{"class": "Doc", "properties": {"title": "y"}},
               {"class": "Doc", "properties": {"title": "z"}, "vector": [1]}]
    batch = expect(client.post("/v1/batch/objects", json={"objects": objects}))
    assert [r["result"]["status"] for r in batch] == ["FAILED", "SUCCESS"]
    assert stored_count(client, "Doc") == 1
    assert expect(client.get("/v1/schema"))["classes"][0]["class"] == "Doc"  # the server is still up


def test_requests_in_flight_are_bounded(make_local_client, module_env, clip_fake):
    client = make_local_client(**module_env, WEAVEBIND_INFERENCE_BATCH_SIZE="2", WEAVEBIND_INFERENCE_CONCURRENCY="3")
    expect(create(client, {"class": "Doc", "vectorizer": "multi2vec-clip",
                           "moduleConfig": {"multi2vec-clip": {"textFields": ["title"]}}}))
    clip_fake.latency_s = 0.05
    objects = [{"class": "Doc", "properties": {"title": f"t{i}"}} for i in range(24)]
    results = expect(client.post("/v1/batch/objects", json={"objects": objects}))
    assert {r["result"]["status"] for r in results} == {"SUCCESS"}
    assert len(clip_fake.vectorize_bodies) == 12
    assert 1 < clip_fake.max_in_flight <= 3


def test_a_slow_container_times_out_with_504(make_local_client, module_env, clip_fake):
    client = make_local_client(**module_env, MODULES_CLIENT_TIMEOUT="200ms")
    expect(create(client, {"class": "Doc", "vectorizer": "multi2vec-clip",
                           "moduleConfig": {"multi2vec-clip": {"textFields": ["title"]}}}))
    clip_fake.latency_s = 1.0
    response = client.post("/v1/objects", json={"class": "Doc", "properties": {"title": "x"}})
    assert response.status_code == 504 and "timed out after 0.2s (MODULES_CLIENT_TIMEOUT)" in message(response)
    assert stored_count(client, "Doc") == 0


def test_module_without_inference_api_uses_local_model_and_names_the_setting(make_local_client, tmp_path):
    # No BIND_INFERENCE_API: the in-process model serves; without weights every vectorization is a 503 naming the
    # setting, while the server and /v1/meta keep working (the model is not loaded just to answer meta).
    missing = tmp_path / "imagebind_huge.pth"
    client = make_local_client(ENABLE_MODULES="multi2vec-bind", WEAVEBIND_BIND_CHECKPOINT=str(missing))
    assert expect(client.get("/v1/meta"))["modules"]["multi2vec-bind"] == {"inference": "in-process",
                                                                            "loaded": False}
    expect(create(client, {"class": "Doc", "vectorizer": "multi2vec-bind",
                           "moduleConfig": {"multi2vec-bind": {"textFields": ["title"]}}}))
    response = client.post("/v1/objects", json={"class": "Doc", "properties": {"title": "x"}})
    assert response.status_code == 503
    assert message(response) == f"WEAVEBIND_BIND_CHECKPOINT={missing}: no such file"
    assert stored_count(client, "Doc") == 0
    assert expect(client.get("/v1/meta"))["modules"]["multi2vec-bind"]["error"] == message(response)


# -- query vectors (what the GraphQL and gRPC front ends ask of the registry) --------------------------------------
def _query(client, class_body, modality, inputs, target=""):
    expect(create(client, class_body))
    state = client.app.state
    return state.modules.vectorize_query(state.schema.get(class_body["class"]), target, modality, inputs)


BIND_ALL = {"class": "Doc", "vectorizer": "multi2vec-bind",
            "moduleConfig": {"multi2vec-bind": {"textFields": ["title"]}}}


def test_near_text_is_one_request_and_the_mean_of_the_concepts(local_module_client, bind_fake):
    vector = _query(local_module_client, BIND_ALL, "text", ["dune", "sand worm"])
    assert bind_fake.vectorize_bodies == [{"texts": ["dune", "sand worm"]}]
    np.testing.assert_allclose(vector, np.mean([fake_vector("texts", "dune"), fake_vector("texts", "sand worm")],
                                               axis=0), rtol=1e-5)


@pytest.mark.parametrize("modality", [m for m in MODALITIES if m.name != "text"], ids=lambda m: m.argument)
def test_near_media_sends_exactly_one_payload_under_its_key(local_module_client, bind_fake, modality):
    payload = b64(modality.name.encode())
    vector = _query(local_module_client, BIND_ALL, modality.name, [payload])
    assert bind_fake.vectorize_bodies == [{modality.request_key: [payload]}]
    np.testing.assert_allclose(vector, fake_vector(modality.request_key, payload), rtol=1e-5)


def test_named_target_query_goes_to_its_module(local_module_client, clip_fake):
    body = {"class": "Doc", "vectorConfig": {"c": {"vectorizer": {"multi2vec-clip": {"imageFields": ["i"]}}}}}
    _query(local_module_client, body, "image", [b64(b"x")], target="c")
    assert clip_fake.vectorize_bodies == [{"images": [b64(b"x")]}]


@pytest.mark.parametrize("modality,inputs,status,text", [
    ("image", ["not base64!"], 422, "nearImage.image: the image is not valid base64"),
    ("image", [""], 422, "nearImage.image: the image is empty"),
    ("image", [b64(b"not an image")], 422, "fail with status 500: cannot identify image file"),
    ("image", [b64(b"a"), b64(b"b")], 422, "nearImage: needs exactly one image, got 2"),
    ("text", [""], 422, "nearText: needs at least one non-empty concept"),
    ("audio", [b64(b"a")], 422, "could not vectorize input for collection Doc with search-type audio"),
])
def test_query_errors(local_module_client, modality, inputs, status, text):
    body = {"class": "Doc", "vectorizer": "multi2vec-clip", "moduleConfig": {"multi2vec-clip": {"textFields": ["t"]}}}
    with pytest.raises(VectorizerError) as caught:
        _query(local_module_client, body, modality, inputs)
    assert caught.value.status == status and text in caught.value.message


def test_query_against_a_failing_container_is_a_5xx(local_module_client, clip_fake):
    clip_fake.fail_status = 500
    body = {"class": "Doc", "vectorizer": "multi2vec-clip", "moduleConfig": {"multi2vec-clip": {"textFields": ["t"]}}}
    with pytest.raises(VectorizerError) as caught:
        _query(local_module_client, body, "text", ["x"])
    assert caught.value.status == 502 and "fail with status 500: CUDA out of memory" in caught.value.message
