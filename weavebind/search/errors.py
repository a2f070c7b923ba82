"""The error every query path raises for a request Weaviate would refuse; its message is Weaviate's text."""

from __future__ import annotations


class SearchError(Exception):
    """A query that cannot run as asked. GraphQL puts `message` into `errors` (HTTP 200, as Weaviate does);
    gRPC will map it to INVALID_ARGUMENT. `kind` lets a front end tell a missing thing from a bad request."""

    def __init__(self, message: str, kind: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.kind = kind
