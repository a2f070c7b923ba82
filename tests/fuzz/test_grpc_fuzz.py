"""Random and malformed protobuf messages for every method of Weaviate's gRPC service.

For each method: messages with random field values (protobuf_strategies.py), and random bytes that may not parse
at all. No call may end in INTERNAL or UNKNOWN, every call answers within the time bound, a refused write leaves
the stored rows as they were, and the server still answers at the end.
"""

from __future__ import annotations

import functools
import importlib
import time
from collections import Counter

import grpc
import pytest
from google.protobuf import message_factory
from google.protobuf.message import DecodeError
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tests.fuzz import dataset
from tests.fuzz.conftest import HYPOTHESIS, REQUEST_SECONDS, examples
from tests.fuzz.protobuf_strategies import messages
from weavebind.server.grpc.proto import weaviate_pb2_grpc

SERVICE = importlib.import_module(weaviate_pb2_grpc.__name__.removesuffix("_grpc")).DESCRIPTOR.services_by_name[
    "Weaviate"]
METHODS = {m.name: m for m in SERVICE.methods}
WRITES = {"BatchObjects", "BatchDelete", "BatchReferences", "BatchStream"}
FAULTS = {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN, grpc.StatusCode.DEADLINE_EXCEEDED,
          grpc.StatusCode.UNAVAILABLE}
CODES: Counter = Counter()
SLOWEST = [0.0]


@pytest.fixture(scope="module")
def channel(live):
    with grpc.insecure_channel(live.grpc_target) as opened:
        yield opened
    print(f"\ngRPC fuzz: {sum(CODES.values())} calls, codes {dict(sorted(CODES.items()))}, "
          f"slowest {SLOWEST[0]:.2f} s")


@functools.cache
def requests(method: str) -> st.SearchStrategy:
    return messages(METHODS[method].input_type)


def call(channel, method: str, payload: bytes) -> grpc.StatusCode:
    """Send `payload` as the request bytes; the reply is not decoded (only the status matters)."""
    path = f"/{SERVICE.full_name}/{method}"
    try:
        if METHODS[method].client_streaming:
            replies = channel.stream_stream(path)(iter([payload]), timeout=REQUEST_SECONDS)
            for _ in replies:
                pass
        else:
            channel.unary_unary(path)(payload, timeout=REQUEST_SECONDS)
    except grpc.RpcError as exc:
        return exc.code()
    return grpc.StatusCode.OK


def check(live, channel, method: str, payload: bytes, shown) -> None:
    before = dataset.digest(live.store) if method in WRITES else None
    started = time.monotonic()
    code = call(channel, method, payload)
    elapsed = time.monotonic() - started
    CODES[f"{method} {code.name}"] += 1
    SLOWEST[0] = max(SLOWEST[0], elapsed)
    assert code not in FAULTS, f"{method} -> {code.name}: {shown()}"
    assert elapsed < REQUEST_SECONDS, f"{method} took {elapsed:.1f} s: {shown()}"
    if before is not None and code != grpc.StatusCode.OK:
        assert dataset.digest(live.store) == before, f"a refused {method} changed stored data: {shown()}"


@pytest.mark.parametrize("method", sorted(METHODS))
@settings(max_examples=examples(100), **HYPOTHESIS)
@given(data=st.data())
def test_random_messages(fixed, channel, method, data):
    request = data.draw(requests(method), label="request")
    check(fixed, channel, method, request.SerializeToString(), lambda: str(request)[:2000])


def parses(method: str, payload: bytes) -> bool:
    try:
        message_factory.GetMessageClass(METHODS[method].input_type).FromString(payload)
    except DecodeError:
        return False
    return True


@functools.cache
def corrupted(method: str) -> st.SearchStrategy[bytes]:
    """A valid message's bytes cut short, with a byte changed, or with random bytes inserted."""
    valid = requests(method).map(lambda m: m.SerializeToString())
    how = st.sampled_from(["cut", "set", "ins"])
    edit = st.tuples(valid, st.integers(0, 10_000), st.binary(min_size=1, max_size=8), how)

    def apply(args) -> bytes:
        data, at, junk, how = args
        at %= len(data) + 1
        return {"cut": data[:at], "set": data[:at] + junk[:1] + data[at + 1:], "ins": data[:at] + junk + data[at:]}[how]

    return st.one_of(st.binary(max_size=300), edit.map(apply))


@pytest.mark.parametrize("method", sorted(METHODS))
@settings(max_examples=examples(25), **HYPOTHESIS)
@given(data=st.data())
def test_random_bytes(fixed, channel, method, data):
    payload = data.draw(corrupted(method), label="payload")
    # Bytes protobuf cannot parse at all are test_unparsable_bytes' (a known fault, see there).
    assume(parses(method, payload))
    check(fixed, channel, method, payload, lambda: repr(payload))


UNPARSABLE = [b"\x00", b"\xff" * 6, b"\x0a\x05ab", b"\x12\x80\x80\x80\x80\x10"]


@pytest.mark.parametrize("method", sorted(set(METHODS) - {"BatchStream"}))
def test_unparsable_bytes(live, channel, method):
    for payload in UNPARSABLE:
        assert not parses(method, payload)
        check(live, channel, method, payload, lambda p=payload: repr(p))


def test_unparsable_bytes_on_the_stream(live, channel):
    # BatchStream refuses every call before reading a message, so what it is sent does not matter.
    for payload in UNPARSABLE:
        check(live, channel, "BatchStream", payload, lambda p=payload: repr(p))


def test_server_alive_after_fuzzing(live, channel):
    # A well-formed call still succeeds after everything above.
    request = message_factory.GetMessageClass(METHODS["TenantsGet"].input_type)(collection="Note")
    assert call(channel, "TenantsGet", request.SerializeToString()) == grpc.StatusCode.OK
    assert live.alive()
