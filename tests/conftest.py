"""Shared fixtures: settings, the app with its lifespan on each SQL backend, and a PostgreSQL cluster."""

from __future__ import annotations

import os

import pytest
from starlette.testclient import TestClient

from tests.pg import TempPostgres, find_bin_dir
from weavebind.server.app import create_app
from weavebind.server.settings import load_settings

BACKENDS = ["sqlite", "postgres"]
# Modules without an inference URL use the in-process models, which fetch weights on first use: tests never go to
# the hub (the tiny test models are built on disk), and the servers they start inherit this.
os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL cluster for the session. CI sets WEAVEBIND_REQUIRE_POSTGRES=1 so a missing server fails."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        if os.environ.get("WEAVEBIND_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL server binaries not found (apt-get install postgresql)")
        pytest.skip("PostgreSQL server binaries not found; install Debian's postgresql to run these tests")
    cluster = TempPostgres(bin_dir)
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'weavebind.sqlite3'}"
    return request.getfixturevalue("postgres").new_database()


@pytest.fixture
def make_settings(tmp_path):
    def factory(**env):
        # GRPC_PORT=0: every app binds its own free gRPC port, so apps opened side by side never collide.
        base = {"PERSISTENCE_DATA_PATH": str(tmp_path / "data"), "GRPC_PORT": "0"}
        base.update({k: str(v) for k, v in env.items()})
        return load_settings(base)

    return factory


def open_clients(make_settings, defaults: dict):
    """A factory that starts apps (lifespan included) with `defaults` plus extra env; closes them at teardown."""
    opened: list[TestClient] = []

    def factory(**env):
        client = TestClient(create_app(make_settings(**{**defaults, **env})))
        client.__enter__()
        opened.append(client)
        return client

    yield factory
    for client in reversed(opened):
        client.__exit__(None, None, None)


@pytest.fixture
def make_client(make_settings, database_url):
    """Start the app with extra env; every client runs on both SQL backends."""
    yield from open_clients(make_settings, {"WEAVEBIND_DATABASE_URL": database_url})


@pytest.fixture
def client(make_client):
    return make_client()
