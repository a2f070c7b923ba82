"""Fixtures for the module tests: one fake CLIP and one fake BIND container per session, reset for every test,
and a server with both modules enabled against them."""

from __future__ import annotations

import pytest

from tests.fakes import FakeInference, FakeServer, build_app
from tests.rest import make_local_client  # noqa: F401  (fixture)


@pytest.fixture(scope="session")
def _fake_servers():
    clip, bind = FakeInference("clip"), FakeInference("bind")
    with FakeServer(build_app(clip)) as clip_server, FakeServer(build_app(bind)) as bind_server:
        yield {"clip": (clip, clip_server.url), "bind": (bind, bind_server.url)}


@pytest.fixture
def clip_fake(_fake_servers) -> FakeInference:
    fake, _ = _fake_servers["clip"]
    fake.reset()
    return fake


@pytest.fixture
def bind_fake(_fake_servers) -> FakeInference:
    fake, _ = _fake_servers["bind"]
    fake.reset()
    return fake


@pytest.fixture
def module_env(_fake_servers, clip_fake, bind_fake) -> dict[str, str]:
    """The environment of a server with both modules, each pointing at its (freshly reset) fake."""
    return {"ENABLE_MODULES": "multi2vec-clip,multi2vec-bind",
            "CLIP_INFERENCE_API": _fake_servers["clip"][1], "BIND_INFERENCE_API": _fake_servers["bind"][1]}


@pytest.fixture
def module_client(make_client, module_env, clip_fake, bind_fake):
    """A server (both SQL backends) with both modules; the fakes' start-up probes are forgotten."""
    client = make_client(**module_env)
    clip_fake.requests.clear()
    bind_fake.requests.clear()
    return client


@pytest.fixture
def local_module_client(make_local_client, module_env, clip_fake, bind_fake):  # noqa: F811
    """The same on SQLite only, for behaviour that does not depend on the SQL backend."""
    client = make_local_client(**module_env)
    clip_fake.requests.clear()
    bind_fake.requests.clear()
    return client
