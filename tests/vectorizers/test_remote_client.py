"""The remote client's HTTP edge cases, with respx standing in for the container (spec 2.6, inference.md 1.6)."""

from __future__ import annotations

import httpx
import numpy as np
import orjson
import pytest
import respx

from weavebind.vectorizers.base import InferenceRejected, VectorizerError
from weavebind.vectorizers.bind import BIND
from weavebind.vectorizers.clients import remote
from weavebind.vectorizers.clients.remote import RemoteInferenceClient
from weavebind.vectorizers.clip import CLIP

URL = "http://clip.test:8080"


@pytest.fixture
def clip():
    client = RemoteInferenceClient("multi2vec-clip", URL, CLIP.wire, timeout_s=2, concurrency=2)
    yield client
    client.close()


@pytest.fixture
def bind():
    client = RemoteInferenceClient("multi2vec-bind", URL, BIND.wire, timeout_s=2, concurrency=2)
    yield client
    client.close()


@pytest.fixture(autouse=True)
def no_pauses(monkeypatch):
    monkeypatch.setattr(remote, "RETRY_PAUSES_S", (0.0, 0.0))


@respx.mock
def test_clip_request_and_response(clip):
    route = respx.post(f"{URL}/vectorize").respond(200, json={"textVectors": [[0, 1, 2]], "imageVectors": [[1, 2, 3]]})
    answer = clip.vectorize({"text": ["a dog"], "image": ["aW1n"], "audio": []})
    np.testing.assert_array_equal(answer["text"], [[0, 1, 2]])
    np.testing.assert_array_equal(answer["image"], [[1, 2, 3]])
    sent = route.calls.last.request
    assert sent.headers["content-type"] == "application/json"
    assert orjson.loads(sent.content) == {"texts": ["a dog"], "images": ["aW1n"]}  # empty lists left out


@respx.mock
def test_bind_sends_no_content_type_and_its_own_keys(bind):
    route = respx.post(f"{URL}/vectorize").respond(200, json={
        "textVectors": [], "imageVectors": [], "audioVectors": [], "videoVectors": [], "imuVectors": [[1.0]],
        "thermalVectors": [], "depthVectors": []})
    bind.vectorize({"imu": ["aW11"], "text": []})
    sent = route.calls.last.request
    assert "content-type" not in sent.headers
    assert orjson.loads(sent.content) == {"imu": ["aW11"]}


@respx.mock
def test_status_500_with_error_is_a_rejection_naming_module_url_and_message(clip):
    respx.post(f"{URL}/vectorize").respond(500, json={"error": "some error from the server"})
    with pytest.raises(InferenceRejected) as caught:
        clip.vectorize({"text": ["x"]})
    assert caught.value.message == (f"multi2vec-clip: POST {URL}/vectorize: fail with status 500: "
                                    "some error from the server")
    assert caught.value.status == 502


@respx.mock
def test_fastapi_422_is_a_502_with_the_detail(clip):
    respx.post(f"{URL}/vectorize").respond(422, json={"detail": [{"type": "list_type", "loc": ["body", "texts"]}]})
    with pytest.raises(VectorizerError) as caught:
        clip.vectorize({"text": ["x"]})
    assert not isinstance(caught.value, InferenceRejected)
    assert "fail with status 422" in caught.value.message and "list_type" in caught.value.message
    assert caught.value.status == 502


@respx.mock
def test_non_json_body_reports_the_parse_error_and_status(clip):
    respx.post(f"{URL}/vectorize").respond(502, text="<html>Bad Gateway</html>")
    with pytest.raises(VectorizerError, match=r"failed to parse vectorization response \(status 502\)") as caught:
        clip.vectorize({"text": ["x"]})
    assert caught.value.status == 502


