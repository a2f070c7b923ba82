"""A fake inference container: a real HTTP app speaking Weaviate's multi2vec-clip / multi2vec-bind container API.

It answers like the reference FastAPI apps (spec inference.md 1): `GET /.well-known/ready|live` → 204, `GET /meta`,
`POST /vectorize` parsed as JSON whatever the Content-Type, 422 `{"detail": [...]}` for a body FastAPI would
refuse, 500 `{"error": ...}` when vectorising fails. Vectors are derived from the inputs (`fake_vector`), so a
test can compute what the server must have stored; `fixed` pins chosen inputs to chosen vectors (golden values).
Every request is recorded. Run it with `FakeServer`, uvicorn on a free port in a thread.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

DIM = 8
CLIP_KEYS = {"texts": "textVectors", "images": "imageVectors"}
BIND_KEYS = {"texts": "textVectors", "images": "imageVectors", "audio": "audioVectors", "video": "videoVectors",
             "imu": "imuVectors", "thermal": "thermalVectors", "depth": "depthVectors"}
MEDIA_KEYS = {"images", "audio", "video", "imu", "thermal", "depth"}
UNREADABLE = b"not an image"  # media whose bytes start like this cannot be decoded by the fake's "model"
CLIP_META = {"clip_model": {"model_type": "clip", "projection_dim": DIM}, "text_model": {"model_type": "bert"}}
BIND_META = {"model": "ImageBindModel", "version": 1}


def fake_vector(request_key: str, payload: str) -> list[float]:
    """The vector the fake answers for one input: deterministic, different per modality and payload."""
    digest = hashlib.sha256(f"{request_key}:{payload}".encode()).digest()
    return [round(b / 127.5 - 1.0, 4) for b in digest[:DIM]]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class FakeInference:
    """The fake's behaviour and what it has seen; tests change the fields between requests."""

    mode: str                                        # "clip" or "bind"
    requests: list[Recorded] = field(default_factory=list)
    fixed: dict[tuple[str, str], list[float]] = field(default_factory=dict)  # (request key, payload) → vector
    not_ready_probes: int = 0                        # answer 503 to this many readiness probes first
    fail_status: int | None = None                   # answer every /vectorize with this status ...
    fail_body: bytes = b'{"error": "CUDA out of memory"}'  # ... and this body
    meta_status: int = 200
    latency_s: float = 0.0
    dim: int = DIM
    in_flight: int = 0                               # /vectorize requests being answered now ...
    max_in_flight: int = 0                           # ... and the most at any time

    def reset(self) -> None:
        self.requests.clear()
        self.fixed.clear()
        self.not_ready_probes, self.fail_status, self.meta_status, self.latency_s = 0, None, 200, 0.0
        self.fail_body = b'{"error": "CUDA out of memory"}'
        self.dim = DIM
        self.max_in_flight = 0  # in_flight is not reset: a slow request of the last test may still be running

    @property
    def vectorize_bodies(self) -> list[dict]:
        return [r.body for r in self.requests if r.path == "/vectorize"]

    @property
    def keys(self) -> dict[str, str]:
        return CLIP_KEYS if self.mode == "clip" else BIND_KEYS

    def vector(self, key: str, payload: str) -> list[float]:
        return self.fixed.get((key, payload)) or fake_vector(key, payload)[: self.dim]

    def answer(self, body: Any) -> Response:
        """The reply to a parsed `/vectorize` body, as the reference containers give it."""
        if self.fail_status is not None:
            return Response(self.fail_body, status_code=self.fail_status, media_type="application/json")
        if not isinstance(body, dict) or any(not isinstance(body.get(k, []), list) for k in self.keys):
            return JSONResponse({"detail": [{"type": "list_type", "loc": ["body"]}]}, status_code=422)
        if any(_unreadable(p) for k in MEDIA_KEYS & self.keys.keys() for p in body.get(k, [])):
            return JSONResponse({"error": "cannot identify image file <_io.BytesIO object at 0x7f3a>"},
                                status_code=500)
        return JSONResponse({out: [self.vector(key, p) for p in body.get(key, [])] for key, out in self.keys.items()})


def _unreadable(payload: Any) -> bool:
    try:
        return base64.b64decode(payload).startswith(UNREADABLE)
    except (binascii.Error, ValueError, TypeError):
        return True


def build_app(state: FakeInference) -> Starlette:
    async def ready(request: Request) -> Response:
        state.requests.append(Recorded("GET", "/.well-known/ready", dict(request.headers), None))
        if state.not_ready_probes > 0:
            state.not_ready_probes -= 1
            return Response(status_code=503)
        return Response(status_code=204)

    async def live(_request: Request) -> Response:
        return Response(status_code=204)

    async def meta(request: Request) -> Response:
        state.requests.append(Recorded("GET", "/meta", dict(request.headers), None))
        if state.meta_status != 200:
            return Response(b"upstream exploded", status_code=state.meta_status)
        return JSONResponse(CLIP_META if state.mode == "clip" else BIND_META)

    async def vectorize(request: Request) -> Response:
        raw = await request.body()
        try:  # FastAPI parses the body as JSON even without a Content-Type header
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return JSONResponse({"detail": [{"type": "json_invalid", "loc": ["body"]}]}, status_code=422)
        state.requests.append(Recorded("POST", "/vectorize", dict(request.headers), body))
        if state.latency_s:
            state.in_flight += 1
            state.max_in_flight = max(state.max_in_flight, state.in_flight)
            await asyncio.sleep(state.latency_s)
            state.in_flight -= 1
        return state.answer(body)

    return Starlette(routes=[
        Route("/.well-known/ready", ready, methods=["GET"]),
        Route("/.well-known/live", live, methods=["GET"]),
        Route("/meta", meta, methods=["GET"]),
        Route("/vectorize", vectorize, methods=["POST"]),
    ])


class FakeServer:
    """Serve an app with uvicorn on a free local port, in a daemon thread."""

    def __init__(self, app: Starlette):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> FakeServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the fake inference server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


def unused_url() -> str:
    """An http URL on which nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def to_floats(vector: Any) -> np.ndarray:
    return np.asarray(vector, dtype=np.float32)
