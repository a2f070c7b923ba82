"""One wire shape for every failure (spec 3.1): routing errors, bodies, size limits, unexpected exceptions."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.rest import ID1, add_object, create_class, expect, get_object, message, stored_count, text_props
from weavebind.server.app import create_app

# One failing request per route family; each must answer `{"error": [{"message": <text>}]}`.
FAILURES = [
    ("GET", "/v1/schema/Missing", None, 404),
    ("POST", "/v1/schema", {"class": "bad-name"}, 422),
    ("POST", "/v1/schema/Missing/properties", {"name": "x", "dataType": ["text"]}, 404),
    ("POST", "/v1/objects", {"class": ""}, 422),
    ("GET", "/v1/objects?include=nope", None, 400),
    ("GET", f"/v1/objects/Missing/{ID1}", None, 404),
    ("PUT", f"/v1/objects/Missing/{ID1}", {"class": "Missing", "id": ID1}, 404),
    ("POST", "/v1/objects/validate", {"class": ""}, 422),
    ("POST", "/v1/batch/objects", {"objects": []}, 422),
    ("DELETE", "/v1/batch/objects", {}, 422),
    ("GET", "/v1/nowhere", None, 404),
    ("GET", "/v1/objects/Missing/not-a-uuid", None, 422),
]


def test_every_route_family_answers_errors_in_weaviates_shape(local_client):
    for method, path, body, status in FAILURES:
        response = local_client.request(method, path, json=body)
        assert response.status_code == status, (method, path, response.text)
        assert response.headers["content-type"].startswith("application/json"), (method, path)
        text = message(response)
        assert isinstance(text, str) and text, (method, path)


def test_unknown_path_is_404_in_both_error_shapes(local_client):
    response = local_client.get("/v1/does/not/exist")
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == 404
    assert body["message"] == "path /v1/does/not/exist was not found"
    assert body["error"] == [{"message": "path /v1/does/not/exist was not found"}]


def test_wrong_method_is_405_and_names_the_allowed_ones(local_client):
    response = local_client.patch("/v1/meta")
    assert response.status_code == 405
    assert response.json()["code"] == 405
    assert "GET" in message(response) and "PATCH" in message(response)
    response = local_client.post("/v1/schema/SomeClass", json={})
    assert response.status_code == 405


@pytest.mark.parametrize("method,path", [
    ("POST", "/v1/schema"), ("POST", "/v1/objects"), ("POST", "/v1/batch/objects"), ("DELETE", "/v1/batch/objects"),
    ("POST", "/v1/objects/validate"),
])
def test_malformed_json_is_400(local_client, method, path):
    response = local_client.request(method, path, content=b'{"class": ', headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["code"] == 400
    assert message(response).startswith("parsing body from request failed")


def test_empty_body_is_422(local_client):
    for path in ("/v1/schema", "/v1/objects"):
        response = local_client.post(path, content=b"  ", headers={"content-type": "application/json"})
        assert response.status_code == 422, path
        assert "body is empty" in message(response)
    assert expect(local_client.get("/v1/schema")) == {"classes": []}


def test_oversized_body_is_413_and_nothing_is_stored(make_client):
    client = make_client(WEAVEBIND_MAX_REQUEST_BYTES="1000")
    create_class(client, "Doc", text_props("text"))
    big = {"class": "Doc", "id": ID1, "properties": {"text": "x" * 2000}}
    response = client.post("/v1/objects", json=big)
    assert response.status_code == 413
    assert "WEAVEBIND_MAX_REQUEST_BYTES" in message(response)

    def chunks():  # no content-length: the limit must hold while streaming too
        yield b'{"class": "Doc", "properties": {"text": "'
        for _ in range(20):
            yield b"y" * 100
        yield b'"}}'

    response = client.post("/v1/objects", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert client.post("/v1/batch/objects", json={"objects": [big]}).status_code == 413
    assert stored_count(client) == 0
    add_object(client, "Doc", ID1, {"text": "small"})  # a body under the limit still works
    assert get_object(client, "Doc", ID1)["properties"] == {"text": "small"}


def test_unexpected_exception_is_a_500_in_the_error_shape(make_settings, monkeypatch):
    with TestClient(create_app(make_settings()), raise_server_exceptions=False) as client:
        def boom(*args, **kwargs):
            raise RuntimeError("disk on fire")

        monkeypatch.setattr(client.app.state.store, "list", boom)
        response = client.get("/v1/objects")
    assert response.status_code == 500
    assert message(response) == "internal error: RuntimeError: disk on fire"
