"""The vector index snapshot file: one file per index, written atomically with a checksum.

Layout: ``MAGIC | u32 header length | JSON header | int64 tombstones | FAISS index bytes | float32 vectors | u32
crc32 of all before``. The float32 vectors are a compressed index's (storage/compression.py), by internal row;
other indexes have none (``float_rows`` 0, and files written before they existed have no such key).
"""

from __future__ import annotations

import contextlib
import json
import mmap
import os
import pathlib
import struct
import tempfile
import zlib

import faiss
import numpy as np

_MAGIC = b"WBVIDX01"
_FLOAT_CHUNK = 16384  # rows of float32 vectors written at a time


def write_snapshot(path: pathlib.Path, header: dict, tombstones: np.ndarray, blob: np.ndarray,
                   floats: np.ndarray | None = None) -> None:
    """Write ``MAGIC | u32 header length | JSON header | int64 tombstones | index bytes | float32 vectors | u32
    crc32 of all before`` to a temporary file, fsync it, rename it over ``path`` and fsync the directory, so a crash
    leaves either the old file or the new one. The float32 vectors (a compressed index's, by internal row; none
    otherwise) are written from their memory map chunk by chunk, never copied whole into memory."""
    tombs = np.ascontiguousarray(tombstones, dtype="<i8")
    rows = 0 if floats is None else int(floats.shape[0])
    meta = json.dumps({**header, "tombstones": int(tombs.size), "index_bytes": int(blob.size),
                       "float_rows": rows}).encode()
    parts = [_MAGIC, struct.pack("<I", len(meta)), meta, tombs, blob]
    parts += [] if floats is None else (floats[i:i + _FLOAT_CHUNK] for i in range(0, rows, _FLOAT_CHUNK))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            crc = 0
            for part in parts:
                data = memoryview(np.ascontiguousarray(part) if isinstance(part, np.ndarray) else part).cast("B")
                f.write(data)
                crc = zlib.crc32(data, crc)
            f.write(struct.pack("<I", crc))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # makes the rename itself durable
    finally:
        os.close(dir_fd)


def read_snapshot(path: pathlib.Path) -> tuple[dict, np.ndarray, faiss.Index | None]:
    """Inverse of :func:`write_snapshot`, without the float32 vectors."""
    return read_snapshot_parts(path)[:3]


def read_snapshot_parts(path: pathlib.Path) -> tuple[dict, np.ndarray, faiss.Index | None, np.ndarray | None]:
    """Inverse of :func:`write_snapshot`: header, tombstones, index, and the float32 vectors as a (rows, d) view of
    the memory-mapped file (None when there are none). Raises FileNotFoundError, or ValueError/RuntimeError when
    corrupt."""
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        raw = memoryview(mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)) if size else memoryview(b"")
    if len(raw) < len(_MAGIC) + 8 or bytes(raw[:len(_MAGIC)]) != _MAGIC:
        raise ValueError("not a weavebind vector index file")
    body = raw[:-4]
    if zlib.crc32(body) != struct.unpack("<I", raw[-4:])[0]:
        raise ValueError("checksum mismatch")
    start = len(_MAGIC) + 4
    end = start + struct.unpack_from("<I", body, len(_MAGIC))[0]
    header = json.loads(bytes(body[start:end]))
    n_tombs, n_bytes = int(header["tombstones"]), int(header["index_bytes"])
    n_floats = int(header.get("float_rows", 0)) * int(header.get("dim") or 0)
    if end + 8 * n_tombs + n_bytes + 4 * n_floats != len(body):
        raise ValueError("length mismatch")
    tombs = np.frombuffer(body, dtype="<i8", count=n_tombs, offset=end).astype(np.int64)
    if not n_bytes:
        return header, tombs, None, None
    index = faiss.deserialize_index(np.frombuffer(body, dtype=np.uint8, count=n_bytes, offset=end + 8 * n_tombs))
    if not isinstance(index, faiss.IndexIDMap2):
        raise ValueError(f"expected an IndexIDMap2, found {type(index).__name__}")
    floats = None
    if n_floats:
        floats = np.frombuffer(body, dtype="<f4", count=n_floats, offset=end + 8 * n_tombs + n_bytes)
        floats = floats.reshape(-1, int(header["dim"]))
    return header, tombs, index, floats
