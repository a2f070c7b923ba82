"""A real server saves its bm25 index with its snapshots; killed (-9) after more writes and deletes, it restarts,
loads the saved index (its log says so) and answers bm25 exactly as scoring every stored object does."""

from __future__ import annotations

import random
import signal
import time
import uuid

import httpx
import numpy as np
import pytest

from tests.live_server import free_port
from tests.server.test_crash_recovery import _start, crash_env
from weavebind.schema.models import ClassInfo
from weavebind.search.bm25 import bm25_search
from weavebind.storage.store import Store

WORDS = ["fox", "dog", "cat", "owl", "bee", "elk", "yak", "emu", "ant", "gnu"]
QUERY = "{ Get { Doc(bm25: {query: \"fox owl\"}, limit: 15) { _additional { id score } } } }"


def _objects(rng: random.Random, ids: list[str]) -> list[dict]:
    return [{"class": "Doc", "id": uid, "properties": {"body": " ".join(
        rng.choice(WORDS) for _ in range(rng.randint(1, 12)))}} for uid in ids]


def _ranked(http: httpx.Client) -> list[tuple[str, str]]:
    body = http.post("/v1/graphql", json={"query": QUERY}).json()
    return [(hit["_additional"]["id"], hit["_additional"]["score"]) for hit in body["data"]["Get"]["Doc"]]


@pytest.mark.slow
def test_a_killed_server_loads_its_keyword_index_and_answers_exactly(tmp_path, database_url):
    data = tmp_path / "data"
    env = crash_env(data, database_url, log_level="info")
    port, rng = free_port(), random.Random(2)
    ids = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(400)]
    proc = _start(env, port)
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
        schema = {"class": "Doc", "vectorizer": "none", "properties": [{"name": "body", "dataType": ["text"]}]}
        assert http.post("/v1/schema", json=schema).status_code == 200
        assert http.post("/v1/batch/objects", json={"objects": _objects(rng, ids[:300])}).status_code == 200
        assert _ranked(http)  # builds the index
        deadline = time.monotonic() + 20
        while not list((data / "keyword").glob("*.kw")) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert list((data / "keyword").glob("*.kw")), "no keyword index file after the snapshots"
        http.post("/v1/batch/objects", json={"objects": _objects(rng, ids[250:400])})  # updates and inserts
        for uid in ids[:20]:
            assert http.delete(f"/v1/objects/Doc/{uid}").status_code == 204
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    proc = _start(env, port)
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
        served = _ranked(http)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    assert "keyword index of Doc loaded from its file" in proc.stderr.read().decode()
    store = Store(database_url, data)
    info = ClassInfo.from_config({c["class"]: c for c in store.load_classes()}["Doc"])
    records = list(store.iter_class("Doc"))
    expected = bm25_search(info, records, len(records), "fox owl")[:15]
    assert [uid for uid, _ in served] == [s.record.uuid for s in expected]
    assert [np.float32(score) for _, score in served] == [np.float32(s.score) for s in expected]  # float32 text
    assert len(records) == 380
    store.close()
