"""kill -9 in the middle of an import: every acknowledged object is back after a restart, vector searchable."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
import numpy as np
import pytest

from tests.live_server import free_port, wait_until_ready
from weavebind.storage.store import Store

DIM = 32
BATCH = 200



def _stderr(proc: subprocess.Popen) -> str:
    """The server's last output; read only once it has exited (reading a live pipe would block)."""
    return proc.stderr.read().decode()[-2000:] if proc.poll() is not None else "(still running)"


def crash_env(data: Path, database_url: str, log_level: str = "warning") -> dict[str, str]:
    """The environment of a server that snapshots its indexes every second, so a kill -9 finds some on disk."""
    return {**os.environ, "PERSISTENCE_DATA_PATH": str(data), "WEAVEBIND_DATABASE_URL": database_url,
            "WEAVEBIND_INDEX_SNAPSHOT_SECONDS": "1", "LOG_LEVEL": log_level, "GRPC_PORT": str(free_port())}


def _start(env: dict[str, str], port: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "weavebind", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_until_ready(proc, f"http://127.0.0.1:{port}", lambda: _stderr(proc))
    except RuntimeError:
        proc.kill()
        raise
    return proc


def _importer(base: str, acked: dict[str, np.ndarray], stop: threading.Event) -> None:
    rng = np.random.default_rng(1)
    centres = rng.normal(size=(20, DIM))
    with httpx.Client(base_url=base, timeout=30) as http:
        while not stop.is_set():
            vectors = centres[rng.integers(0, 20, BATCH)] + 0.1 * rng.normal(size=(BATCH, DIM))
            objects = [{"class": "Crash", "id": str(uuid.uuid4()), "properties": {"n": i},
                        "vector": vec.tolist()} for i, vec in enumerate(vectors)]
            try:
                results = http.post("/v1/batch/objects", json={"objects": objects}).json()
            except (httpx.HTTPError, ValueError):
                return  # the server died under us: this batch was never acknowledged
            for obj, vec, result in zip(objects, vectors, results, strict=True):
                if result["result"]["status"] == "SUCCESS":
                    acked[obj["id"]] = vec.astype(np.float32)


@pytest.mark.slow
def test_kill_9_mid_import_loses_no_acknowledged_object(tmp_path, database_url):
    env = crash_env(tmp_path / "data", database_url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = _start(env, port)
    schema = {"class": "Crash", "vectorizer": "none", "properties": [{"name": "n", "dataType": ["int"]}]}
    assert httpx.post(f"{base}/v1/schema", json=schema).status_code == 200
    acked: dict[str, np.ndarray] = {}
    stop = threading.Event()
    worker = threading.Thread(target=_importer, args=(base, acked, stop))
    worker.start()
    while len(acked) < 3000 and worker.is_alive():
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)  # while the importer keeps sending
    proc.wait()
    stop.set()
    worker.join()
    assert len(acked) >= 3000

    proc = _start(env, port)
    with httpx.Client(base_url=base) as http:
        stored, after = set(), None
        while True:
            params = {"class": "Crash", "limit": 1000, **({"after": after} if after else {})}
            page = http.get("/v1/objects", params=params).json()["objects"]
            if not page:
                break
            stored.update(o["id"] for o in page)
            after = page[-1]["id"]
        assert set(acked) <= stored
        sample = list(acked)[::97]
        for uid in sample[:20]:
            got = http.get(f"/v1/objects/Crash/{uid}", params={"include": "vector"}).json()
            assert np.allclose(got["vector"], acked[uid], atol=1e-6)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)

    store = Store(database_url, tmp_path / "data")
    classes = {c["class"]: c for c in store.load_classes()}
    store.open({"Crash": {"": ("hnsw", classes["Crash"]["vectorIndexConfig"])}})
    for uid in sample:
        assert store.search("Crash", "", acked[uid], 1)[0][0] == uid
    store.close()
