"""gRPC fixtures: the app (lifespan included, so its gRPC server runs on a free port) and a stub to call it."""

from __future__ import annotations

import grpc
import pytest

from weavebind.server.grpc.proto import weaviate_pb2_grpc


class Rpc:
    """Calls one app's gRPC server; `metadata` is sent with every call (e.g. an API key)."""

    def __init__(self, client, metadata=()):
        self.client = client
        self.channel = grpc.insecure_channel(f"127.0.0.1:{client.app.state.grpc_port}")
        self.stub = weaviate_pb2_grpc.WeaviateStub(self.channel)
        self.metadata = tuple(metadata)

    def __getattr__(self, method):
        call = getattr(self.stub, method)
        return lambda request, **kw: call(request, metadata=self.metadata, timeout=30, **kw)

    def error(self, method, request) -> grpc.RpcError:
        """Make a call that must fail; returns the error (its code() and details())."""
        with pytest.raises(grpc.RpcError) as caught:
            getattr(self, method)(request)
        return caught.value


@pytest.fixture
def make_rpc():
    opened: list[Rpc] = []

    def factory(client, metadata=()):
        rpc = Rpc(client, metadata)
        opened.append(rpc)
        return rpc

    yield factory
    for rpc in opened:
        rpc.channel.close()


@pytest.fixture
def rpc(client, make_rpc):
    """A stub for the default app (both SQL backends)."""
    return make_rpc(client)
