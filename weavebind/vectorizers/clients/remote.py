"""The remote inference client: Weaviate's multi2vec container API over HTTP (spec inference.md 1 and 1.6).

`POST {url}/vectorize` with `{"texts": [...], "images": [...], ...}` (empty lists left out, as Go's `omitempty`
leaves them out), answered `{"textVectors": [[...]], ...}` in input order; `GET /meta`; `GET /.well-known/ready`.
The error texts follow Weaviate's clients (`send POST request: ...`, `failed to parse vectorization response
(status N): ...`, `fail with status N: ...`) behind a prefix naming the module and the URL.

The client is synchronous: the server calls modules from worker threads (storage work is blocking too), and a
batch's requests are fanned out by the module over a thread pool. A semaphore bounds the requests in flight to
one container, whoever sends them.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import numpy as np
import orjson

from weavebind.metrics import inference_done
from weavebind.vectorizers.base import MODALITY_BY_NAME, InferenceRejected, VectorizerError

log = logging.getLogger("weavebind.inference")

# Only a connection that broke before an answer is worth resending (Weaviate's retry_transport: EOF, ECONNRESET,
# EPIPE on a pooled connection): a keep-alive connection the container closed while idle. A refused connection
# or a timeout is not retried; the container is down or busy and a retry would only add load and latency.
BROKEN_CONNECTION = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)
RETRY_PAUSES_S = (0.05, 0.25)
READY_PROBE_TIMEOUT_S = 0.5
READY_POLL_INTERVAL_S = 1.0
# /v1/meta is what clients call when they connect; a hung container must not hold that up for the full timeout.
META_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class WireFormat:
    """Where Weaviate's two clients differ: multi2vec-clip sends `Content-Type: application/json` and fails on
    status > 399; multi2vec-bind sends no Content-Type and fails on any status but 200."""

    json_content_type: bool
    only_200_ok: bool


class RemoteInferenceClient:
    def __init__(self, module: str, base_url: str, wire: WireFormat, timeout_s: float, concurrency: int,
                 transport: httpx.BaseTransport | None = None):
        self.module = module
        self.base_url = base_url.rstrip("/")
        self.wire = wire
        self.timeout_s = timeout_s
        self.slots = threading.BoundedSemaphore(concurrency)
        self.http = httpx.Client(timeout=timeout_s, follow_redirects=False, transport=transport,
                                 limits=httpx.Limits(max_connections=concurrency,
                                                     max_keepalive_connections=concurrency))

    def close(self) -> None:
        self.http.close()

    # -- vectorize -------------------------------------------------------------------------------------------
    def vectorize(self, inputs: Mapping[str, Sequence[str]], url: str | None = None) -> dict[str, np.ndarray]:
        endpoint = f"{(url or self.base_url).rstrip('/')}/vectorize"
        body = {MODALITY_BY_NAME[m].request_key: list(items) for m, items in inputs.items() if items}
        headers = {"Content-Type": "application/json"} if self.wire.json_content_type else {}
        started = time.perf_counter()
        with self.slots:
            response = self._send("POST", endpoint, orjson.dumps(body), headers, self.timeout_s)
        inference_done(self.module, "remote", sum(len(items) for items in body.values()), started)
        data = self._parse(endpoint, response)
        return {m: self._vectors(endpoint, data, m, len(items)) for m, items in inputs.items() if items}

    def _fail(self, method: str, endpoint: str, detail: str, status: int = 502) -> VectorizerError:
        return VectorizerError(f"{self.module}: {method} {endpoint}: {detail}", status)

    def _send(self, method: str, url: str, content: bytes | None, headers: dict[str, str],
              timeout_s: float) -> httpx.Response:
        """One request, resent only over a broken connection; `timeout_s` covers every attempt."""
        deadline = time.monotonic() + timeout_s
        for attempt in range(len(RETRY_PAUSES_S) + 1):
            remaining = deadline - time.monotonic()
            try:
                if remaining <= 0:
                    raise httpx.TimeoutException("timeout exceeded")
                return self.http.request(method, url, content=content, headers=headers, timeout=remaining)
            except BROKEN_CONNECTION as exc:
                if attempt == len(RETRY_PAUSES_S):
                    raise self._fail(method, url, f"send {method} request: {exc}") from None
                pause = RETRY_PAUSES_S[attempt]
                log.warning("%s: %s %s: connection broke (%s); resending", self.module, method, url, exc)
                time.sleep(pause + random.uniform(0, pause))
            except httpx.TimeoutException as exc:
                raise self._fail(method, url, f"send {method} request: timed out after {timeout_s:g}s "
                                 f"(MODULES_CLIENT_TIMEOUT): {exc}", status=504) from None
            except httpx.ConnectError as exc:
                raise self._fail(method, url, f"send {method} request: cannot connect: {exc}", status=503) from None
            except httpx.HTTPError as exc:
                raise self._fail(method, url, f"send {method} request: {exc}") from None
        raise AssertionError("unreachable")

    def _parse(self, endpoint: str, response: httpx.Response) -> dict[str, Any]:
        status = response.status_code
        # Weaviate reads the body before it looks at the status, so a non-JSON error page reports the parse error.
        try:
            data = orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise self._fail("POST", endpoint, f"failed to parse vectorization response (status {status}): {exc}; "
                             f"body: {response.text[:200]!r}") from None
        if not isinstance(data, dict):
            raise self._fail("POST", endpoint, f"failed to parse vectorization response (status {status}): "
                             f"expected a JSON object, got {type(data).__name__}")
        failed = status != 200 if self.wire.only_200_ok else status > 399
        if failed:
            error = data.get("error") or ""
            detail = f"fail with status {status}: {error}" if error else f"fail with status {status}"
            if status == 422 and "detail" in data:  # FastAPI refused the request body itself
                detail += f" {orjson.dumps(data['detail']).decode()[:300]}"
            if status == 500 and isinstance(error, str) and error:
                raise InferenceRejected(f"{self.module}: POST {endpoint}: {detail}")
            raise self._fail("POST", endpoint, detail)
        return data

    def _vectors(self, endpoint: str, data: dict[str, Any], modality: str, count: int) -> np.ndarray:
        key = MODALITY_BY_NAME[modality].response_key
        raw = data.get(key)
        try:
            vectors = np.asarray(raw if raw is not None else [], dtype=np.float32)
        except (TypeError, ValueError) as exc:
            raise self._fail("POST", endpoint, f"failed to parse vectorization response: {key}: {exc}") from None
        if vectors.ndim != 2 or len(vectors) != count:
            got = len(raw) if isinstance(raw, list) else 0
            raise self._fail("POST", endpoint, f"inputs are not equal to vectors returned: sent {count} {modality} "
                             f"inputs, got {got} {key}")
        return vectors

    # -- meta and readiness ----------------------------------------------------------------------------------
    def meta(self) -> dict[str, Any]:
        endpoint = f"{self.base_url}/meta"
        response = self._send("GET", endpoint, None, {}, min(self.timeout_s, META_TIMEOUT_S))
        try:
            data = orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise self._fail("GET", endpoint, f"unmarshal meta response body (status {response.status_code}): "
                             f"{exc}") from None
        if response.status_code > 399 or not isinstance(data, dict):
            raise self._fail("GET", endpoint, f"fail with status {response.status_code}: {response.text[:200]}")
        return data

    def wait_ready(self, timeout_s: float) -> None:
        """Poll `GET /.well-known/ready` every second until it answers 2xx (Weaviate's `WaitForStartup`)."""
        endpoint = f"{self.base_url}/.well-known/ready"
        deadline = time.monotonic() + timeout_s
        while True:
            started = time.monotonic()
            try:
                status = self.http.get(endpoint, timeout=READY_PROBE_TIMEOUT_S).status_code
                last = f"status {status}"
                if status <= 299:
                    return
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}: {exc}"
            if started + READY_POLL_INTERVAL_S > deadline:  # no further probe fits
                raise VectorizerError(f"{self.module}: init context expired before remote was ready: GET "
                                      f"{endpoint}: {last}", status=503)
            log.info("%s: waiting for %s (%s)", self.module, endpoint, last)
            time.sleep(max(0.0, READY_POLL_INTERVAL_S - (time.monotonic() - started)))
