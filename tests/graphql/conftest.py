"""GraphQL test helpers, and module-scoped servers (both SQL backends) for read-only query tests: a data set is
imported once per module and queried many times, which keeps these tests fast."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import BACKENDS, open_clients
from tests.rest import make_local_client  # noqa: F401  (fixture)
from tests.vectorizers.conftest import _fake_servers, bind_fake, clip_fake, module_env  # noqa: F401  (fixtures)
from weavebind.schema.graphql import execute
from weavebind.schema.graphql.fastpath import PlanCache
from weavebind.schema.graphql.resolvers import RequestContext
from weavebind.server.app import create_app
from weavebind.server.routes import graphql as graphql_route
from weavebind.server.settings import load_settings

PLANNED: list[str] = []   # query texts some test answered through a compiled plan (test_fastpath.py reads it)


@pytest.fixture(autouse=True)
def plans_match_graphql_core(monkeypatch):
    """Every GraphQL request in these tests runs twice: through graphql-core with an empty plan cache (which
    compiles a plan when the query qualifies), then through that plan; the two answers must be identical. So the
    whole suite checks compiled plans (fastpath.py) against graphql-core, not only the tests written for them."""
    def checked(schema, request, context):
        saved = schema.plans
        schema.plans = PlanCache()  # the server's own cache stays empty, so nothing runs on the event loop
        try:
            full = execute.run_prepared(schema, request, RequestContext(context.search))
            learned = dict(schema.plans._plans)
            planned = execute.run_prepared(schema, request, RequestContext(context.search))
        finally:
            schema.plans = saved
        if any(plan is not None for plan in learned.values()):
            assert planned == full, f"compiled plan disagrees with graphql-core for {request.query[:300]}"
            PLANNED.append(request.query)
        return full

    monkeypatch.setattr(graphql_route, "run_prepared", checked)


def gql(client: TestClient, query: str, variables: dict | None = None) -> dict[str, Any]:
    """The GraphQL response body; GraphQL always answers 200."""
    body: dict[str, Any] = {"query": query}
    if variables is not None:
        body["variables"] = variables
    response = client.post("/v1/graphql", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def data(client: TestClient, query: str, variables: dict | None = None) -> dict[str, Any]:
    body = gql(client, query, variables)
    assert "errors" not in body, body["errors"]
    return body["data"]


def get(client: TestClient, cls: str, args: str, fields: str) -> list[dict[str, Any]]:
    """`Get { cls(args) { fields } }` → the class's result list."""
    arguments = f"({args})" if args else ""
    return data(client, f"{{ Get {{ {cls}{arguments} {{ {fields} }} }} }}")["Get"][cls]


def errors(client: TestClient, query: str, variables: dict | None = None) -> list[str]:
    body = gql(client, query, variables)
    assert body.get("errors"), body
    return [e["message"] for e in body["errors"]]


def error(client: TestClient, query: str) -> str:
    messages = errors(client, query)
    assert len(messages) == 1, messages
    return messages[0]


def add_class(client: TestClient, name: str, props: dict[str, str] | None = None, **fields: Any) -> None:
    body = {"class": name, "properties": [{"name": n, "dataType": [t]} for n, t in (props or {}).items()], **fields}
    if "vectorConfig" not in fields:
        body.setdefault("vectorizer", "none")
    response = client.post("/v1/schema", json=body)
    assert response.status_code == 200, response.text


def add_objects(client: TestClient, cls: str, objects: list[dict[str, Any]]) -> None:
    """Batch-import objects given as {"id"?, "vector"?, "vectors"?, **properties}."""
    batch = []
    for obj in objects:
        props = {k: v for k, v in obj.items() if k not in ("id", "vector", "vectors")}
        batch.append({"class": cls, "properties": props, **{k: obj[k] for k in ("id", "vector", "vectors")
                                                            if k in obj}})
    response = client.post("/v1/batch/objects", json={"objects": batch})
    assert response.status_code == 200, response.text
    failed = [r for r in response.json() if r["result"].get("errors")]
    assert not failed, failed


@pytest.fixture(scope="module", params=BACKENDS)
def module_server(request, tmp_path_factory):
    """A factory for servers that live for the whole test module, on each SQL backend."""
    def settings(**env: Any):
        tmp = tmp_path_factory.mktemp("graphql")
        url = f"sqlite:///{tmp / 'weavebind.sqlite3'}" if request.param == "sqlite" \
            else request.getfixturevalue("postgres").new_database()
        values = {"PERSISTENCE_DATA_PATH": str(tmp / "data"), "GRPC_PORT": "0", "WEAVEBIND_DATABASE_URL": url}
        return load_settings({**values, **{k: str(v) for k, v in env.items()}})

    yield from open_clients(settings, {})


@pytest.fixture(scope="module")
def sqlite_server(tmp_path_factory):
    """One module-wide server on SQLite, for requests refused before they touch stored data (error texts,
    validation, transport), where a second backend would only add start-up time."""
    tmp = tmp_path_factory.mktemp("graphql")
    client = TestClient(create_app(load_settings({"PERSISTENCE_DATA_PATH": str(tmp / "data"), "GRPC_PORT": "0"})))
    client.__enter__()
    yield client
    client.__exit__(None, None, None)
