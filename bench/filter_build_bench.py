"""What the filter index's first use of a class costs: time, resident memory kept, and the peak while it is built.

The first filter on a class scans it once from SQL and builds the ids and the postings the filter needs
(search/filter_index.py). This stores N objects (an int `bucket`, a short text, 4-d vectors in a flat index so the
setup is quick) in a `Store` on SQLite, waits for the indexer, trims the heap and resets the peak mark, then runs
one `bucket < 10` filter and reports seconds, RSS before and after, and the peak (`VmHWM`) during the build.

    PYTHONPATH=. .venv/bin/python bench/filter_build_bench.py [--objects 200000]
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

from weavebind import heap
from weavebind.schema.models import ClassInfo
from weavebind.search import filtered
from weavebind.search.filters import where_for_class
from weavebind.storage.records import ObjectRecord
from weavebind.storage.store import Store

INFO = ClassInfo.from_config({"class": "C", "properties": [
    {"name": "bucket", "dataType": ["int"]}, {"name": "body", "dataType": ["text"]}]})
FLAT = {"": ("flat", {"distance": "l2-squared"})}
CHUNK = 5000


def memory_mb() -> tuple[int, int]:
    """(VmRSS, VmHWM) of this process in MB."""
    status = Path("/proc/self/status").read_text()
    return tuple(int(re.search(rf"{field}:\s+(\d+)", status).group(1)) // 1024 for field in ("VmRSS", "VmHWM"))


def filled_store(directory: Path, objects: int) -> Store:
    store = Store(f"sqlite:///{directory / 'db.sqlite'}", directory, snapshot_seconds=3600)
    store.save_class("C", INFO.config, FLAT)
    store.open({"C": FLAT})
    rng = np.random.default_rng(0)
    for start in range(0, objects, CHUNK):
        rows = min(CHUNK, objects - start)
        vectors = rng.random((rows, 4), dtype=np.float32)
        store.put([ObjectRecord("C", str(uuid.UUID(int=start + i + 1)),
                                {"bucket": (start + i) % 100, "body": f"w{(start + i) % 5000} every"}, 1, 1,
                                {"": vectors[i]}) for i in range(rows)])
    store.indexes.indexer.drain(600)
    return store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = filled_store(Path(tmp), args.objects)
        heap.trim()
        Path("/proc/self/clear_refs").write_text("5")  # the peak mark starts again from here
        before, _ = memory_mb()
        clause = where_for_class({"path": ["bucket"], "operator": "LessThan", "valueInt": 10}, INFO)
        started = time.perf_counter()
        allowed = filtered.allowed(store, INFO, clause)
        seconds = time.perf_counter() - started
        after, peak = memory_mb()
        store.close()
    print(json.dumps({"objects": args.objects, "allowed": len(allowed), "build_s": round(seconds, 2),
                      "rss_before_mb": before, "rss_after_mb": after, "kept_mb": after - before,
                      "peak_over_before_mb": peak - before}))


if __name__ == "__main__":
    main()
