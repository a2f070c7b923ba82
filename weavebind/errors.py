"""The error hierarchy shared by every layer; `weavebind.server.errors` turns it into HTTP answers.

Each error carries the HTTP status and the wire body Weaviate uses: `{"error": [{"message": ...}]}`. Route-level
failures that Weaviate answers through go-openapi (`{"code": ..., "message": ...}`: unknown path, malformed JSON, a
path parameter of the wrong format) carry both shapes, so a client that reads either finds it.
"""

from __future__ import annotations


class ApiError(Exception):
    """An error answered to the client with `status` and a message that says what is wrong."""

    status = 500

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status

    def body(self) -> dict:
        return {"error": [{"message": self.message}]}


class BadRequest(ApiError):
    status = 400


class Unauthorized(ApiError):
    status = 401


class Forbidden(ApiError):
    status = 403


class NotFound(ApiError):
    status = 404


class Conflict(ApiError):
    status = 409


class PayloadTooLarge(ApiError):
    status = 413


class Unprocessable(ApiError):
    status = 422


class RestrictionViolation(Unprocessable):
    """Schema 422s: Weaviate's RestrictionViolationResponse also serialises `"allowed": null`."""

    def body(self) -> dict:
        return {"error": [{"message": self.message}], "allowed": None}


class RouteError(ApiError):
    """An error Weaviate raises below its handlers (go-openapi); answered in both shapes."""

    def body(self) -> dict:
        return {"code": self.status, "message": self.message, "error": [{"message": self.message}]}
