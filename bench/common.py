"""Shared benchmark helpers: clustered data, a real server subprocess, the HTTP import, a direct Store.

Everything here is deliberately plain: the benchmarks must measure weavebind, not the harness.
"""

from __future__ import annotations

import contextlib
import http.client
import itertools
import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
import orjson

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SERVER = ROOT / ".venv" / "bin" / "weavebind"
CLASS = "BenchItem"
JSON_HEADERS = {"content-type": "application/json"}


# -- data --------------------------------------------------------------------------------------------------------
@dataclass
class Dataset:
    """`n` float32 vectors around `clusters` gaussian centres, with deterministic uuids and two properties."""

    vectors: np.ndarray
    labels: np.ndarray
    centres: np.ndarray
    sigma: float
    uuids: list[str]

    def props(self, i: int) -> dict:
        return {"title": f"item {i} of cluster {int(self.labels[i])}", "n": i}

    def queries(self, count: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Queries near the cluster centres (a centre plus the data's noise) and the centre each came from."""
        rng = np.random.default_rng(seed)
        centre_ids = rng.integers(0, len(self.centres), count)
        picked = self.centres[centre_ids]
        return (picked + self.sigma * rng.standard_normal(picked.shape)).astype(np.float32), centre_ids


def make_dataset(n: int, dim: int = 512, clusters: int = 100, sigma: float = 2.5, seed: int = 0) -> Dataset:
    """Centres ~ N(0, 1); points = centre + sigma * N(0, 1). With sigma 2.5 at 512-d about 1% of a query's
    true top-10 come from another cluster (the clusters overlap a bit); see docs/benchmarks.md."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dim)).astype(np.float32)
    labels = rng.integers(0, clusters, n)
    vectors = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, 10000):  # chunked: keeps the float64 scratch small
        stop = min(n, start + 10000)
        noise = rng.standard_normal((stop - start, dim))
        vectors[start:stop] = centres[labels[start:stop]] + sigma * noise
    uuids = [str(uuid.UUID(bytes=rng.bytes(16), version=4)) for _ in range(n)]
    return Dataset(vectors, labels, centres, sigma, uuids)


def batch_bodies(data: Dataset, start: int, stop: int, batch: int) -> list[bytes]:
    """Pre-serialised `/v1/batch/objects` bodies (orjson), so client-side JSON cost is not timed."""
    bodies = []
    for first in range(start, stop, batch):
        objs = [{"class": CLASS, "id": data.uuids[i], "properties": data.props(i), "vector": data.vectors[i]}
                for i in range(first, min(stop, first + batch))]
        bodies.append(orjson.dumps({"objects": objs}, option=orjson.OPT_SERIALIZE_NUMPY))
    return bodies


def class_body(index_type: str) -> dict:
    """A class with its own vectors and Weaviate's default index settings (weavebind fills them in)."""
    return {"class": CLASS, "vectorizer": "none", "vectorIndexType": index_type,
            "properties": [{"name": "title", "dataType": ["text"]}, {"name": "n", "dataType": ["int"]}]}


# -- the server process ------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(data_dir: Path) -> dict[str, str]:
    """The server's environment: a fresh data path and the default SQLite database inside it."""
    return {**os.environ, "PERSISTENCE_DATA_PATH": str(data_dir), "WEAVEBIND_DATABASE_URL": ""}


@dataclass
class Server:
    """`weavebind serve` as a subprocess; its log goes to `<data_dir>/../server-<n>.log`."""

    data_dir: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None
    started: float = 0.0
    log_path: Path | None = None
    runs: int = 0
    env: dict[str, str] = field(default_factory=dict)  # on top of server_env (e.g. GRPC_PORT, a database URL)
    args: list[str] = field(default_factory=list)  # more `serve` flags (e.g. --workers 2)
    name: str = "server"  # its log file's prefix: several servers may share one parent directory

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.runs += 1
        self.log_path = self.data_dir.parent / f"{self.name}-{self.runs}.log"
        log = self.log_path.open("wb")
        self.started = time.perf_counter()
        self.proc = subprocess.Popen([str(SERVER), "serve", "--host", "127.0.0.1", "--port", str(self.port),
                                      *self.args], env={**server_env(self.data_dir), **self.env}, stdout=log,
                                     stderr=subprocess.STDOUT)
        log.close()

    def wait_ready(self, timeout: float = 300) -> float:
        """Seconds from process start until `/v1/.well-known/ready` answers 200."""
        deadline = self.started + timeout
        with httpx.Client(base_url=self.url, timeout=2) as client:
            while time.perf_counter() < deadline:
                if self.proc is not None and self.proc.poll() is not None:
                    raise RuntimeError(f"server exited with {self.proc.returncode}; see {self.log_path}")
                with contextlib.suppress(httpx.TransportError):
                    if client.get("/v1/.well-known/ready").status_code == 200:
                        return time.perf_counter() - self.started
                time.sleep(0.01)
        raise TimeoutError(f"server not ready after {timeout}s; see {self.log_path}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 300) -> float:
        """Send `sig` and wait for the exit; returns the seconds it took."""
        assert self.proc is not None
        begin = time.perf_counter()
        self.proc.send_signal(sig)
        self.proc.wait(timeout)
        return time.perf_counter() - begin

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path else ""


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all its threads included (/proc/<pid>/stat fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_idle(pid: int, window: float = 0.5, busy_share: float = 0.05, timeout: float = 900) -> float:
    """perf_counter time at which the process went idle: the start of the first `window` in which it used less
    than `busy_share` of one core. weavebind acknowledges a write once it is in SQL and indexes it in the
    background; with no REST endpoint that reports the indexing backlog, an idle server is how we see it is done."""
    deadline = time.perf_counter() + timeout
    last_t, last_cpu = time.perf_counter(), cpu_seconds(pid)
    while time.perf_counter() < deadline:
        time.sleep(window)
        now, cpu = time.perf_counter(), cpu_seconds(pid)
        if cpu - last_cpu < busy_share * (now - last_t):
            return last_t
        last_t, last_cpu = now, cpu
    raise TimeoutError(f"process {pid} still busy after {timeout}s")


def drain(store) -> dict:
    """Pending (not yet in FAISS) vectors when the store opened, and the seconds to index them, where the store
    indexes in the background (`IndexManager.indexer`); zeros where it indexes synchronously."""
    manager = store.indexes
    pending = manager.pending_count() if hasattr(manager, "pending_count") else 0
    start = time.perf_counter()
    if hasattr(manager, "indexer"):
        manager.indexer.drain()
    return {"pending_at_open": pending, "drain_s": round(time.perf_counter() - start, 3)}


@contextlib.contextmanager
def workdir(prefix: str) -> Iterator[Path]:
    """A temporary directory next to where the server writes (same filesystem as the baselines)."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        yield Path(tmp)


# -- the import over HTTP ----------------------------------------------------------------------------------------
@dataclass
class ImportResult:
    objects: int
    started: float  # perf_counter of the first request
    seconds: float
    acknowledged: int
    failed_batches: int
    batch_seconds: list[float]

    @property
    def rate(self) -> float:
        return self.objects / self.seconds

    def summary(self) -> dict:
        lat = np.asarray(self.batch_seconds)
        return {"objects": self.objects, "seconds": round(self.seconds, 3), "objects_per_s": round(self.rate, 1),
                "acknowledged_success": self.acknowledged, "failed_batches": self.failed_batches,
                "batch_p50_ms": round(float(np.percentile(lat, 50)) * 1000, 1),
                "batch_p99_ms": round(float(np.percentile(lat, 99)) * 1000, 1)}


def post_batches(client: httpx.Client, bodies: list[bytes], batch: int, total: int) -> ImportResult:
    """POST every body in turn on one keep-alive connection. Success is counted on the raw response bytes
    (`"status":"SUCCESS"` per object), so the client never parses the multi-megabyte responses."""
    acked, failed, lat = 0, 0, []
    start = time.perf_counter()
    for body in bodies:
        sent = time.perf_counter()
        response = client.post("/v1/batch/objects", content=body, headers=JSON_HEADERS)
        lat.append(time.perf_counter() - sent)
        if response.status_code != 200 or b'"status":"FAILED"' in response.content:
            failed += 1
        acked += response.content.count(b'"status":"SUCCESS"')
    return ImportResult(total, start, time.perf_counter() - start, acked, failed, lat)


def create_class(client: httpx.Client, index_type: str) -> None:
    response = client.post("/v1/schema", content=orjson.dumps(class_body(index_type)), headers=JSON_HEADERS)
    if response.status_code != 200:
        raise RuntimeError(f"creating the class failed: {response.status_code} {response.text[:300]}")


def http_client(server: Server) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=httpx.Timeout(600.0), limits=httpx.Limits(max_connections=1))


# -- weavebind opened in-process on the server's data ------------------------------------------------------------
@contextlib.contextmanager
def open_store(data_dir: Path):
    """`Store` opened exactly as the server's lifespan opens it (same settings, same schema load)."""
    from weavebind.schema.service import SchemaOptions, SchemaService
    from weavebind.server.settings import load_settings
    from weavebind.storage.store import Store

    settings = load_settings(server_env(data_dir))
    store = Store(settings.database_url, settings.data_path, use_gpu=settings.enable_cuda,
                  snapshot_seconds=settings.weavebind_index_snapshot_seconds)
    schema = SchemaService(store, SchemaOptions(default_vectorizer=settings.default_vectorizer_module,
                                                default_distance=settings.default_vector_distance_metric,
                                                enabled_modules=settings.enable_modules))
    store.open(schema.load())
    try:
        yield store
    finally:
        store.close()


# -- concurrent clients (query benchmarks) -----------------------------------------------------------------------
def drive(n: int, workers: int, call, session=contextlib.nullcontext) -> tuple[np.ndarray, list, float]:
    """`call(s, i)` for i in 0..n-1 from `workers` threads, each with its own `session()` (e.g. an HTTP client
    holding one keep-alive connection). Each worker makes one untimed call first (it connects), then all start
    together. Returns the seconds of each call, the calls' results (by i) and the wall clock of the whole run."""
    counter, lat, out = itertools.count(), np.zeros(n), [None] * n

    def work(gate: threading.Barrier, _item) -> None:
        with session() as s:
            call(s, 0)
            gate.wait()
            while (i := next(counter)) < n:  # next() on itertools.count is atomic under the GIL
                start = time.perf_counter()
                out[i] = call(s, i)
                lat[i] = time.perf_counter() - start

    return lat, out, gated_threads(work, list(range(workers)), "client threads")


def gated_threads(work, items: list, what: str) -> float:
    """`work(gate, item)` in one thread per item; each calls `gate.wait()` once ready, and the clock starts when all
    have. Returns the seconds from then until the last thread ends; re-raises the first thread's failure."""
    gate, failures = threading.Barrier(len(items) + 1, timeout=120), []

    def run(item) -> None:
        try:
            work(gate, item)
        except Exception as exc:  # re-raised below; aborting the barrier keeps the others from hanging
            failures.append(exc)
            gate.abort()

    threads = [threading.Thread(target=run, args=(item,), daemon=True) for item in items]
    for thread in threads:
        thread.start()
    with contextlib.suppress(threading.BrokenBarrierError):  # a thread failed before the start: raised below
        gate.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"{len(failures)} of {len(items)} {what} failed") from failures[0]
    return time.perf_counter() - start


class LeanConnection:
    """One keep-alive HTTP/1.1 connection through the standard library's `http.client`. A query benchmark times
    every request from the client's side, so the client's own work counts as latency: httpx spends about 0.2 ms of
    Python per request, http.client a few hundredths. Every server (weavebind, Chroma) is driven through this."""

    def __init__(self, url: str, timeout: float = 60):
        parts = urllib.parse.urlsplit(url)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        self.conn.request(method, path, body, JSON_HEADERS if body is not None else {})
        response = self.conn.getresponse()
        return response.status, response.read()

    def __enter__(self) -> LeanConnection:
        return self

    def __exit__(self, *exc) -> None:
        self.conn.close()


def post_load(url: str, path: str, bodies: list[bytes], workers: int) -> tuple[np.ndarray, list, float]:
    """POST each pre-serialised body once from `workers` threads, one keep-alive connection each. Results are
    the raw response bytes (parsed later, untimed), or b"HTTP <status>" for a non-200 answer."""
    def call(conn: LeanConnection, i: int) -> bytes:
        status, content = conn.request("POST", path, bodies[i])
        return content if status == 200 else b"HTTP %d" % status

    return drive(len(bodies), workers, call, lambda: LeanConnection(url))


def get_load(url: str, path: str, n: int) -> tuple[np.ndarray, list, float]:
    """`n` GETs of `path` from one connection (the HTTP floor: a request that does no work)."""
    return drive(n, 1, lambda conn, _i: conn.request("GET", path)[1], lambda: LeanConnection(url))
