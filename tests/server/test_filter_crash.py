"""A real server killed (-9) after writes, updates and deletes that followed its last vector-index snapshot answers
random `where` filters after its restart exactly as evaluating them over every stored object does: filtered
nearVector (ids and distances), filtered bm25 (ids and scores) and Aggregate `meta { count }`, on both SQL backends.

The filter index lives in memory and is rebuilt from SQL after a restart, while the vector index is loaded from its
snapshot and caught up; a filtered search joins the two through the objects' vector labels, which is what a crash
between them could leave inconsistent."""

from __future__ import annotations

import random
import signal
import time
import uuid

import httpx
import numpy as np
import pytest

from tests.live_server import free_port
from tests.search.test_filter_index import DATES, PROPS, UUIDS, WORDS, _where
from tests.server.test_crash_recovery import _start, crash_env
from weavebind.schema.models import ClassInfo
from weavebind.search.bm25 import bm25_search
from weavebind.search.filters import FilterError, where_for_class
from weavebind.search.filters_refs import scan_matching
from weavebind.storage.store import Store

OBJECTS, FILTERS = 300, 25
NEAR = "query Q($w: WhereInpObj, $v: Vector) { Get { C(where: $w, nearVector: {vector: $v}, limit: 1000) " \
       "{ _additional { id distance } } } }"
BM25 = "query Q($w: WhereInpObj) { Get { C(where: $w, bm25: {query: \"fox brown\"}, limit: 1000) " \
       "{ _additional { id score } } } }"
COUNT = "query Q($w: WhereInpObj) { Aggregate { C(where: $w) { meta { count } } } }"
SCHEMA = {"class": "C", "vectorizer": "none", "vectorIndexConfig": {"distance": "l2-squared"}, "properties": [
    {"name": name, "dataType": [dtype], **({"tokenization": tok} if tok else {}),
     **({"indexFilterable": False} if name == "plain" else {})} for name, dtype, tok in PROPS]}


def _value(rng: random.Random, dtype: str):
    """A value the REST API accepts for the type (the in-process test also stores wrongly typed ones)."""
    base = dtype.removesuffix("[]")
    one = {
        "text": lambda: " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 3))),
        "int": lambda: rng.randint(-3, 3), "number": lambda: rng.choice([-1.5, 0, 0.5, 1, 2.25, 3]),
        "boolean": lambda: rng.random() < 0.5, "date": lambda: rng.choice(DATES[:4]),
        "uuid": lambda: rng.choice(UUIDS),
        "geoCoordinates": lambda: {"latitude": rng.uniform(50, 54), "longitude": rng.uniform(3, 6)},
    }[base]
    return [one() for _ in range(rng.randint(0, 3))] if dtype.endswith("[]") else one()


def _objects(rng: random.Random, numbers: range) -> list[dict]:
    """Objects numbered as given (the same number, the same uuid), each property present 85 % of the time."""
    return [{"class": "C", "id": str(uuid.UUID(int=i + 1)), "vector": [rng.random(), rng.random()],
             "properties": {name: _value(rng, dtype) for name, dtype, _ in PROPS if rng.random() < 0.85}}
            for i in numbers]


def _write(http: httpx.Client, objects: list[dict]) -> None:
    results = http.post("/v1/batch/objects", json={"objects": objects}).json()
    assert [r["result"].get("errors") for r in results] == [None] * len(objects)


def _ask(http: httpx.Client, query: str, where: dict, **variables) -> dict:
    body = http.post("/v1/graphql", json={"query": query, "variables": {"w": where, **variables}}).json()
    assert "errors" not in body, body
    return body["data"]


def _filters(rng: random.Random, info: ClassInfo) -> list[dict]:
    """Random nested filters the class accepts (one made only of stopwords is refused, by Weaviate too)."""
    found: list[dict] = []
    while len(found) < FILTERS:
        where = _where(rng)
        try:
            where_for_class(where, info)
        except FilterError:
            continue
        found.append(where)
    return found


def _fill_and_kill(env: dict, port: int, data, rng: random.Random) -> dict[str, list[float]]:
    """Objects, a filtered query (so the filter index exists), a snapshot, then updates, inserts and deletes it
    has not seen, and kill -9. Returns each object's last vector."""
    proc = _start(env, port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            assert http.post("/v1/schema", json=SCHEMA).status_code == 200
            first = _objects(rng, range(OBJECTS))
            _write(http, first)
            _ask(http, COUNT, {"operator": "Equal", "path": ["ok"], "valueBoolean": True})
            deadline = time.monotonic() + 20
            while not list(data.rglob("*.faiss*")) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert list(data.rglob("*.faiss*")), "no vector index snapshot"
            changed = _objects(rng, range(OBJECTS - 60, OBJECTS + 40))  # same numbers: the same uuids, new values
            _write(http, changed)
            for obj in changed[::7]:
                assert http.delete(f"/v1/objects/C/{obj['id']}").status_code == 204
    finally:  # the crash itself, and no server left behind if a step above failed
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    return {obj["id"]: obj["vector"] for obj in first + changed}


@pytest.mark.slow
def test_a_killed_server_answers_filters_exactly_after_its_restart(tmp_path, database_url):
    data = tmp_path / "data"
    env = crash_env(data, database_url)
    port, rng = free_port(), random.Random(5)
    vectors = _fill_and_kill(env, port, data, rng)
    info = ClassInfo.from_config(SCHEMA)
    wheres, query = _filters(rng, info), [0.5, 0.5]
    proc = _start(env, port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            served = [(_ask(http, NEAR, w, v=query)["Get"]["C"], _ask(http, BM25, w)["Get"]["C"],
                       _ask(http, COUNT, w)["Aggregate"]["C"][0]["meta"]["count"]) for w in wheres]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)

    store = Store(database_url, data)
    total = sum(1 for _ in store.iter_class("C"))
    assert total == OBJECTS + 40 - len(range(0, 100, 7))
    matched_some = 0
    for where, (near, keyword, count) in zip(wheres, served, strict=True):
        records = list(scan_matching(store, "C", where_for_class(where, info)))
        matched_some += bool(records)
        assert count == len(records), where
        dist = {r.uuid: float(((np.float32(vectors[r.uuid]) - np.float32(query)) ** 2).sum()) for r in records}
        assert [hit["_additional"]["id"] for hit in near] == sorted(dist, key=lambda u: (dist[u], u)), where
        assert [hit["_additional"]["distance"] for hit in near] == pytest.approx(sorted(dist.values()), abs=1e-5)
        expected = bm25_search(info, records, total, "fox brown")
        assert [hit["_additional"]["id"] for hit in keyword] == [s.record.uuid for s in expected], where
        assert [float(hit["_additional"]["score"]) for hit in keyword] == pytest.approx(
            [s.score for s in expected], rel=1e-5)
    assert matched_some >= FILTERS // 3  # the filters are not all empty, so the comparison says something
    store.close()
