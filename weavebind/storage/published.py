"""Vector indexes built once per machine and shared by the worker processes of `weavebind serve --workers N`.

Worker 0 ("publish") builds every index as a single server does and, every PUBLISH_SECONDS when it changed, writes
it in FAISS's own file format beside its snapshot (`<name>.shared.faiss`, replaced atomically). The other workers
("map") never build: they memory-map the published file read-only (FAISS's IO_FLAG_MMAP_IFC), so its vectors sit
once in the page cache whatever the number of workers, and keep every vector the file does not hold yet in their
pending buffer, which searches scan exactly, as they do for any vector not indexed yet. Which labels of the file
are live is each worker's own knowledge (from the change feed), so a stale label in the file is tombstoned there.

A compressed index (storage/compression.py) maps the same way (its codes and graph); its float32 vectors, which
searches rescore with, stay in worker 0's float file, which the other workers map read-only too. Which file and how
many rows go with a published index is written beside it (`<name>.shared.json`, with the identity of the published
file it belongs to); a worker adopts a compressed index only when that note matches the file it mapped, else it
keeps its current index and retries at the next round.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import pathlib
import tempfile
from typing import TYPE_CHECKING

import faiss
import numpy as np

from weavebind.storage import compression
from weavebind.storage.float_file import FloatFile
from weavebind.storage.vector_index import IndexConfig, VectorIndex

if TYPE_CHECKING:
    from weavebind.storage.indexes import IndexManager
    from weavebind.storage.target_index import TargetIndex

log = logging.getLogger("weavebind.published")
PUBLISH_SECONDS = 2.0
FOLLOW_SECONDS = 0.5


def published_path(snapshot_path: pathlib.Path) -> pathlib.Path:
    return snapshot_path.with_name(snapshot_path.name.removesuffix(".faiss") + ".shared.faiss")


def floats_note_path(published: pathlib.Path) -> pathlib.Path:
    return published.with_suffix(".json")


def identity(path: pathlib.Path) -> tuple[int, int, int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


def write(path: pathlib.Path, index: VectorIndex) -> tuple | None:
    """Replace `path` atomically with `index` in FAISS's format, streamed by FAISS's own writer (no copy of the
    index in memory); None while the index is empty, else the (path, rows) of a compressed index's float file
    written with it, or (). No fsync: the file is derived state, rebuilt by worker 0 after a crash."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    os.close(fd)
    try:
        written = index.write_faiss(pathlib.Path(tmp))
        if written is None:
            os.unlink(tmp)
            return None
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return written


def _write_note(path: pathlib.Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def map_file(path: pathlib.Path, config: IndexConfig) -> VectorIndex | None:
    """The published index at `path`, memory-mapped; None when missing or unreadable (worker 0 replaces it)."""
    found = identity(path)
    try:
        index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC)
    except RuntimeError as exc:
        if path.exists():
            log.warning("cannot map the published index %s (%s)", path, exc)
        return None
    if not isinstance(index, faiss.IndexIDMap2):
        return None
    floats = None
    if compression.is_compressed(index):
        floats = _mapped_floats(path, found, index)
        if floats is None:
            return None
    return VectorIndex.wrap(config, index, floats)


def _mapped_floats(path: pathlib.Path, found: tuple[int, int, int] | None, index: faiss.Index) -> FloatFile | None:
    """Worker 0's float file for the published compressed index just mapped, when its note belongs to that file."""
    try:
        note = json.loads(floats_note_path(path).read_text())
        if tuple(note["published"]) != found or int(note["rows"]) != index.ntotal:
            return None  # the note is for an older or newer publication: retry at the next round
        return FloatFile.open_readonly(note["floats"], index.d, index.ntotal)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.info("float vectors of %s not readable yet (%s)", path, exc)
        return None


class Publisher:
    """Worker 0: writes each index whose FAISS content changed since it was last published."""

    def __init__(self, manager: IndexManager):
        self.manager = manager
        self.marks: dict[tuple[str, str], tuple[int, int]] = {}

    def publish(self) -> None:
        with self.manager.lock:
            current = list(self.manager.indexes.items())
        for key, target_index in current:
            mark = target_index.index.content_mark()
            path = published_path(self.manager.path(*key))
            if self.marks.get(key) == mark and path.exists():
                continue
            written = write(path, target_index.index)
            if written is None:
                continue
            if written:  # a compressed index: name its float file, tied to this very publication
                note = {"published": identity(path), "floats": written[0], "rows": written[1]}
                _write_note(floats_note_path(path), json.dumps(note).encode())
            self.marks[key] = mark


class Follower:
    """The other workers: adopt each newly published file."""

    def __init__(self, manager: IndexManager):
        self.manager = manager
        self.seen: dict[tuple[str, str], tuple[int, int, int] | None] = {}

    def follow(self) -> None:
        with self.manager.lock:
            keys = list(self.manager.indexes)
        for key in keys:
            path = published_path(self.manager.path(*key))
            found = identity(path)
            if found is None or found == self.seen.get(key):
                continue
            mapped = map_file(path, self.manager.configs[key]) if key in self.manager.configs else None
            if mapped is None:
                continue
            with self.manager.lock:
                target_index = self.manager.indexes.get(key)
                if target_index is not None and mapped.dim in (None, target_index.dim):
                    adopt(target_index, mapped)
            self.seen[key] = found


def adopt(target_index: TargetIndex, mapped: VectorIndex) -> None:
    """Search `mapped` from now on (under the manager's lock): its labels this worker does not hold live are
    tombstoned, its live labels leave the pending buffer, and live labels the old index held but the new one lacks
    (worker 0 is ahead and compacted them away) go back to pending, so no live vector is ever out of reach."""
    live = np.fromiter(target_index.uuid_by_label, dtype=np.int64, count=len(target_index.uuid_by_label))
    in_file = mapped.labels()
    stale = in_file[~np.isin(in_file, live)]
    if stale.size:
        mapped.remove(stale)
    old = target_index.index
    held_before = old.labels()
    lost = held_before[np.isin(held_before, live) & ~np.isin(held_before, in_file)]
    if lost.size:
        target_index.pending.put(lost, old.vectors_for(lost))
    target_index.pending.drop(in_file[np.isin(in_file, live)])
    target_index.index = mapped
