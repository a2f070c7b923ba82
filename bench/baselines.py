"""Raw baselines measured in the same run, on the same data: what FAISS and SQLite cost on their own.

* `faiss_add`: the same index type and parameters weavebind builds (HNSW M=32 efConstruction=128, or flat), inner
  product over unit-normalised vectors (Weaviate's default cosine distance), fed in the same batches.
* `sqlite_insert`: a bare `sqlite3` insert of the same rows: WAL, the server's synchronous mode, one transaction per
  batch, a table `(id text primary key, properties json text, vector blob)`.
* `snapshot_read`: `faiss.read_index` of what weavebind has on disk under `<data>/indexes/`, plus `count(*)`.
* `rebuild_from_sql`: read every vector blob from weavebind's SQLite file and build the index from scratch.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import faiss
import numpy as np
import orjson
from common import CLASS, Dataset

HNSW_M = 32
HNSW_EF_CONSTRUCTION = 128


def new_index(index_type: str, dim: int) -> faiss.Index:
    if index_type == "flat":
        return faiss.IndexFlatIP(dim)
    index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    return index


def _normalised(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.ascontiguousarray(vectors / np.maximum(norms, 1e-30), dtype=np.float32)


def faiss_add(data: Dataset, index_type: str, batch: int) -> dict:
    """Seconds to normalise and add every vector, `batch` at a time, to a fresh index."""
    index = new_index(index_type, data.vectors.shape[1])
    start = time.perf_counter()
    for first in range(0, len(data.vectors), batch):
        index.add(_normalised(data.vectors[first:first + batch]))
    seconds = time.perf_counter() - start
    return {"seconds": round(seconds, 3), "objects_per_s": round(index.ntotal / seconds, 1)}


def sqlite_insert(data: Dataset, path: Path, batch: int) -> dict:
    """Seconds to insert every row (properties as JSON text, vector as float32 blob), one commit per batch."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    # The same durability as the server under test (WEAVEBIND_SQLITE_SYNCHRONOUS, default NORMAL).
    conn.execute(f"PRAGMA synchronous={os.environ.get('WEAVEBIND_SQLITE_SYNCHRONOUS', 'NORMAL').upper()}")
    conn.execute("CREATE TABLE objects (id TEXT PRIMARY KEY, properties TEXT NOT NULL, vector BLOB NOT NULL)")
    n = len(data.vectors)
    start = time.perf_counter()
    for first in range(0, n, batch):
        rows = [(data.uuids[i], orjson.dumps(data.props(i)).decode(), data.vectors[i].tobytes())
                for i in range(first, min(n, first + batch))]
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO objects VALUES (?, ?, ?)", rows)
        conn.execute("COMMIT")
    seconds = time.perf_counter() - start
    conn.close()
    return {"seconds": round(seconds, 3), "objects_per_s": round(n / seconds, 1)}


def raw_floor(faiss_result: dict, sql_result: dict, n: int) -> dict:
    seconds = faiss_result["seconds"] + sql_result["seconds"]
    return {"seconds": round(seconds, 3), "objects_per_s": round(n / seconds, 1)}


# -- restart baselines -------------------------------------------------------------------------------------------
def export_plain_indexes(index_dir: Path, out_dir: Path) -> list[Path]:
    """Write the FAISS part of each weavebind snapshot as a plain `faiss.write_index` file (untimed)."""
    from weavebind.storage.snapshot_files import read_base as read_snapshot

    out_dir.mkdir(parents=True, exist_ok=True)
    plain = []
    for path in sorted(index_dir.glob("*.faiss")):
        _header, _tombs, index = read_snapshot(path)
        if index is not None:
            target = out_dir / path.name
            faiss.write_index(index, str(target))
            plain.append(target)
    return plain


def snapshot_read(plain_files: list[Path], sqlite_path: Path) -> dict:
    """`faiss.read_index` of every index file plus `SELECT count(*)`: the raw cost of loading what is on disk."""
    start = time.perf_counter()
    vectors = sum(faiss.read_index(str(path)).ntotal for path in plain_files)
    read_s = time.perf_counter() - start
    conn = sqlite3.connect(sqlite_path)
    count = conn.execute("SELECT count(*) FROM wb_objects").fetchone()[0]
    conn.close()
    total = time.perf_counter() - start
    return {"seconds": round(total, 3), "read_index_s": round(read_s, 3), "count_s": round(total - read_s, 3),
            "vectors": int(vectors), "objects": int(count)}


def rebuild_from_sql(sqlite_path: Path, index_type: str, dim: int) -> dict:
    """Read all vector blobs of the class from weavebind's database and build a fresh index of them."""
    start = time.perf_counter()
    conn = sqlite3.connect(sqlite_path)
    blobs = [row[0] for row in conn.execute(
        "SELECT data FROM wb_vectors WHERE class_name = ? AND target = '' ORDER BY seq", (CLASS,))]
    conn.close()
    matrix = np.frombuffer(b"".join(blobs), dtype="<f4").reshape(-1, dim)
    read_s = time.perf_counter() - start
    index = new_index(index_type, dim)
    index.add(_normalised(matrix))
    total = time.perf_counter() - start
    return {"seconds": round(total, 3), "read_sql_s": round(read_s, 3), "build_s": round(total - read_s, 3),
            "vectors": int(index.ntotal)}
