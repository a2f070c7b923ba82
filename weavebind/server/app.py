"""The Starlette application: routes, error handlers, auth, and the lifespan that owns storage."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware

from weavebind.schema.objects import ObjectOptions, ObjectService
from weavebind.schema.service import SchemaOptions, SchemaService
from weavebind.server.auth import Authenticator, AuthMiddleware
from weavebind.server.errors import EXCEPTION_HANDLERS
from weavebind.server.routes import batch, meta, objects, schema
from weavebind.server.settings import Settings, load_settings
from weavebind.storage.store import Store

log = logging.getLogger("weavebind")


def _open_services(app: Starlette, settings: Settings) -> None:
    store = Store(settings.database_url, settings.data_path, use_gpu=settings.enable_cuda,
                  snapshot_seconds=settings.weavebind_index_snapshot_seconds,
                  sqlite_synchronous=settings.weavebind_sqlite_synchronous)
    schema_service = SchemaService(store, SchemaOptions(
        default_vectorizer=settings.default_vectorizer_module,
        default_distance=settings.default_vector_distance_metric,
        enabled_modules=settings.enable_modules,
    ))
    store.open(schema_service.load())
    app.state.store = store
    app.state.schema = schema_service
    app.state.objects = ObjectService(store, schema_service, ObjectOptions(
        autoschema=settings.autoschema_enabled, default_number=settings.autoschema_default_number))


def create_app(settings: Settings | None = None, port: int = 8080) -> Starlette:
    """Build the app. Settings are parsed now, so a malformed variable fails before the server listens."""
    settings = settings or load_settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await run_in_threadpool(_open_services, app, settings)
        app.state.ready = True
        log.info("weavebind ready: %d classes, database %s", len(app.state.schema.all()),
                 settings.database_url.split("@")[-1])
        try:
            yield
        finally:
            app.state.ready = False
            await run_in_threadpool(app.state.store.close)

    app = Starlette(
        routes=[*meta.routes, *schema.routes, *objects.routes, *batch.routes],
        exception_handlers=EXCEPTION_HANDLERS,
        middleware=[Middleware(AuthMiddleware, authenticator=Authenticator(settings))],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.port = port
    app.state.ready = False
    return app
