"""Real clients against a real weavebind: a `weavebind serve` subprocess on free HTTP and gRPC ports, one per SQL
backend (SQLite, and PostgreSQL on the session's throwaway cluster) for the client scenarios, one with fake inference
containers behind multi2vec-clip and multi2vec-bind for the module scenarios, and a runner that executes a client's
scenario script in that client's own environment (`envs.py`)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from tests.compat.envs import ensure
from tests.compat.server import Server, start_server
from tests.conftest import BACKENDS
from tests.fakes import FakeInference, FakeServer, build_app
from tests.s3 import local_s3

CLIENTS = Path(__file__).parent / "clients"
SCRIPTS = {"v3": CLIENTS / "v3_scenarios.py", "v4": CLIENTS / "v4_scenarios.py", "ts": CLIENTS / "ts_scenarios.mjs",
           "ts3": CLIENTS / "ts3_scenarios.mjs"}
MODULE_SCRIPTS = {"v3": CLIENTS / "v3_modules.py", "v4": CLIENTS / "v4_modules.py", "ts": CLIENTS / "ts_modules.mjs"}
ADMIN_KEY = "compat-admin-key"
# Clients may phone home (v4 asks PyPI for its latest version at connect); a dead proxy keeps the suite hermetic
# while loopback traffic, the server under test, bypasses it.
HERMETIC = {"HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9", "http_proxy": "http://127.0.0.1:9",
            "https_proxy": "http://127.0.0.1:9", "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
            "no_grpc_proxy": "127.0.0.1,localhost"}


def backups_at(data: Path) -> dict[str, str]:
    """The backup-filesystem module, writing beside the server's data."""
    return {"ENABLE_MODULES": "backup-filesystem", "BACKUP_FILESYSTEM_PATH": str(data.parent / f"{data.name}-backups")}


@pytest.fixture(scope="session")
def sqlite_server(tmp_path_factory):
    """One anonymous-access server on SQLite for the client scenarios (each scenario uses its own class names)."""
    # An empty URL is SQLite under the data path, whatever the caller's environment says.
    data = tmp_path_factory.mktemp("compat") / "data"
    started = start_server(data, WEAVEBIND_DATABASE_URL="", **backups_at(data))
    yield started
    started.stop()


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory, postgres):
    """The same on a fresh database of the session's PostgreSQL cluster (skipped, or failed in CI, without one)."""
    url = postgres.new_database()
    data = tmp_path_factory.mktemp("compat-pg") / "data"
    started = start_server(data, WEAVEBIND_DATABASE_URL=url, **backups_at(data))
    try:
        # A renamed setting would silently leave the server on SQLite and every "postgres" test a repeat of the other.
        assert_tables_created(url)
        yield started
    finally:
        started.stop()


def assert_tables_created(url: str) -> None:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        found = conn.execute("SELECT to_regclass('wb_objects')").fetchone()[0]
    assert found is not None, f"the server did not create its tables in {url}"


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """A server on SQLite with both backup modules, backup-s3 writing to a bucket of a local S3-compatible server
    (moto's, on loopback); a second bucket, wb-compat-location, serves the scenarios' backup_location."""
    with local_s3() as s3:
        s3.client().create_bucket(Bucket="wb-compat-location")
        data = tmp_path_factory.mktemp("compat-s3") / "data"
        env = {**backups_at(data), **s3.env(s3.new_bucket(), modules="backup-filesystem,backup-s3")}
        started = start_server(data, WEAVEBIND_DATABASE_URL="", **env)
        try:
            yield started
        finally:
            started.stop()


@pytest.fixture(params=BACKENDS)
def server(request) -> Server:
    """The scenarios that touch storage run on both SQL backends. Function-scoped over the two session servers, so
    each backend starts once and pytest keeps the tests in file order instead of regrouping them by backend."""
    return request.getfixturevalue(f"{request.param}_server")


@pytest.fixture(scope="module")
def throttled_server(tmp_path_factory):
    """A server on SQLite whose writes wait for the indexer past 1 MB of unindexed vectors (storage/backlog.py)."""
    started = start_server(tmp_path_factory.mktemp("compat-throttled") / "data", WEAVEBIND_DATABASE_URL="",
                           WEAVEBIND_PENDING_LIMIT_MB="1")
    yield started
    started.stop()


@pytest.fixture(scope="session")
def auth_server(tmp_path_factory):
    started = start_server(tmp_path_factory.mktemp("compat-auth") / "data", api_key=ADMIN_KEY)
    yield started
    started.stop()


def pinned_vectors() -> dict[tuple[str, str], list[float]]:
    """(request key, input) → vector for every input the module scenarios send (clients/modules.json)."""
    table = json.loads((CLIENTS / "modules.json").read_text())
    names, dim = table["concepts"], table["dim"]
    concepts = {name: [name] for name in names} | table["blends"]
    pins = {}
    for concept, parts in concepts.items():
        vector = [1.0 if name in parts else 0.0 for name in names] + [0.0] * (dim - len(names))
        pins["texts", concept] = vector
        for modality, key in table["media"].items():
            pins[key, base64.b64encode(f"{modality}:{concept}".encode()).decode()] = vector
    return pins


@contextmanager
def serve_with_modules(data: Path) -> Iterator[Server]:
    """A server with multi2vec-clip and multi2vec-bind enabled, each pointing at a fake inference container (a
    real HTTP server on a free port) that answers the vectors of clients/modules.json."""
    with ExitStack() as stack:
        urls = {mode: stack.enter_context(FakeServer(build_app(FakeInference(mode, fixed=pinned_vectors())))).url
                for mode in ("clip", "bind")}
        started = start_server(data, ENABLE_MODULES="multi2vec-clip,multi2vec-bind", CLIP_INFERENCE_API=urls["clip"],
                               BIND_INFERENCE_API=urls["bind"])
        try:
            yield started
        finally:
            started.stop()


@pytest.fixture(scope="session")
def module_server(tmp_path_factory):
    """One module server for the module scenarios (each uses its own class names). SQLite only: these scenarios
    test the vectorizer modules, whose objects take the same storage paths as the `server` scenarios'."""
    with serve_with_modules(tmp_path_factory.mktemp("compat-modules") / "data") as started:
        yield started


@pytest.fixture
def empty_module_server(tmp_path):
    """A module server of the test's own, for scenarios that depend on which classes exist (Explore)."""
    with serve_with_modules(tmp_path / "data") as started:
        yield started


def run_module_scenario(client: str, scenario: str, server: Server) -> str:
    return run_scenario(client, scenario, server, script=MODULE_SCRIPTS[client])


def run_scenario(client: str, scenario: str, server: Server, api_key: str | None = None,
                 script: Path | None = None) -> str:
    """Run one scenario of one client against `server`; fails the test with the client's own output."""
    env = ensure(client)
    variables = {**os.environ, **HERMETIC, "WB_HTTP_PORT": str(server.http_port),
                 "WB_GRPC_PORT": str(server.grpc_port), "WB_API_KEY": api_key or "",
                 "WB_TS_MODULES": str(env.path / "node_modules")}
    done = subprocess.run([*env.command(script or SCRIPTS[client]), scenario], env=variables, capture_output=True,
                          text=True, timeout=300)
    if done.returncode != 0:
        pytest.fail(f"{client} {scenario} failed ({done.returncode}):\n{done.stdout[-4000:]}\n{done.stderr[-6000:]}",
                    pytrace=False)
    return done.stdout
