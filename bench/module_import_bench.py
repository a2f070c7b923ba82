"""Batch import through a multi2vec module: weavebind's packed inference requests against Weaviate's one request per
object, in the same run, through the same fake container with a fixed latency per request.

The fake is `tests/fakes.py` (a real HTTP app on uvicorn); weavebind runs in-process. "Weaviate's way" is the same
server with `WEAVEBIND_INFERENCE_BATCH_SIZE=1` (every object its own request, as Weaviate's `BatchSimple` sends
them) and, in both modes, `WEAVEBIND_INFERENCE_CONCURRENCY` = 2 × CPUs (Weaviate's `2 × GOMAXPROCS`).

    python bench/module_import_bench.py [--objects 2000] [--batch 100] [--latency-ms 20]
"""

from __future__ import annotations

import argparse
import base64
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from report import machine, print_table, write_json  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from tests.fakes import FakeInference, FakeServer, build_app  # noqa: E402
from weavebind.server.app import create_app  # noqa: E402
from weavebind.server.settings import load_settings  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "module_import.json"
CLASS = {"class": "Item", "vectorizer": "multi2vec-clip",
         "moduleConfig": {"multi2vec-clip": {"textFields": ["title"], "imageFields": ["image"]}},
         "properties": [{"name": "title", "dataType": ["text"]}, {"name": "image", "dataType": ["blob"]}]}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=100, help="objects per POST /v1/batch/objects")
    parser.add_argument("--latency-ms", type=float, default=20.0, help="fixed latency of each /vectorize request")
    return parser.parse_args()


def run(fake: FakeInference, url: str, args: argparse.Namespace, batch_size: int) -> dict:
    concurrency = 2 * (os.cpu_count() or 1)
    objects = [{"class": "Item", "properties": {"title": f"item {i}", "image": base64.b64encode(b"img%d" % i).decode()}}
               for i in range(args.objects)]
    with tempfile.TemporaryDirectory() as data:
        settings = load_settings({"PERSISTENCE_DATA_PATH": data, "ENABLE_MODULES": "multi2vec-clip",
                                  "CLIP_INFERENCE_API": url, "WEAVEBIND_INFERENCE_BATCH_SIZE": str(batch_size),
                                  "WEAVEBIND_INFERENCE_CONCURRENCY": str(concurrency), "GRPC_PORT": "50099"})
        with TestClient(create_app(settings)) as client:
            assert client.post("/v1/schema", json=CLASS).status_code == 200
            fake.requests.clear()
            started = time.perf_counter()
            for start in range(0, len(objects), args.batch):
                results = client.post("/v1/batch/objects", json={"objects": objects[start:start + args.batch]})
                assert all(r["result"]["status"] == "SUCCESS" for r in results.json()), results.text[:300]
            seconds = time.perf_counter() - started
    return {"inputs_per_request": batch_size, "concurrency": concurrency, "seconds": round(seconds, 3),
            "objects_per_s": round(args.objects / seconds, 1), "requests": len(fake.vectorize_bodies)}


def main() -> None:
    args = parse_args()
    fake = FakeInference("clip", latency_s=args.latency_ms / 1000)
    with FakeServer(build_app(fake)) as server:
        weaviate = run(fake, server.url, args, batch_size=1)
        packed = run(fake, server.url, args, batch_size=64)
    ratio = round(packed["objects_per_s"] / weaviate["objects_per_s"], 1)
    print_table(f"{args.objects} objects, batches of {args.batch}, {args.latency_ms:g} ms per inference request", [
        ("mode", "requests", "seconds", "objects/s"),
        *[(name, str(r["requests"]), str(r["seconds"]), str(r["objects_per_s"]))
          for name, r in (("one request per object (Weaviate)", weaviate), ("packed requests (weavebind)", packed))],
    ])
    print(f"\npacked / per-object throughput: {ratio}x")
    write_json(RESULTS, {"args": vars(args), "per_object": weaviate, "packed": packed, "ratio": ratio,
                         "machine": machine()})


if __name__ == "__main__":
    main()
