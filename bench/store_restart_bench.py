"""Restart of the storage layer with a large index: seconds and peak RSS to open a Store whose snapshot is a base plus
a delta (or, with code from before delta logs, one file rewritten whole), each in a fresh child process.

1. Child "build": a Store (SQLite) with N x d clustered vectors in one HNSW class (efConstruction 16, so it builds
   in seconds), indexed and snapshotted; then `--extra` more, indexed and snapshotted again (the second snapshot's
   bytes are reported), and left without a final snapshot, as after kill -9 (a clean close merges the log).
2. Child "open", twice: seconds to `Store.open` (ready to serve), vectors pending at that moment, seconds until the
   indexer has drained them, and the child's peak RSS (VmHWM) against its RSS once drained.

    PYTHONPATH=. python bench/store_restart_bench.py [--n 200000] [--dim 128] [--extra 5000]
"""

from __future__ import annotations

import argparse
import json
import pathlib
import subprocess
import sys
import tempfile
import time
import uuid

import numpy as np

CLASS = "BenchItem"
TARGETS = {CLASS: {"": ("hnsw", {"distance": "cosine", "efConstruction": 16, "maxConnections": 32})}}


def _rss(field: str) -> int:
    for line in pathlib.Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def _store(data: pathlib.Path):
    from weavebind.storage.store import Store

    store = Store(f"sqlite:///{data / 'weavebind.sqlite3'}", data, snapshot_seconds=3600)
    if not store.load_classes():
        store.save_class(CLASS, {"class": CLASS}, TARGETS[CLASS])
    return store


def _put(store, vectors: np.ndarray, offset: int) -> None:
    from weavebind.storage.records import ObjectRecord

    for start in range(0, len(vectors), 5000):
        store.put([ObjectRecord(CLASS, str(uuid.UUID(int=offset + start + i + 1)), {}, 1, 1, {"": v})
                   for i, v in enumerate(vectors[start:start + 5000])])


def _marks(directory: pathlib.Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_ino, p.stat().st_size) for p in directory.iterdir()}


def build(data: pathlib.Path, n: int, dim: int, extra: int) -> dict:
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((100, dim)).astype(np.float32)
    vectors = (centres[rng.integers(0, 100, n + extra)] + 2.5 * rng.standard_normal((n + extra, dim)))
    store = _store(data)
    store.open(TARGETS)
    _put(store, vectors[:n].astype(np.float32), 0)
    store.indexes.indexer.drain(3600)
    store.snapshot()
    marks = _marks(data / "indexes")
    _put(store, vectors[n:].astype(np.float32), n)
    store.indexes.indexer.drain(3600)
    started = time.perf_counter()
    store.snapshot()
    second_s = time.perf_counter() - started
    after = _marks(data / "indexes")
    store.indexes.close()  # as after kill -9: a clean close would merge the log into a new base
    store.engine.dispose()
    # a replaced file counts whole, an appended one its growth
    grown = sum(size - marks[name][1] if marks.get(name, (None,))[0] == ino else size
                for name, (ino, size) in after.items())
    return {"second_snapshot_s": round(second_s, 3), "second_snapshot_bytes": grown}


def open_once(data: pathlib.Path) -> dict:
    started = time.perf_counter()
    store = _store(data)
    store.open(TARGETS)
    ready = time.perf_counter() - started
    pending = store.indexes.pending_count()
    store.indexes.indexer.drain(3600)
    drained = time.perf_counter() - started
    result = {"ready_s": round(ready, 3), "pending_at_ready": pending, "drained_s": round(drained, 3),
              "peak_rss": _rss("VmHWM"), "rss_drained": _rss("VmRSS")}
    store.indexes.close()  # no snapshot: the next open sees the same files
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200000)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--extra", type=int, default=5000)
    parser.add_argument("--child", choices=("build", "open"), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=pathlib.Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = build(args.data, args.n, args.dim, args.extra) if args.child == "build" else open_once(args.data)
        print(json.dumps(result))
        return
    with tempfile.TemporaryDirectory(prefix="wb-store-restart-") as tmp:
        def child(kind: str) -> dict:
            command = [sys.executable, __file__, "--child", kind, "--data", tmp, "--n", str(args.n),
                       "--dim", str(args.dim), "--extra", str(args.extra)]
            return json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)

        built = child("build")
        opens = [child("open"), child("open")]
    print(json.dumps({"n": args.n, "dim": args.dim, "extra": args.extra, **built, "opens": opens}, indent=1))


if __name__ == "__main__":
    main()
