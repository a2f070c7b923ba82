"""API-key authentication and admin-list authorization, Weaviate's model (spec: AUTHENTICATION_*/AUTHORIZATION_*).

Anonymous requests are allowed when AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED is true (the default). A request that
sends a key must send a valid one (401 otherwise). With the admin list on, admins may do everything, read-only
users may only read (GET, HEAD and GraphQL queries), everybody else gets 403.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from weavebind.errors import ApiError, Forbidden, RouteError
from weavebind.server.errors import error_response
from weavebind.server.settings import Settings

PUBLIC_PREFIXES = ("/v1/.well-known/",)
READ_METHODS = ("GET", "HEAD", "OPTIONS")
READ_PATHS = ("/v1/graphql", "/v1/graphql/batch")


@dataclass(frozen=True)
class Principal:
    username: str | None  # None = anonymous


class Authenticator:
    def __init__(self, settings: Settings):
        self.settings = settings
        keys = settings.authentication_apikey_allowed_keys if settings.authentication_apikey_enabled else ()
        users = settings.authentication_apikey_users
        self.users_by_key = {key: users[0] if len(users) == 1 else users[i] for i, key in enumerate(keys)}

    def authenticate(self, authorization: str | None) -> Principal:
        if not authorization:
            if self.settings.authentication_anonymous_access_enabled:
                return Principal(None)
            raise RouteError("anonymous access not enabled, please provide an auth scheme such as an API key "
                             "(Authorization: Bearer <key>)", status=401)
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise RouteError("unauthorized: the Authorization header must be 'Bearer <api key>'", status=401)
        for key, user in self.users_by_key.items():
            if hmac.compare_digest(key.encode(), token.strip().encode()):
                return Principal(user)
        raise RouteError("unauthorized: invalid api key", status=401)

    def authorize(self, principal: Principal, method: str, path: str) -> None:
        is_read = method in READ_METHODS or (method == "POST" and path in READ_PATHS)
        self.authorize_operation(principal, is_read, f"{method} {path}")

    def authorize_operation(self, principal: Principal, is_read: bool, operation: str) -> None:
        """The admin-list check for any front end (REST, gRPC); `operation` names the call in the 403."""
        if not self.settings.authorization_adminlist_enabled:
            return
        name = principal.username
        if name is not None and name in self.settings.authorization_adminlist_users:
            return
        if is_read and name is not None and name in self.settings.authorization_adminlist_readonly_users:
            return
        who = f"user '{name}'" if name is not None else "anonymous user"
        raise Forbidden(f"forbidden: {who} has insufficient permissions to {operation}")


class AuthMiddleware:
    """Pure ASGI middleware: checks every request but the well-known probes; stores the principal in scope."""

    def __init__(self, app: ASGIApp, authenticator: Authenticator):
        self.app = app
        self.authenticator = authenticator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(PUBLIC_PREFIXES):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        raw = headers.get(b"authorization")
        try:
            principal = self.authenticator.authenticate(raw.decode("latin-1") if raw else None)
            self.authenticator.authorize(principal, scope["method"], scope["path"].rstrip("/"))
        except ApiError as exc:
            await error_response(exc)(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)
