"""Every RPC of weaviate.v1.Weaviate authenticates first (UNAUTHENTICATED without credentials, whatever the
request holds), and bytes protobuf cannot parse are the client's mistake: INVALID_ARGUMENT, no ERROR log."""

from __future__ import annotations

import importlib
import logging

import grpc
import pytest

from tests.server.grpc.test_search import KEYS
from weavebind.server.grpc.proto import weaviate_pb2_grpc

SERVICE = importlib.import_module(weaviate_pb2_grpc.__name__.removesuffix("_grpc")).DESCRIPTOR \
    .services_by_name["Weaviate"]
METHODS = {m.name: m.client_streaming for m in SERVICE.methods}
GARBAGE = b"\xff\xff\xff\x01not a protobuf message"


def _same(data: bytes) -> bytes:
    return data


def _call(rpc, method: str, payload: bytes, metadata=()) -> grpc.RpcError:
    """Send raw bytes to one RPC (a stream of one message for a streaming RPC); returns the error it answers."""
    path = f"/{SERVICE.full_name}/{method}"
    with pytest.raises(grpc.RpcError) as caught:
        if METHODS[method]:
            call = rpc.channel.stream_stream(path, request_serializer=_same, response_deserializer=_same)
            list(call(iter([payload]), metadata=metadata, timeout=30))
        else:
            call = rpc.channel.unary_unary(path, request_serializer=_same, response_deserializer=_same)
            call(payload, metadata=metadata, timeout=30)
    return caught.value


def test_the_service_has_the_rpcs_these_tests_cover():
    assert set(METHODS) == {"Search", "BatchObjects", "BatchReferences", "BatchDelete", "TenantsGet", "Aggregate",
                            "BatchStream"}


@pytest.mark.parametrize("method", sorted(METHODS))
@pytest.mark.parametrize("payload", [b"", GARBAGE])
def test_every_rpc_without_valid_credentials_is_unauthenticated(make_local_client, make_rpc, method, payload):
    rpc = make_rpc(make_local_client(**KEYS))
    for metadata in ((), (("authorization", "Bearer wrong-key"),)):
        error = _call(rpc, method, payload, metadata)
        assert error.code() == grpc.StatusCode.UNAUTHENTICATED, (error.code(), error.details())


def test_batch_stream_with_credentials_is_still_unimplemented(make_local_client, make_rpc):
    rpc = make_rpc(make_local_client(**KEYS))
    error = _call(rpc, "BatchStream", b"", (("authorization", "Bearer admin-key"),))
    assert error.code() == grpc.StatusCode.UNIMPLEMENTED and "BatchStream" in error.details()


@pytest.mark.parametrize("method", sorted(m for m, streaming in METHODS.items() if not streaming))
def test_bytes_protobuf_cannot_parse_are_invalid_argument_and_log_no_error(make_local_client, make_rpc, caplog,
                                                                           method):
    rpc = make_rpc(make_local_client(**KEYS))
    with caplog.at_level(logging.INFO):
        error = _call(rpc, method, GARBAGE, (("authorization", "Bearer admin-key"),))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, (error.code(), error.details())
    assert error.details().startswith("the request is not a valid protobuf message: Error parsing message")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
