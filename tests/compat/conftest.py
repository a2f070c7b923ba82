"""Real clients against a real weavebind: a `weavebind serve` subprocess on free HTTP and gRPC ports, and a runner
that executes a client's scenario script in that client's own environment (`envs.py`)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.compat.envs import ensure
from tests.compat.server import Server, start_server

CLIENTS = Path(__file__).parent / "clients"
SCRIPTS = {"v3": CLIENTS / "v3_scenarios.py", "v4": CLIENTS / "v4_scenarios.py", "ts": CLIENTS / "ts_scenarios.mjs"}
ADMIN_KEY = "compat-admin-key"
# Clients may phone home (v4 asks PyPI for its latest version at connect); a dead proxy keeps the suite hermetic
# while loopback traffic, the server under test, bypasses it.
HERMETIC = {"HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9", "http_proxy": "http://127.0.0.1:9",
            "https_proxy": "http://127.0.0.1:9", "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
            "no_grpc_proxy": "127.0.0.1,localhost"}


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """One anonymous-access server for the client scenarios (each scenario uses its own class names)."""
    started = start_server(tmp_path_factory.mktemp("compat") / "data")
    yield started
    started.stop()


@pytest.fixture(scope="session")
def auth_server(tmp_path_factory):
    started = start_server(tmp_path_factory.mktemp("compat-auth") / "data", api_key=ADMIN_KEY)
    yield started
    started.stop()


def run_scenario(client: str, scenario: str, server: Server, api_key: str | None = None) -> str:
    """Run one scenario of one client against `server`; fails the test with the client's own output."""
    env = ensure(client)
    variables = {**os.environ, **HERMETIC, "WB_HTTP_PORT": str(server.http_port),
                 "WB_GRPC_PORT": str(server.grpc_port), "WB_API_KEY": api_key or "",
                 "WB_TS_MODULES": str(env.path / "node_modules")}
    done = subprocess.run([*env.command(SCRIPTS[client]), scenario], env=variables, capture_output=True, text=True,
                          timeout=300)
    if done.returncode != 0:
        pytest.fail(f"{client} {scenario} failed ({done.returncode}):\n{done.stdout[-4000:]}\n{done.stderr[-6000:]}",
                    pytrace=False)
    return done.stdout
