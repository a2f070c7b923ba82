"""weavebind/server/openapi.json describes exactly the routes the app serves: every route is documented, every
documented operation exists, with the same methods."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from starlette.routing import Route

import weavebind.server
from weavebind.server.app import create_app

SPEC = Path(weavebind.server.__file__).parent / "openapi.json"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def documented() -> set[tuple[str, str]]:
    spec = json.loads(SPEC.read_text())
    return {(path, method.upper()) for path, item in spec["paths"].items() for method in item if method in HTTP_METHODS}


def served(make_settings) -> set[tuple[str, str]]:
    """(path, method) of every route; the HEAD Starlette adds to each GET route is implied, not documented."""
    pairs = set()
    for route in create_app(make_settings()).routes:
        assert isinstance(route, Route), route
        methods = set(route.methods or ())
        if "GET" in methods:
            methods.discard("HEAD")
        pairs |= {(route.path, method) for method in methods}
    return pairs


def test_every_route_is_documented(make_settings):
    missing = served(make_settings) - documented()
    assert not missing, f"routes missing from openapi.json: {sorted(missing)}"


def test_every_documented_operation_is_served(make_settings):
    extra = documented() - served(make_settings)
    assert not extra, f"openapi.json documents operations the app does not serve: {sorted(extra)}"


def test_spec_is_valid_openapi():
    schemathesis = pytest.importorskip("schemathesis")
    schema = schemathesis.openapi.from_dict(json.loads(SPEC.read_text()))
    ids = [op.ok().definition.raw.get("operationId") for op in schema.get_all_operations()]
    assert len(ids) == len(documented()) and len(set(ids)) == len(ids) and None not in ids


def test_spec_ships_with_the_package():
    # The file sits inside the package so an installed weavebind carries the description of its own API.
    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    assert "openapi.json" in pyproject["tool"]["setuptools"]["package-data"]["weavebind.server"]
