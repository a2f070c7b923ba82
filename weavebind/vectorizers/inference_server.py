"""`weavebind inference --module multi2vec-clip|multi2vec-bind`: the local models over the HTTP API of Weaviate's
inference containers (spec inference.md 1), so Weaviate (`CLIP_INFERENCE_API`, `BIND_INFERENCE_API`) or weavebind's
remote client can use either this server or the containers.

- `GET /.well-known/live` → 204; `GET /.well-known/ready` → 204 once the model is loaded, 503 before (the model
  starts loading when the server starts, as the containers load theirs before they answer). `HEAD` on both only
  for multi2vec-bind, whose app declares it; elsewhere 405 as FastAPI answers undeclared methods.
- `GET /meta` → the container's meta JSON.
- `POST /vectorize` → 200 with the vectors; 422 `{"detail": [...]}` for a body FastAPI would refuse (not JSON,
  not an object, a field that is not a list); 500 `{"error": "..."}` when vectorising fails, unreadable media
  included, exactly as the containers answer (Weaviate's clients and weavebind's isolate that object).
The body is parsed as JSON whatever the Content-Type says: Weaviate's multi2vec-bind client sends none.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from weavebind.vectorizers.models.errors import BadInferenceRequest
from weavebind.vectorizers.models.requests import REQUEST_KEYS, problem

if TYPE_CHECKING:
    from weavebind.vectorizers.models.local import LocalInference

log = logging.getLogger("weavebind.inference_server")
MODULES = tuple(REQUEST_KEYS)


def json_response(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status, media_type="application/json")


class _Endpoints:
    def __init__(self, inference: LocalInference, preload: bool):
        self.inference = inference
        self.preload = preload
        self.head_ok = inference.module == "multi2vec-bind"  # only the BIND app declares HEAD

    def refused(self, request: Request) -> Response | None:
        if request.method == "HEAD" and not self.head_ok:
            return Response(orjson.dumps({"detail": "Method Not Allowed"}), 405, {"Allow": "GET"},
                            media_type="application/json")
        return None

    async def live(self, request: Request) -> Response:
        return self.refused(request) or Response(status_code=204)

    async def ready(self, request: Request) -> Response:
        if refused := self.refused(request):
            return refused
        if self.inference.loaded:
            return Response(status_code=204)
        error = self.inference.load_error
        return json_response({"error": str(error) if error else "the model is loading"}, 503)

    async def meta(self, request: Request) -> Response:
        if refused := self.refused(request):
            return refused
        try:
            return json_response(await run_in_threadpool(self.inference.meta))
        except Exception as exc:  # noqa: BLE001 - the container answers any failure this way
            return json_response({"error": str(exc)}, 500)

    async def vectorize(self, request: Request) -> Response:
        return await _vectorize(self.inference, await request.body())

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        if self.preload:
            threading.Thread(target=_preload, args=(self.inference,), name="model-load", daemon=True).start()
        yield
        self.inference.close()


def create_app(inference: LocalInference, preload: bool = True) -> Starlette:
    """The container API over `inference`; `preload` starts loading the model with the server."""
    endpoints = _Endpoints(inference, preload)
    return Starlette(routes=[
        Route("/.well-known/live", endpoints.live, methods=["GET"]),
        Route("/.well-known/ready", endpoints.ready, methods=["GET"]),
        Route("/meta", endpoints.meta, methods=["GET"]),
        Route("/vectorize", endpoints.vectorize, methods=["POST"]),
    ], lifespan=endpoints.lifespan)


async def _vectorize(inference: LocalInference, raw: bytes) -> Response:
    if not raw.strip():
        return json_response({"detail": [problem("missing", ["body"], "Field required", None)]}, 422)
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        detail = problem("json_invalid", ["body", exc.pos], "JSON decode error", {}) | {"ctx": {"error": exc.msg}}
        return json_response({"detail": [detail]}, 422)
    try:
        return json_response(await run_in_threadpool(inference.vectorize, body))
    except BadInferenceRequest as exc:
        return json_response({"detail": exc.detail}, 422)
    except Exception as exc:  # noqa: BLE001 - as the containers: log it, answer 500 {"error": str(e)}
        log.warning("%s: vectorize failed: %s", inference.module, exc)
        return json_response({"error": getattr(exc, "message", None) or str(exc)}, 500)


def _preload(inference: LocalInference) -> None:
    try:
        inference.load()
    except Exception:  # noqa: BLE001 - kept in load_error; /ready and /vectorize report it
        pass


# -- command line -------------------------------------------------------------------------------------------
def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", nargs="?", choices=("serve", "download"), default="serve",
                        help="serve (default), or download: fetch the weights into models/ (CLIP) or "
                             ".checkpoints/ (ImageBind), as the container's download.py bakes them into an image")
    parser.add_argument("--module", required=True, choices=MODULES)
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=8080)


def run(args: argparse.Namespace, settings: Any) -> int:
    """`weavebind inference ...` with the parsed settings table."""
    from weavebind.vectorizers.models.local import create
    from weavebind.vectorizers.models.options import ModelOptions

    try:
        options = ModelOptions.from_settings(settings)
    except ValueError as exc:
        log.error("%s", exc)
        return 2
    if args.action == "download":
        return download(args.module, options)
    import uvicorn

    app = create_app(create(args.module, settings))
    uvicorn.run(app, host=args.host, port=args.port, log_level=settings.log_level.lower())
    return 0


def download(module: str, options: Any) -> int:
    from weavebind.vectorizers.models.errors import ModelUnavailable

    try:
        if module == "multi2vec-clip":
            from weavebind.vectorizers.models.clip_backend import download as fetch_clip

            targets = fetch_clip(options)
        else:
            from weavebind.vectorizers.models import imagebind_backend as bind

            target = Path(options.bind_checkpoint) if options.bind_checkpoint else bind.candidates()[0]
            targets = [target if target.is_file() else bind.download(target)]
    except ModelUnavailable as exc:
        log.error("%s", exc.message)
        return 1
    log.info("%s: ready in %s", module, ", ".join(map(str, targets)))
    return 0
