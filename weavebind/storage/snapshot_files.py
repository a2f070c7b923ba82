"""The on-disk format of vector index snapshots: a base file streamed from FAISS, plus an append-only delta log.

Base file (``<Class>.<target>.faiss``, format 2), written to a temporary file and renamed over the old one::

    b"WBVIDX02" | u32 n | n bytes of JSON header | int64 tombstones | FAISS index (write_index) | u64 index bytes
    | float32 vectors[float_rows, dim] | u32 crc32 of everything before

The float32 vectors are a compressed index's (compression.py), by internal row: its codes cannot give them back
(``float_rows`` is 0, or absent in older files, otherwise).

The FAISS part goes straight from FAISS's writer into the file through a small buffer (``PyCallbackIOWriter``), and
is read back the same way (after a first pass that checks the CRC in pieces), so neither writing nor loading holds a
second copy of the index in memory. The JSON header
holds ``fingerprint``, ``dim``, ``seq``, ``tombstones`` (their count), ``has_index`` and ``base_id``, a token that ties
the delta log to this very base. Format 1 files (``WBVIDX01``: the same parts, but ``index_bytes`` in the header and
no trailer) are still read.

Delta log (``<Class>.<target>.faiss.delta``): records appended after the base was written, each::

    b"WBVDLT01" | u32 n | n bytes of JSON {base_id, seq, rows, dim, tombstones} | int64 labels[rows]
    | float32 vectors[rows, dim] (as the index stores them) | int64 tombstones | u32 crc32 of the record

A record whose ``base_id`` is not the base's is ignored (the base was rewritten and the crash came before the old
log was removed); reading stops at the first damaged record (a write torn by a crash) and says so, so the next
snapshot rewrites the base rather than appending after the damage. Every write is fsynced, and the directory after
a rename. All of it is derived state: an unreadable file means "rebuild or catch up from SQL".
"""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import struct
import tempfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import faiss
import numpy as np

MAGIC_V1 = b"WBVIDX01"
MAGIC = b"WBVIDX02"
DELTA_MAGIC = b"WBVDLT01"
_BUFFER = 1 << 20  # bytes per FAISS writer/reader callback
_FLOAT_ROWS = 4096  # float32 vectors written or read at a time


def delta_path(path: pathlib.Path) -> pathlib.Path:
    return path.with_name(path.name + ".delta")


class _CrcFile:
    """A binary file that keeps the running crc32 of what went through it."""

    def __init__(self, f) -> None:
        self.f, self.crc, self.count = f, 0, 0

    def write(self, data) -> int:
        self.f.write(data)
        self.crc = zlib.crc32(data, self.crc)
        self.count += len(data)
        return len(data)

    def read(self, size: int) -> bytes:
        data = self.f.read(size)
        if len(data) != size:
            raise ValueError("file ends early")
        self.crc = zlib.crc32(data, self.crc)
        self.count += size
        return data


def _fsync_dir(directory: pathlib.Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)  # makes a rename or a new file's entry durable
    finally:
        os.close(fd)


@dataclass
class PendingBase:
    """A base file written (not yet fsynced) to a temporary path: ``commit`` makes it the snapshot, ``discard``
    drops it. Split so that the caller can write under its read lock and sync outside it."""

    path: pathlib.Path
    tmp: str

    def commit(self) -> None:
        try:
            with open(self.tmp, "rb+") as f:
                os.fsync(f.fileno())
            os.replace(self.tmp, self.path)
        except BaseException:
            self.discard()
            raise
        _fsync_dir(self.path.parent)

    def discard(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.tmp)


def write_base(path: pathlib.Path, header: dict, tombstones: np.ndarray, index: faiss.Index | None,
               floats: np.ndarray | None = None) -> PendingBase:
    """Stream a base file into a temporary file beside ``path`` (format in the module docstring); ``floats``: a
    compressed index's float32 vectors by internal row (a memory map, written a slice at a time)."""
    tombs = np.ascontiguousarray(tombstones, dtype="<i8")
    rows = 0 if floats is None else int(floats.shape[0])
    meta = json.dumps({**header, "tombstones": int(tombs.size), "has_index": index is not None,
                       "float_rows": rows}).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb", buffering=_BUFFER) as raw:
            f = _CrcFile(raw)
            for part in (MAGIC, struct.pack("<I", len(meta)), meta, tombs.tobytes()):
                f.write(part)
            start = f.count
            if index is not None:
                faiss.write_index(index, faiss.PyCallbackIOWriter(f.write, _BUFFER))
            f.write(struct.pack("<Q", f.count - start))
            for first in range(0, rows, _FLOAT_ROWS):
                f.write(np.ascontiguousarray(floats[first:first + _FLOAT_ROWS], dtype="<f4").tobytes())
            raw.write(struct.pack("<I", f.crc))
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return PendingBase(path, tmp)


