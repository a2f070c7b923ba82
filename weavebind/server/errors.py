"""HTTP exception handlers: every failure leaves the server in the wire shape of `weavebind.errors`."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from weavebind.errors import ApiError, RouteError

log = logging.getLogger("weavebind.errors")


def error_response(error: ApiError) -> Response:
    return JSONResponse(error.body(), status_code=error.status)


async def handle_api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    if exc.status >= 500:
        log.error("%s %s failed: %s", request.method, request.url.path, exc.message)
    return error_response(exc)


async def handle_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        message = f"path {request.url.path} was not found"
    elif exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        message = f"method {request.method} is not allowed, but [{allowed}] are"
    else:
        message = str(exc.detail)
    return error_response(RouteError(message, status=exc.status_code))


async def handle_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error in %s %s", request.method, request.url.path)
    return error_response(ApiError(f"internal error: {type(exc).__name__}: {exc}"))


EXCEPTION_HANDLERS = {
    ApiError: handle_api_error,
    HTTPException: handle_http_exception,
    Exception: handle_unexpected,
}
