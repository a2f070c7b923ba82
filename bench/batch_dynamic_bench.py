"""The v4 Python client's `batch.dynamic()` against `batch.fixed_size(1000)`: same server, same data, one run.

`dynamic()` sizes its requests from `GET /v1/nodes` (`batchStats`); without that endpoint it sends 10 objects per
request. Each mode imports the same N objects with D-dimensional vectors into a fresh collection through gRPC, then
waits until the background indexer has caught up (`wait_for_vector_indexing`, which polls the shard status). The
import rate counts until the last object is acknowledged; the indexed rate until the indexer is done.

    python bench/batch_dynamic_bench.py [--objects 20000] [--dim 128] [--rounds 2] [--backpressure]

The client runs from `.compat/py-v4` (`make compat-envs`); this same file is its driver (`--drive`), so only the
standard library is imported at module level.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLIENT_PYTHON = ROOT / ".compat" / "py-v4" / "bin" / "python"
OFFLINE = {"HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9", "NO_PROXY": "127.0.0.1,localhost",
           "no_grpc_proxy": "127.0.0.1,localhost", "PYTHONWARNINGS": "ignore"}
MODES = ("fixed_size(1000)", "dynamic()")


# -- client side: runs inside .compat/py-v4 -------------------------------------------------------------------------
def _sample_nodes(url: str, samples: list, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            with urllib.request.urlopen(f"{url}/v1/nodes?output=verbose") as reply:
                node = json.loads(reply.read())["nodes"][0]
        except OSError:  # a server without /v1/nodes (--import-only, for a baseline)
            return
        # The indexer's backlog: batchStats.queueLength with WEAVEBIND_BATCH_BACKPRESSURE, else the shards'.
        backlog = sum(shard.get("vectorQueueLength", 0) for shard in node.get("shards") or [])
        samples.append((node["batchStats"].get("queueLength", backlog), node["batchStats"]["ratePerSecond"]))
        stop.wait(0.5)


def drive(args: argparse.Namespace) -> None:
    import weaviate
    from weaviate.classes.config import Configure, DataType, Property

    rng = random.Random(0)
    rows = [([rng.gauss(0, 1) for _ in range(args.dim)], {"title": f"item {i}", "n": i}) for i in range(args.objects)]
    client = weaviate.connect_to_local(host="127.0.0.1", port=args.http_port, grpc_port=args.grpc_port)
    results: dict[str, list] = {mode: [] for mode in MODES}
    # Rounds alternate the order (ABBA), so load drift on a shared machine does not favour one mode.
    order = [mode for r in range(args.rounds) for mode in (MODES if r % 2 == 0 else MODES[::-1])]
    try:
        for mode in order:
            name = "DynamicItem" if mode.startswith("dynamic") else "FixedItem"
            client.collections.delete(name)
            collection = client.collections.create(
                name, properties=[Property(name="title", data_type=DataType.TEXT),
                                  Property(name="n", data_type=DataType.INT)],
                vector_config=Configure.Vectors.self_provided())
            samples: list = []
            stop = threading.Event()
            sampler = threading.Thread(target=_sample_nodes, args=(f"http://127.0.0.1:{args.http_port}", samples,
                                                                   stop), daemon=True)
            sampler.start()
            start = time.perf_counter()
            batcher = collection.batch.dynamic() if mode.startswith("dynamic") else collection.batch.fixed_size(1000)
            with batcher as batch:
                for vector, props in rows:
                    batch.add_object(properties=props, vector=vector)
            imported = time.perf_counter() - start
            if not args.import_only:
                collection.batch.wait_for_vector_indexing()
            indexed = time.perf_counter() - start
            stop.set()
            sampler.join()
            failed = len(collection.batch.failed_objects)
            count = collection.aggregate.over_all(total_count=True).total_count
            results[mode].append({"import_s": imported, "indexed_s": indexed, "failed": failed, "count": count,
                             "max_queue": max((q for q, _ in samples), default=0),
                             "rates": sorted({r for _, r in samples})[-3:]})
    finally:
        client.close()
    print(json.dumps(results), flush=True)


# -- benchmark side: weavebind's venv -------------------------------------------------------------------------------
def main(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from common import Server, free_port

    with tempfile.TemporaryDirectory(prefix="wb-dynamic-") as tmp:
        grpc_port = free_port()
        os.environ["GRPC_PORT"] = str(grpc_port)  # bench/common's Server passes our environment on
        os.environ["WEAVEBIND_BATCH_BACKPRESSURE"] = "true" if args.backpressure else "false"
        server = Server(Path(tmp) / "data")
        server.start()
        server.wait_ready()
        try:
            command = [str(CLIENT_PYTHON), __file__, "--drive", "--http-port", str(server.port), "--grpc-port",
                       str(grpc_port), "--objects", str(args.objects), "--dim", str(args.dim), "--rounds",
                       str(args.rounds), *(["--import-only"] if args.import_only else [])]
            done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **OFFLINE}, timeout=900)
        finally:
            server.stop()
        if done.returncode != 0:
            raise SystemExit(f"client failed ({done.returncode}):\n{done.stderr[-3000:]}")
    results = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"{args.objects} objects x {args.dim}-d, v4 client over gRPC, one server, {args.rounds} round(s), "
          f"WEAVEBIND_BATCH_BACKPRESSURE={'true' if args.backpressure else 'false'}")
    totals = {}
    for mode, runs in results.items():
        for r in runs:
            print(f"  {mode:17} import {args.objects / r['import_s']:8.0f} obj/s ({r['import_s']:.2f} s)  indexed "
                  f"{args.objects / r['indexed_s']:8.0f} obj/s ({r['indexed_s']:.2f} s)  stored {r['count']}  "
                  f"failed {r['failed']}  max queueLength {r['max_queue']}  top ratePerSecond {r['rates']}")
        totals[mode] = (sum(r["import_s"] for r in runs), sum(r["indexed_s"] for r in runs))
    fixed, dynamic = totals[MODES[0]], totals[MODES[1]]
    print(f"  dynamic / fixed_size(1000), all rounds: import {fixed[0] / dynamic[0]:.2f}x, "
          f"import + indexing {fixed[1] / dynamic[1]:.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--objects", type=int, default=20000)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--backpressure", action="store_true",
                        help="serve with WEAVEBIND_BATCH_BACKPRESSURE=true (the indexer's backlog as queueLength)")
    parser.add_argument("--import-only", action="store_true",
                        help="do not wait for indexing (for a server without the shard endpoints)")
    parser.add_argument("--drive", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--http-port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--grpc-port", type=int, help=argparse.SUPPRESS)
    parsed = parser.parse_args()
    drive(parsed) if parsed.drive else main(parsed)