def read_base(path: pathlib.Path, float_sink: Callable[[np.ndarray], None] | None = None
              ) -> tuple[dict, np.ndarray, faiss.Index | None]:
    """Header, tombstones and index of a base file (format 2 or 1); a compressed index's float32 vectors go to
    ``float_sink`` a slice at a time. Raises FileNotFoundError, or ValueError/RuntimeError when the file is
    damaged."""
    with open(path, "rb", buffering=_BUFFER) as raw:
        f = _CrcFile(raw)
        magic = raw.read(len(MAGIC))
        if magic == MAGIC_V1:
            return _read_v1(path)
        if magic != MAGIC:
            raise ValueError("not a weavebind vector index file")
        _verify(path)  # before FAISS parses it: a damaged length field could make FAISS allocate without bound
        f.crc = zlib.crc32(magic)
        header = json.loads(f.read(struct.unpack("<I", f.read(4))[0]))
        tombs = np.frombuffer(f.read(8 * int(header["tombstones"])), dtype="<i8").astype(np.int64)
        start, index = f.count, None
        if header["has_index"]:
            index = faiss.read_index(faiss.PyCallbackIOReader(f.read, _BUFFER))
        length = struct.unpack("<Q", f.read(8))[0]
        if f.count - 8 - start != length:
            raise ValueError("length mismatch")
        _read_floats(f, int(header.get("float_rows", 0)), int(header.get("dim") or 0), float_sink)
        crc = f.crc
        if struct.unpack("<I", f.read(4))[0] != crc or raw.read(1):
            raise ValueError("checksum or length mismatch")
    if index is not None and not isinstance(index, faiss.IndexIDMap2):
        raise ValueError(f"expected an IndexIDMap2, found {type(index).__name__}")
    return header, tombs, index


def _read_floats(f: _CrcFile, rows: int, dim: int, sink: Callable[[np.ndarray], None] | None) -> None:
    for first in range(0, rows, _FLOAT_ROWS):
        count = min(_FLOAT_ROWS, rows - first)
        block = np.frombuffer(f.read(4 * dim * count), dtype="<f4")
        if block.size != dim * count:
            raise ValueError("file ends early")
        if sink is not None:
            sink(block.reshape(count, dim))


def _verify(path: pathlib.Path) -> None:
    """Check a base file's CRC, reading it in pieces (memory stays flat; the parse then reads it from the page
    cache)."""
    size = os.path.getsize(path)
    if size < len(MAGIC) + 16:
        raise ValueError("file too short")
    crc, left, buffer = 0, size - 4, bytearray(_BUFFER)
    with open(path, "rb", buffering=0) as f:
        while left:
            got = f.readinto(memoryview(buffer)[:min(left, _BUFFER)])
            if not got:
                raise ValueError("file ends early")
            crc = zlib.crc32(memoryview(buffer)[:got], crc)
            left -= got
        if struct.unpack("<I", f.read(4))[0] != crc:
            raise ValueError("checksum mismatch")


def _read_v1(path: pathlib.Path) -> tuple[dict, np.ndarray, faiss.Index | None]:
    """Format 1: the whole file in memory at once (files of earlier versions; the next snapshot writes format 2)."""
    raw = memoryview(path.read_bytes())
    body = raw[:-4]
    if len(raw) < len(MAGIC_V1) + 8 or zlib.crc32(body) != struct.unpack("<I", raw[-4:])[0]:
        raise ValueError("checksum mismatch")
    start = len(MAGIC_V1) + 4
    end = start + struct.unpack_from("<I", body, len(MAGIC_V1))[0]
    header = json.loads(bytes(body[start:end]))
    n_tombs, n_bytes = int(header["tombstones"]), int(header["index_bytes"])
    if end + 8 * n_tombs + n_bytes != len(body):
        raise ValueError("length mismatch")
    tombs = np.frombuffer(body, dtype="<i8", count=n_tombs, offset=end).astype(np.int64)
    if not n_bytes:
        return {**header, "base_id": None}, tombs, None
    index = faiss.deserialize_index(np.frombuffer(body, dtype=np.uint8, count=n_bytes, offset=end + 8 * n_tombs))
    if not isinstance(index, faiss.IndexIDMap2):
        raise ValueError(f"expected an IndexIDMap2, found {type(index).__name__}")
    return {**header, "base_id": None}, tombs, index


