"""`weavebind migrate` between two real weavebind servers, both directions (the same REST API as Weaviate's)."""

from __future__ import annotations

import io
import subprocess
import sys

import httpx
import pytest

from tests.compat.server import ROOT, start_server
from weavebind.migrate import Endpoint, migrate

pytestmark = pytest.mark.slow
KEY = "target-key"


@pytest.fixture
def servers(tmp_path):
    source = start_server(tmp_path / "source")
    target = start_server(tmp_path / "target", api_key=KEY)
    yield source, target
    source.stop()
    target.stop()


def _seed(url: str, class_name: str, count: int, headers=None, **vectors) -> None:
    client = httpx.Client(base_url=url, headers=headers or {}, timeout=60)
    assert client.post("/v1/schema", json={"class": class_name, "properties": [
        {"name": "title", "dataType": ["text"]}, {"name": "n", "dataType": ["int"]}], **vectors}).status_code == 200
    named = "vectorConfig" in vectors
    objects = [{"class": class_name, "id": f"00000000-0000-4000-8000-{i:012d}",
                "properties": {"title": f"t{i}", "n": i},
                **({"vectors": {"a": [1.0, float(i)]}} if named else {"vector": [float(i), 1.0, 0.5]})}
               for i in range(count)]
    for start in range(0, count, 500):
        assert client.post("/v1/batch/objects", json={"objects": objects[start:start + 500]}).status_code == 200


def _objects(url: str, class_name: str, headers=None) -> dict:
    found = httpx.get(f"{url}/v1/objects", params={"class": class_name, "limit": 5000, "include": "vector"},
                      headers=headers or {}).json()["objects"]
    return {o["id"]: (o["properties"], o.get("vector"), o.get("vectors")) for o in found}


def test_cli_copies_schema_objects_and_vectors_with_progress(servers):
    source, target = servers
    _seed(source.url, "Books", 1203)
    done = subprocess.run([sys.executable, "-m", "weavebind", "migrate", "--from", source.url, "--to", target.url,
                           "--class", "Books", "--batch", "500", "--to-key", KEY], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "copied 1203/1203 (100%) objects" in done.stderr and "schema created, 1203 objects copied" in done.stderr
    auth = {"Authorization": f"Bearer {KEY}"}
    assert _objects(target.url, "Books", auth) == _objects(source.url, "Books")
    schema = httpx.get(f"{target.url}/v1/schema/Books", headers=auth).json()
    assert [p["name"] for p in schema["properties"]] == ["title", "n"]


def test_reverse_direction_named_vectors_and_reruns_upsert(servers):
    source, target = servers
    auth = {"Authorization": f"Bearer {KEY}"}
    _seed(target.url, "Named", 40, headers=auth, vectorConfig={"a": {"vectorizer": {"none": {}}}})
    out = io.StringIO()
    for _ in range(2):  # a second run finds the class and upserts the same objects
        summary = migrate(Endpoint(target.url, KEY), Endpoint(source.url), "Named", batch=15, out=out)
        assert (summary.copied, summary.failed) == (40, [])
    assert summary.schema == "exists"
    assert _objects(source.url, "Named") == _objects(target.url, "Named", auth)
    assert len(out.getvalue().splitlines()) == 6  # one progress line per page of 15


def test_missing_class_and_refused_objects_are_reported(servers, capsys):
    source, target = servers
    assert migrate_cli(source.url, target.url, "Nope") == 1
    assert "GET" in capsys.readouterr().err
    _seed(source.url, "Dims", 3)
    target_client = httpx.Client(base_url=target.url, headers={"Authorization": f"Bearer {KEY}"})
    target_client.post("/v1/schema", json={"class": "Dims", "vectorizer": "none"})
    target_client.post("/v1/objects", json={"class": "Dims", "vector": [1.0, 2.0]})  # fixes the dimension at 2
    assert migrate_cli(source.url, target.url, "Dims") == 1
    assert "3 failed" in capsys.readouterr().err


def migrate_cli(source: str, target: str, class_name: str) -> int:
    from weavebind.cli import parse_args

    args = parse_args(["migrate", "--from", source, "--to", target, "--class", class_name, "--to-key", KEY])
    return args.handler(args)
