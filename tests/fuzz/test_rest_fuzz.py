"""schemathesis against a live server: every operation of openapi.json, valid and invalid inputs.

Path and query parameters and the body's class/tenant fields are steered towards the data set's real names, so
generated requests reach objects, tenants and references instead of stopping at "class not found". Every answer
must be below 500, JSON when it has a body, and quick; a refused write must leave the stored rows as they were.
"""

from __future__ import annotations

import copy
import json
import time
from collections import Counter

import pytest
import requests
from hypothesis import settings

from tests.fuzz import dataset
from tests.fuzz.conftest import HYPOTHESIS, REQUEST_SECONDS, examples
from tests.fuzz.test_openapi_routes import SPEC

schemathesis = pytest.importorskip("schemathesis")

NAMES = {
    "className": [*dataset.CLASSES, dataset.ALIAS, "Missing"],
    "tenantName": [*dataset.TENANTS, "nobody"],
    "tenant": [*dataset.TENANTS, "nobody"],
    "id": dataset.IDS,
    "propertyName": dataset.PROPERTIES,
    "aliasName": [dataset.ALIAS, "Missing"],
    "class": [*dataset.CLASSES, dataset.ALIAS],
    "shardName": [*dataset.TENANTS],
}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
STATUSES: Counter = Counter()
SLOWEST = [0.0]
SESSION = requests.Session()  # keep-alive, as clients do: a fault that drops the connection shows up as an error


def steer(schema: dict, known: list[str]) -> dict:
    """Either one of the known names or anything the original schema allows."""
    return {"anyOf": [{"enum": known}, schema]}


def steered_spec() -> dict:
    spec = copy.deepcopy(json.loads(SPEC.read_text()))
    parameters = list(spec["components"]["parameters"].values())
    for item in spec["paths"].values():
        parameters += [p for p in item.get("parameters", []) if "$ref" not in p]
        for operation in item.values():
            if isinstance(operation, dict):
                parameters += [p for p in operation.get("parameters", []) if "$ref" not in p]
    for parameter in parameters:
        if parameter["name"] in NAMES:
            parameter["schema"] = steer(parameter["schema"], NAMES[parameter["name"]])
    schemas = spec["components"]["schemas"]
    schemas["Object"]["properties"]["class"] = steer({"type": "string"}, dataset.CLASSES)
    schemas["Object"]["properties"]["tenant"] = steer({"type": "string"}, list(dataset.TENANTS))
    schemas["Object"]["properties"]["id"] = steer({"type": "string", "format": "uuid"}, dataset.IDS)
    return spec


schema = schemathesis.openapi.from_dict(steered_spec())


@pytest.fixture(scope="module", autouse=True)
def report_statuses():
    yield
    print(f"\nREST fuzz: {sum(STATUSES.values())} requests, statuses {dict(sorted(STATUSES.items()))}, "
          f"slowest {SLOWEST[0]:.2f} s")


@schema.parametrize()
@settings(max_examples=examples(12), **HYPOTHESIS)
def test_rest_operation(case, fixed):
    writes = case.method.upper() in WRITES
    before = dataset.digest(fixed.store) if writes else None
    started = time.monotonic()
    response = case.call(base_url=fixed.url, session=SESSION, timeout=REQUEST_SECONDS)
    elapsed = time.monotonic() - started
    STATUSES[response.status_code] += 1
    SLOWEST[0] = max(SLOWEST[0], elapsed)
    shown = f"{case.method} {case.formatted_path} -> {response.status_code} {response.text[:300]}"
    assert response.status_code < 500, shown
    assert elapsed < REQUEST_SECONDS, shown
    graphiql = case.method.upper() == "GET" and case.path.startswith("/v1/graphql")  # HTML, JS and CSS by design
    if response.content and not graphiql:
        response.json()  # raises on a body that is not JSON
    if writes and response.status_code >= 400:
        assert dataset.digest(fixed.store) == before, f"a refused request changed stored data: {shown}"