# -- delta log -------------------------------------------------------------------------------------------------------
@dataclass
class PendingAppend:
    """A delta record written but not yet fsynced: ``commit`` makes it durable (outside the caller's lock)."""

    path: pathlib.Path
    new_file: bool
    size: int

    def commit(self) -> None:
        with open(self.path, "rb+") as f:
            os.fsync(f.fileno())
        if self.new_file:
            _fsync_dir(self.path.parent)


def append_delta(path: pathlib.Path, header: dict, labels: np.ndarray, dim: int, blocks: Iterable[np.ndarray],
                 tombstones: np.ndarray) -> PendingAppend:
    """Append one record to the delta log of base ``path``: ``blocks`` are the vectors of ``labels`` in order, a
    slice at a time (so the whole delta is never copied at once). A record cut short by a failure or a crash is
    detected when read (its CRC or length)."""
    labels = np.ascontiguousarray(labels, dtype="<i8")
    tombs = np.ascontiguousarray(tombstones, dtype="<i8")
    meta = json.dumps({**header, "rows": int(labels.size), "dim": int(dim) if labels.size else 0,
                       "tombstones": int(tombs.size)}).encode()
    target = delta_path(path)
    new_file = not target.exists()
    with open(target, "ab", buffering=_BUFFER) as raw:
        f = _CrcFile(raw)
        for part in (DELTA_MAGIC, struct.pack("<I", len(meta)), meta, labels.tobytes()):
            f.write(part)
        written = 0
        for block in blocks:
            f.write(memoryview(np.ascontiguousarray(block, dtype="<f4")).cast("B"))
            written += len(block)
        if written != labels.size:
            raise ValueError(f"{written} vectors for {labels.size} labels")
        f.write(tombs.tobytes())
        raw.write(struct.pack("<I", f.crc))
        return PendingAppend(target, new_file, f.count + 4)


@dataclass
class Delta:
    """What a delta log adds to its base: rows in the order written, tombstones, the newest seq."""

    labels: np.ndarray
    vectors: np.ndarray | None
    tombstones: np.ndarray
    seq: int | None
    intact: bool  # False: a damaged record or one of another base was met; the next snapshot rewrites the base


def read_delta(path: pathlib.Path, base_id: str | None, dim: int | None) -> Delta:
    """The records of base ``path``'s delta log that belong to ``base_id`` (none when there is no log)."""
    labels, vectors, tombs, seq, intact = [], [], [], None, True
    with contextlib.suppress(FileNotFoundError), open(delta_path(path), "rb") as f:
        while (record := _next_record(f.read, dim)) is not None:
            if record is False or base_id is None or record[0].get("base_id") != base_id:
                intact = False  # damaged from here on, or left from an older base: the next snapshot rewrites
                break
            header, rows, matrix, dead = record
            labels.append(rows)
            vectors.append(matrix)
            tombs.append(dead)
            seq = int(header["seq"])
    empty = np.empty(0, dtype=np.int64)
    return Delta(np.concatenate(labels) if labels else empty,
                 np.concatenate(vectors) if vectors else None,
                 np.concatenate(tombs) if tombs else empty, seq, intact)


def _next_record(read: Callable[[int], bytes], dim: int | None):
    """The next (header, labels, vectors, tombstones), None at the end of the log, False when damaged."""
    magic = read(len(DELTA_MAGIC))
    if not magic:
        return None
    try:
        if magic != DELTA_MAGIC:
            raise ValueError("bad record")
        size = read(4)
        meta = read(struct.unpack("<I", size)[0])
        header = json.loads(meta)
        rows, width, n_tombs = int(header["rows"]), int(header["dim"]), int(header["tombstones"])
        if rows and width != dim:
            raise ValueError("record of another dimension")
        body = read(8 * rows + 4 * rows * width + 8 * n_tombs)
        crc = read(4)
        if len(body) != 8 * rows + 4 * rows * width + 8 * n_tombs or len(crc) != 4:
            raise ValueError("torn record")
        if zlib.crc32(body, zlib.crc32(meta, zlib.crc32(size, zlib.crc32(magic)))) != struct.unpack("<I", crc)[0]:
            raise ValueError("checksum mismatch")
    except (ValueError, TypeError, KeyError, struct.error):
        return False
    labels = np.frombuffer(body, dtype="<i8", count=rows).astype(np.int64)
    vectors = np.frombuffer(body, dtype="<f4", count=rows * width, offset=8 * rows).reshape(rows, width)
    tombs = np.frombuffer(body, dtype="<i8", count=n_tombs, offset=8 * rows + 4 * rows * width).astype(np.int64)
    return header, labels, vectors.astype(np.float32), tombs