@respx.mock
def test_clip_accepts_any_status_up_to_399_but_bind_only_200(clip, bind):
    body = {"textVectors": [[1.0, 2.0]]}
    respx.post(f"{URL}/vectorize").respond(201, json=body)
    assert clip.vectorize({"text": ["x"]})["text"].shape == (1, 2)
    with pytest.raises(VectorizerError, match="fail with status 201$"):
        bind.vectorize({"text": ["x"]})


@respx.mock
def test_a_count_mismatch_is_an_error_not_a_misaligned_vector(clip):
    respx.post(f"{URL}/vectorize").respond(200, json={"textVectors": [[1.0]]})
    with pytest.raises(VectorizerError, match="inputs are not equal to vectors returned: sent 2 text inputs, got 1"):
        clip.vectorize({"text": ["a", "b"]})


@respx.mock
def test_a_broken_pooled_connection_is_resent(clip):
    route = respx.post(f"{URL}/vectorize")
    route.side_effect = [httpx.RemoteProtocolError("Server disconnected without sending a response."),
                         httpx.ReadError("connection reset by peer"),
                         httpx.Response(200, json={"textVectors": [[1.0]]})]
    assert clip.vectorize({"text": ["a"]})["text"].tolist() == [[1.0]]
    assert route.call_count == 3


@respx.mock
def test_retries_stop_after_two(clip):
    route = respx.post(f"{URL}/vectorize")
    route.side_effect = httpx.WriteError("broken pipe")
    with pytest.raises(VectorizerError, match="send POST request: broken pipe"):
        clip.vectorize({"text": ["a"]})
    assert route.call_count == 3


@respx.mock
def test_refused_connection_is_503_and_not_retried(clip):
    route = respx.post(f"{URL}/vectorize")
    route.side_effect = httpx.ConnectError("connection refused")
    with pytest.raises(VectorizerError) as caught:
        clip.vectorize({"text": ["a"]})
    assert route.call_count == 1
    assert caught.value.status == 503
    assert caught.value.message.startswith(f"multi2vec-clip: POST {URL}/vectorize: send POST request: cannot connect")


@respx.mock
def test_timeout_is_504_naming_the_setting(clip):
    route = respx.post(f"{URL}/vectorize")
    route.side_effect = httpx.ReadTimeout("timed out")
    with pytest.raises(VectorizerError, match="MODULES_CLIENT_TIMEOUT") as caught:
        clip.vectorize({"text": ["a"]})
    assert caught.value.status == 504 and route.call_count == 1


@respx.mock
def test_inference_url_overrides_the_base_for_vectorize_only(clip):
    other = respx.post("http://other:9000/vectorize").respond(200, json={"textVectors": [[1.0]]})
    clip.vectorize({"text": ["a"]}, url="http://other:9000/")
    assert other.call_count == 1


@respx.mock
def test_meta_passes_the_json_through_and_reports_failures(clip):
    respx.get(f"{URL}/meta").respond(200, json={"clip_model": {"projection_dim": 512}})
    assert clip.meta() == {"clip_model": {"projection_dim": 512}}
    respx.get(f"{URL}/meta").respond(500, text="boom")
    with pytest.raises(VectorizerError, match="unmarshal meta response body"):
        clip.meta()


@respx.mock
def test_wait_ready_polls_until_2xx(clip, monkeypatch):
    monkeypatch.setattr(remote, "READY_POLL_INTERVAL_S", 0.01)
    route = respx.get(f"{URL}/.well-known/ready")
    route.side_effect = [httpx.ConnectError("refused"), httpx.Response(503), httpx.Response(204)]
    clip.wait_ready(5)
    assert route.call_count == 3


@respx.mock
def test_wait_ready_gives_up_with_the_last_error(clip, monkeypatch):
    monkeypatch.setattr(remote, "READY_POLL_INTERVAL_S", 0.01)
    respx.get(f"{URL}/.well-known/ready").respond(503)
    with pytest.raises(VectorizerError, match=r"init context expired before remote was ready: .*status 503"):
        clip.wait_ready(0.05)
