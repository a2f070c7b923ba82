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

from weavebind.errors import ApiError
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
