"""The Starlette application: routes, error handlers, auth, and the lifespan that owns storage."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware

from weavebind import blas, heap
from weavebind.metrics import watch_store
from weavebind.schema.backups import BackupService
from weavebind.schema.defaults import filter_strategy_for
from weavebind.schema.objects import ObjectOptions, ObjectService
from weavebind.schema.service import SchemaOptions, SchemaService
from weavebind.server.auth import Authenticator, AuthMiddleware
from weavebind.server.backup_modules import backup_backends
from weavebind.server.cluster import ChangeSync
from weavebind.server.errors import EXCEPTION_HANDLERS
from weavebind.server.graphql_lane import GraphQLLane
from weavebind.server.grpc.server import start_grpc, stop_grpc
from weavebind.server.monitoring import HttpMetrics, start_metrics
from weavebind.server.routes import (
    aliases,
    backups,
    batch,
    graphql,
    meta,
    nodes,
    objects,
    references,
    schema,
    shards,
    tenants,
)
from weavebind.server.settings import Settings, load_settings
from weavebind.storage.store import Store
from weavebind.vectorizers.registry import ModuleRegistry

log = logging.getLogger("weavebind")
# Threads for request work that must not run on the event loop (SQL writes, filters, inference calls; see
# server/http.py `blocking`). More than the cores, because much of that work waits on I/O. A plain executor
# hands work over in about half the time of anyio's thread pool (bench/query_bench.py, threaded GraphQL path).
WORKER_THREADS = 32


def index_role(worker_id: int | None) -> str:
    """"own": build and search its own indexes (one process, or a node); "publish": worker 0, which also writes
    them for its siblings; "map": the other workers, which search what worker 0 published (storage/indexes.py)."""
    if worker_id is None:
        return "own"
    return "publish" if worker_id == 0 else "map"


def _open_services(app: Starlette, settings: Settings, modules: ModuleRegistry) -> None:
    store = Store(settings.database_url, settings.data_path, use_gpu=settings.enable_cuda,
                  snapshot_seconds=settings.weavebind_index_snapshot_seconds,
                  sqlite_synchronous=settings.weavebind_sqlite_synchronous, shared=settings.shares_database,
                  index_role=index_role(app.state.worker_id),
                  pending_limit_bytes=settings.weavebind_pending_limit_mb << 20)
    schema_service = SchemaService(store, SchemaOptions(
        default_vectorizer=settings.default_vectorizer_module,
        default_distance=settings.default_vector_distance_metric,
        default_filter_strategy=filter_strategy_for(settings.weavebind_weaviate_version),
        enabled_modules=settings.enable_modules,
        validate_module=modules.validate,
    ))
    store.open(schema_service.load())
    watch_store(store, settings.prometheus_multiproc_dir if settings.prometheus_monitoring_enabled else "")
    app.state.store = store
    app.state.schema = schema_service
    app.state.backups = BackupService(schema_service, backup_backends(settings), settings.data_path / "backup-staging")
    app.state.objects = ObjectService(store, schema_service, ObjectOptions(
        autoschema=settings.autoschema_enabled, default_number=settings.autoschema_default_number,
        vectorize=modules.vectorize_records, vectorizable=modules.vectorizable_properties))


async def _start_grpc(app: Starlette, authenticator: Authenticator, host: str, port: int):
    try:
        return await start_grpc(app.state, authenticator, host, port)
    except BaseException:
        await run_in_threadpool(app.state.store.close)  # storage is open by now; close it before giving up
        raise


def create_app(settings: Settings | None = None, port: int = 8080, host: str = "127.0.0.1",
               worker_id: int | None = None) -> Starlette:
    """Build the app. Settings are parsed now, so a malformed variable fails before the server listens.
    `host` is where the gRPC server listens (GRPC_PORT); the CLI passes the HTTP server's `--host`. `worker_id`:
    this process is one of `weavebind serve --workers N` (0 builds and publishes the vector indexes)."""
    settings = settings or load_settings()
    blas.one_thread_per_call()  # requests run side by side: a product inside one stays on its thread (blas.py)
    heap.tune()  # large request bodies' copies are given back to the system once freed (heap.py)
    authenticator = Authenticator(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        workers = ThreadPoolExecutor(max_workers=WORKER_THREADS, thread_name_prefix="weavebind-worker")
        asyncio.get_running_loop().set_default_executor(workers)
        modules = ModuleRegistry(settings)
        metrics_server = None
        app.state.modules = modules
        try:
            # Before storage opens: a container that never gets ready, or a metrics port in use, stops start-up
            # with no storage to close.
            await run_in_threadpool(modules.start)
            metrics_server = start_metrics(host, settings)
            await run_in_threadpool(_open_services, app, settings, modules)
            graphql.install(app)
            grpc_server = await _start_grpc(app, authenticator, host, settings.grpc_port)
        except BaseException:
            if metrics_server is not None:
                metrics_server.shutdown()
            modules.close()
            workers.shutdown(wait=False)
            raise
        app.state.ready = True
        log.info("weavebind ready: %d classes, database %s", len(app.state.schema.all()),
                 settings.database_url.split("@")[-1])
        try:
            yield
        finally:
            app.state.ready = False
            await stop_grpc(grpc_server)  # drain gRPC calls while storage is still open
            if metrics_server is not None:
                metrics_server.shutdown()
            await run_in_threadpool(app.state.store.close)
            modules.close()
            workers.shutdown(wait=False)

    app = Starlette(
        routes=[*meta.routes, *schema.routes, *shards.routes, *tenants.routes, *aliases.routes, *objects.routes,
                *references.routes, *batch.routes, *graphql.routes, *nodes.routes, *backups.routes],
        exception_handlers=EXCEPTION_HANDLERS,
        middleware=[Middleware(HttpMetrics), Middleware(AuthMiddleware, authenticator=authenticator),
                    Middleware(ChangeSync), Middleware(GraphQLLane)],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.worker_id = worker_id
    app.state.port = port
    app.state.ready = False
    return app
