"""`weavebind inference`'s HTTP app against the container API (spec inference.md 1): the same vectors over HTTP as
in process, for every modality and both CLIP layouts, through weavebind's remote client with each module's wire
format; the status codes and bodies of the containers."""

from __future__ import annotations

import time

import httpx
import numpy as np
import pytest
from starlette.testclient import TestClient

from tests.fakes import FakeServer
from tests.vectorizers.models.conftest import options
from tests.vectorizers.models.fake_media import CORRUPT, MEDIA, payload
from weavebind.vectorizers import bind as bind_module
from weavebind.vectorizers import clip as clip_module
from weavebind.vectorizers.base import MODALITIES, InferenceRejected
from weavebind.vectorizers.clients.remote import RemoteInferenceClient
from weavebind.vectorizers.inference_server import create_app
from weavebind.vectorizers.models.local import LocalInference

SPECS = {"multi2vec-clip": clip_module.CLIP, "multi2vec-bind": bind_module.BIND}


@pytest.fixture(scope="module")
def servers(hf_clip, st_clip, bind):
    apps = {name: FakeServer(create_app(inference, preload=False))
            for name, inference in {"hf_clip": hf_clip, "st_clip": st_clip, "bind": bind}.items()}
    for server in apps.values():
        server.__enter__()
    yield {name: server.url for name, server in apps.items()}
    for server in apps.values():
        server.__exit__(None, None, None)


def remote(inference: LocalInference, url: str) -> RemoteInferenceClient:
    spec = SPECS[inference.module]
    return RemoteInferenceClient(inference.module, url, spec.wire, timeout_s=60, concurrency=2)


@pytest.mark.parametrize("name", ["hf_clip", "st_clip", "bind"])
def test_remote_vectors_are_the_local_vectors_for_every_modality(name, request, servers):
    inference: LocalInference = request.getfixturevalue(name)
    client = remote(inference, servers[name])
    for modality in MODALITIES:
        if modality.request_key not in inference.keys:
            continue
        items = ([f"a photo of {i} dogs" for i in range(3)] if modality.name == "text"
                 else [payload(modality.request_key, i) for i in range(3)])
        local = inference.vectorize({modality.request_key: items})[modality.response_key]
        over_http = client.vectorize({modality.name: items})[modality.name]
        assert over_http.dtype == np.float32 and over_http.shape == (3, len(local[0]))
        np.testing.assert_array_equal(over_http, np.asarray(local, dtype=np.float32), err_msg=modality.name)
    client.close()


def test_one_request_with_every_bind_modality(bind, servers):
    body = {key: [payload(key, 1)] for key in MEDIA if key != "texts"} | {"texts": ["a bird"]}
    answer = httpx.post(f"{servers['bind']}/vectorize", content=httpx.Request("POST", "/", json=body).content)
    assert answer.status_code == 200  # sent without a Content-Type, as Weaviate's bind client does
    assert answer.json() == bind.vectorize(body)


@pytest.mark.parametrize("name, head", [("hf_clip", 405), ("bind", 204)])
def test_well_known_endpoints(servers, name, head):
    for path in ("/.well-known/live", "/.well-known/ready"):
        assert httpx.get(servers[name] + path).status_code == 204
        assert httpx.head(servers[name] + path).status_code == head


def test_meta(servers, st_clip, bind):
    assert httpx.get(servers["st_clip"] + "/meta").json() == st_clip.meta()
    assert httpx.get(servers["bind"] + "/meta").json() == {"model": "ImageBindModel", "version": 1}


@pytest.mark.parametrize("content, kind", [(b"{not json", "json_invalid"), (b'{"texts": "abc"}', "list_type"),
                                           (b"[1, 2]", "model_attributes_type"), (b"", "missing")])
def test_bodies_fastapi_refuses_are_422_with_detail(servers, content, kind):
    answer = httpx.post(servers["hf_clip"] + "/vectorize", content=content,
                        headers={"Content-Type": "application/json"})
    assert answer.status_code == 422 and answer.json()["detail"][0]["type"] == kind


def test_unreadable_media_is_the_containers_500_and_the_remote_client_isolates_it(servers, bind):
    answer = httpx.post(servers["bind"] + "/vectorize", json={"images": [payload("images", 0), CORRUPT]})
    assert answer.status_code == 500 and answer.json()["error"].startswith("multi2vec-bind: images[1]: ")
    client = remote(bind, servers["bind"])
    with pytest.raises(InferenceRejected, match=r"images\[1\]"):
        client.vectorize({"image": [payload("images", 0), CORRUPT]})
    client.close()


def test_not_ready_until_loaded_and_a_failed_load_says_why(tiny_models):
    inference = LocalInference("multi2vec-clip", options(tiny_models, clip_model_name="nobody/no-such-model"),
                               MEDIA)
    with TestClient(create_app(inference)) as client:
        deadline = time.monotonic() + 30
        while inference.load_error is None and time.monotonic() < deadline:
            time.sleep(0.05)
        ready = client.get("/.well-known/ready")
        assert ready.status_code == 503 and "CLIP_MODEL_NAME=nobody/no-such-model" in ready.json()["error"]
        assert client.get("/.well-known/live").status_code == 204
        failed = client.post("/vectorize", json={"texts": ["a dog"]})
        assert failed.status_code == 500 and "CLIP_MODEL_NAME" in failed.json()["error"]
