"""What every Weaviate RPC shares: API-key auth from the call metadata, and errors as gRPC status codes.

The v4 client retries UNAVAILABLE (for a minute, or forever for batches), so no error of ours is ever answered with
it: client mistakes are INVALID_ARGUMENT / NOT_FOUND, credentials UNAUTHENTICATED / PERMISSION_DENIED, our own
failures INTERNAL.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import grpc
from google.protobuf.message import DecodeError

from weavebind import heap
from weavebind.errors import ApiError
from weavebind.schema.owned import Owned
from weavebind.search.errors import SearchError
from weavebind.server.auth import Authenticator

log = logging.getLogger("weavebind.grpc")

Reply = TypeVar("Reply")
Handler = Callable[[Any, Any, grpc.aio.ServicerContext], Awaitable[Reply]]

_BY_HTTP_STATUS = {
    400: grpc.StatusCode.INVALID_ARGUMENT,
    401: grpc.StatusCode.UNAUTHENTICATED,
    403: grpc.StatusCode.PERMISSION_DENIED,
    404: grpc.StatusCode.NOT_FOUND,
    422: grpc.StatusCode.INVALID_ARGUMENT,
    501: grpc.StatusCode.UNIMPLEMENTED,
}


def status_of(error: ApiError) -> grpc.StatusCode:
    """The gRPC code for an error that REST answers with `error.status`."""
    code = _BY_HTTP_STATUS.get(error.status)
    if code is not None:
        return code
    return grpc.StatusCode.INVALID_ARGUMENT if error.status < 500 else grpc.StatusCode.INTERNAL


def _authorization(context: grpc.aio.ServicerContext) -> str | None:
    for key, value in context.invocation_metadata() or ():
        if key == "authorization":  # gRPC lower-cases metadata keys
            return value if isinstance(value, str) else value.decode("latin-1")
    return None


class Unparsable:
    """What a request deserializer yields for bytes protobuf cannot parse. grpc's own handling of a failing
    deserializer logs a traceback and answers INTERNAL before any credentials are looked at; this placeholder lets
    the call authenticate first and then answer INVALID_ARGUMENT."""

    def __init__(self, message_type: str, reason: str):
        self.message_type = message_type
        self.reason = reason


def tolerant(deserializer: Callable[[bytes], Any] | None) -> Callable[[bytes], Any] | None:
    """`deserializer` (a message class's FromString), answering `Unparsable` instead of raising on bad bytes."""
    if deserializer is None:
        return None
    message_type = getattr(getattr(deserializer, "__self__", None), "__name__", "request")

    def parse(data: bytes) -> Any:
        try:
            return deserializer(data)
        except DecodeError as exc:
            return Unparsable(message_type, str(exc) or "truncated or malformed message")

    return parse


def sized(deserializer: Callable[[bytes], Any] | None) -> Callable[[bytes], tuple[Any, int]]:
    """`deserializer`, answering (what it parsed, the size of the bytes) for `reading_itself`."""
    parse = deserializer or (lambda data: data)
    return lambda data: (parse(data), len(data))


def reading_itself(unary: Handler) -> Callable[[Any, grpc.aio.ServicerContext], Awaitable[Any]]:
    """A unary-unary handler as the stream-unary handler the server registers instead, its deserializer wrapped by
    `sized` (the wire format is the same, so clients cannot tell). grpc's unary path holds the received bytes and
    the parsed message until the call ends; `context.read()` drops the bytes once parsed, and the handler gets the
    message as `Owned`. A call that ends without a message is refused like bytes that do not parse."""

    async def call(_request_iterator: Any, context: grpc.aio.ServicerContext) -> Any:
        read = await context.read()
        if read is grpc.aio.EOF:
            read = (Unparsable("request", "the call carried no request message"), 0)
        message, size = read
        del read
        if size >= heap.LARGE:  # gRPC's core received it in many small slices, freed into the heap
            heap.trim()
        request = message if isinstance(message, Unparsable) else Owned(message)
        del message
        return await unary(request, context)

    return call


def authenticate(authenticator: Authenticator, context: grpc.aio.ServicerContext, operation: str,
                 read: bool) -> None:
    """Raise ApiError (401/403) unless the call's credentials may make `operation`."""
    principal = authenticator.authenticate(_authorization(context))
    authenticator.authorize_operation(principal, read, operation)


def rpc(operation: str, read: bool) -> Callable[[Handler], Handler]:
    """Wrap a servicer method: authenticate and authorize the caller like REST, then map failures to status codes.

    `operation` names the call in permission errors; `read` says whether read-only users may make it."""

    def wrap(method: Handler) -> Handler:
        @functools.wraps(method)
        async def call(self: Any, request: Any, context: grpc.aio.ServicerContext) -> Any:
            authenticator: Authenticator = self.authenticator
            try:
                authenticate(authenticator, context, operation, read)
                if isinstance(request, Unparsable):
                    raise ApiError(f"the request is not a valid protobuf message: {request.reason}", status=400)
                return await method(self, request, context)
            except ApiError as exc:
                if exc.status >= 500:
                    log.error("%s failed: %s", operation, exc.message)
                await context.abort(status_of(exc), exc.message)
            except SearchError as exc:
                code = grpc.StatusCode.NOT_FOUND if exc.kind == "missing" else grpc.StatusCode.INVALID_ARGUMENT
                await context.abort(code, exc.message)
            except grpc.aio.AbortError:
                raise
            except Exception as exc:  # a bug: answer INTERNAL (never UNAVAILABLE, which clients retry)
                log.exception("unexpected error in %s", operation)
                await context.abort(grpc.StatusCode.INTERNAL, f"internal error: {type(exc).__name__}: {exc}")

        return call

    return wrap
