"""A live weavebind server on loopback for the fuzzers, with the fixed data set of dataset.py.

The server runs in this process (uvicorn in a thread, lifespan on) so a test can reach its storage for the digest
of stored rows; requests still go over real HTTP and gRPC sockets. How many examples each fuzzer tries is set by
WEAVEBIND_FUZZ_EXAMPLES (a multiplier on the CI defaults, e.g. 20 for a long local run).
"""

from __future__ import annotations

import os
import socket
import threading
import time

import httpx
import pytest
import uvicorn
from hypothesis import HealthCheck

from tests.fuzz import dataset
from weavebind.server.app import create_app
from weavebind.server.settings import load_settings

# Each request must answer within this many seconds; the slowest fuzzed request in CI takes well under one.
REQUEST_SECONDS = 10.0


def examples(ci_default: int) -> int:
    """Examples per property: the CI default times WEAVEBIND_FUZZ_EXAMPLES (1 when unset)."""
    return ci_default * max(1, int(os.environ.get("WEAVEBIND_FUZZ_EXAMPLES", "1")))


# CI runs the same examples every time (a failure is never a fluke of the draw); a longer local run with
# WEAVEBIND_FUZZ_EXAMPLES set draws new ones on each run. No example database: nothing is written to the checkout.
HYPOTHESIS = dict(deadline=None, derandomize="WEAVEBIND_FUZZ_EXAMPLES" not in os.environ, database=None,
                  suppress_health_check=list(HealthCheck))


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.http = httpx.Client(base_url=self.url, timeout=REQUEST_SECONDS)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not (self.server.started and getattr(self.app.state, "ready", False)):
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("weavebind did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.http.close()
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()

    @property
    def store(self):
        return self.app.state.store

    @property
    def grpc_target(self) -> str:
        return f"127.0.0.1:{self.app.state.grpc_port}"

    def alive(self) -> bool:
        return self.thread.is_alive() and self.http.get("/v1/.well-known/ready").status_code == 200


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    data = tmp_path_factory.mktemp("fuzz")
    settings = load_settings({"PERSISTENCE_DATA_PATH": str(data), "GRPC_PORT": "0",
                              "WEAVEBIND_DATABASE_URL": f"sqlite:///{data / 'weavebind.sqlite3'}"})
    server = LiveServer(create_app(settings))
    server.start()
    dataset.seed(server.http)
    server.pristine = dataset.digest(server.store)
    yield server
    assert server.alive(), "the server died during fuzzing"
    server.stop()


@pytest.fixture
def fixed(live):
    """The server with the data set as seeded: reset first when an earlier successful request changed it."""
    if dataset.digest(live.store) != live.pristine:
        dataset.reset(live.http)
        live.pristine = dataset.digest(live.store)
    return live
