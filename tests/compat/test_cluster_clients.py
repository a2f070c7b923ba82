"""Two weavebind nodes over one database, driven by weaviate-client 4.x: writes through one node's gRPC and REST
are seen at once through the other's, schema and tenants included (clients/v4_cluster.py). SQLite (one file shared
by both) and PostgreSQL."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.compat.conftest import CLIENTS, HERMETIC
from tests.compat.envs import ensure
from tests.compat.server import start_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def two_nodes(request, tmp_path_factory):
    root = tmp_path_factory.mktemp("cluster")
    url = f"sqlite:///{root / 'shared.sqlite3'}" if request.param == "sqlite" else \
        request.getfixturevalue("postgres").new_database()
    shared = {"WEAVEBIND_DATABASE_URL": url, "WEAVEBIND_SHARED_DATABASE": "true"}
    first = start_server(root / "a", **shared)
    try:
        second = start_server(root / "b", **shared)
    except BaseException:
        first.stop()
        raise
    yield first, second
    second.stop()
    first.stop()


@pytest.mark.parametrize("scenario", ["read_your_writes", "tenants_and_schema"])
def test_v4_client_across_two_nodes(two_nodes, scenario):
    first, second = two_nodes
    env = ensure("v4")
    variables = {**os.environ, **HERMETIC, "WB_HTTP_PORT": str(first.http_port), "WB_GRPC_PORT": str(first.grpc_port),
                 "WB_HTTP_PORT_B": str(second.http_port), "WB_GRPC_PORT_B": str(second.grpc_port)}
    done = subprocess.run([*env.command(CLIENTS / "v4_cluster.py"), scenario], env=variables, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, f"{done.stdout[-3000:]}\n{done.stderr[-5000:]}"
