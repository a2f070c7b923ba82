"""Snapshot benchmark: peak RSS while an index snapshot is written, against the steady state, and load (restart)
time, for one large HNSW index in this process.

1. Build an HNSW index of N x d clustered vectors (efConstruction lowered to build fast: memory and file size do not
   depend on it), measure the resident set once idle (the steady state).
2. Full snapshot: reset the peak-RSS mark (/proc/self/clear_refs), `save`, read the peak (VmHWM): ratio to steady.
3. Load it: seconds and peak RSS.
4. Add `--delta` more vectors and tombstone `--delete` labels, `save` again (a delta on the file when the format has
   them), and load base + delta: seconds and bytes written.

    PYTHONPATH=. python bench/snapshot_bench.py [--n 200000] [--dim 128] [--delta 5000] [--delete 500]
"""

from __future__ import annotations

import argparse
import gc
import json
import pathlib
import tempfile
import time

import numpy as np

from weavebind.storage.vector_index import IndexConfig, VectorIndex


def _status(field: str) -> int:
    for line in pathlib.Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def _reset_peak() -> None:
    gc.collect()
    pathlib.Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS


def _files_bytes(directory: pathlib.Path) -> int:
    return sum(p.stat().st_size for p in directory.iterdir())


def _written_since(directory: pathlib.Path, mark: dict[str, tuple[int, int]]) -> int:
    """Bytes written since `mark` (name -> (inode, size)): a replaced file counts whole, an appended one its growth."""
    total = 0
    for p in directory.iterdir():
        stat = p.stat()
        ino, size = mark.get(p.name, (None, 0))
        total += stat.st_size if ino != stat.st_ino else stat.st_size - size
    return total


def _mark(directory: pathlib.Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_ino, p.stat().st_size) for p in directory.iterdir()}


def _measure(label: str, action) -> dict:
    _reset_peak()
    before = _status("VmRSS")
    started = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - started
    peak = _status("VmHWM")
    print(f"{label:>26}: {seconds:6.2f} s, RSS before {before / 2**20:7.1f} MiB, peak {peak / 2**20:7.1f} MiB "
          f"({peak / before:.2f}x)", flush=True)
    return {"seconds": seconds, "rss_before": before, "peak": peak, "peak_ratio": peak / before, "result": result}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200000)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--delta", type=int, default=5000)
    parser.add_argument("--delete", type=int, default=500)
    parser.add_argument("--out", type=pathlib.Path, default=None)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((100, args.dim)).astype(np.float32)
    total = args.n + args.delta
    data = (centres[rng.integers(0, 100, total)] + 2.5 * rng.standard_normal((total, args.dim))).astype(np.float32)
    config = IndexConfig(ef_construction=16)
    index = VectorIndex(config, args.dim)
    started = time.perf_counter()
    for start in range(0, args.n, 50000):
        stop = min(start + 50000, args.n)
        index.add(np.arange(start, stop), data[start:stop])
    print(f"built {args.n} x {args.dim} HNSW in {time.perf_counter() - started:.1f} s", flush=True)
    report = {"n": args.n, "dim": args.dim}
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "Bench._.faiss"
        gc.collect()
        report["steady_rss"] = _status("VmRSS")
        report["full_save"] = _measure("full snapshot", lambda: index.save(path, 1))
        report["full_bytes"] = _files_bytes(path.parent)
        report["load"] = _measure("load", lambda: VectorIndex.load(path, config) is not None)
        index.add(np.arange(args.n, total), data[args.n:total])
        index.remove(np.arange(0, args.delete * 7, 7))
        mark = _mark(path.parent)
        report["delta_save"] = _measure(f"snapshot after +{args.delta}", lambda: index.save(path, 2))
        report["delta_bytes_written"] = _written_since(path.parent, mark)
        report["load_with_delta"] = _measure("load after it", lambda: VectorIndex.load(path, config) is not None)
    full_mib, delta_mib = report["full_bytes"] / 2**20, report["delta_bytes_written"] / 2**20
    print(f"full snapshot peak RSS {report['full_save']['peak_ratio']:.2f}x steady; file {full_mib:.1f} MiB; "
          f"the second snapshot wrote {delta_mib:.1f} MiB in {report['delta_save']['seconds']:.2f} s")
    if args.out:
        args.out.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
