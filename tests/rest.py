"""Helpers for the REST tests: error texts, class/object set-up, and a one-backend client.

`local_client` runs the app on SQLite only. It serves tests of requests that are rejected before they reach
storage (validation messages, auth, routing), where a second backend would only add start-up time; anything that
reads or writes stored data uses the `client` / `make_client` fixtures, which run on both backends.
"""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import open_clients

ID1 = "00000000-0000-4000-8000-000000000001"
ID2 = "00000000-0000-4000-8000-000000000002"
ID3 = "00000000-0000-4000-8000-000000000003"
ID4 = "00000000-0000-4000-8000-000000000004"
ID5 = "00000000-0000-4000-8000-000000000005"
MISSING = "00000000-0000-4000-8000-0000000000ff"


def message(response) -> str:
    """The first message of a `{"error": [{"message": ...}]}` body."""
    body = response.json()
    assert isinstance(body.get("error"), list) and body["error"], body
    return body["error"][0]["message"]


def expect(response, status: int = 200) -> Any:
    """Assert the status and return the JSON body (None for an empty body)."""
    assert response.status_code == status, (response.status_code, response.text)
    return response.json() if response.content else None


def create_class(client: TestClient, name: str, properties: list[dict] | None = None, **fields: Any) -> dict:
    body = {"class": name, **fields}
    if properties is not None:
        body["properties"] = properties
    return expect(client.post("/v1/schema", json=body))


def text_props(*names: str) -> list[dict]:
    return [{"name": name, "dataType": ["text"]} for name in names]


def add_object(client: TestClient, cls: str, uid: str | None = None, properties: dict | None = None,
               **fields: Any) -> dict:
    body = {"class": cls, "properties": properties or {}, **fields}
    if uid is not None:
        body["id"] = uid
    return expect(client.post("/v1/objects", json=body))


def get_object(client: TestClient, cls: str, uid: str, include_vector: bool = True) -> dict | None:
    """The stored object (with its vectors), or None when it does not exist."""
    response = client.get(f"/v1/objects/{cls}/{uid}", params={"include": "vector"} if include_vector else None)
    if response.status_code == 404:
        return None
    return expect(response)


def stored_count(client: TestClient, cls: str | None = None) -> int:
    return client.app.state.store.count(cls)


@pytest.fixture
def make_local_client(make_settings):
    """Like `make_client`, on SQLite only: for requests refused before anything reaches storage."""
    yield from open_clients(make_settings, {})


@pytest.fixture
def local_client(make_local_client):
    return make_local_client()
