"""Vector indexes built once per machine and shared by the worker processes of `weavebind serve --workers N`.

Worker 0 ("publish") builds every index as a single server does and, every PUBLISH_SECONDS when it changed, writes
it in FAISS's own file format beside its snapshot (`<name>.shared.faiss`, replaced atomically). The other workers
("map") never build: they memory-map the published file read-only (FAISS's IO_FLAG_MMAP_IFC), so its vectors sit
once in the page cache whatever the number of workers, and keep every vector the file does not hold yet in their
pending buffer, which searches scan exactly, as they do for any vector not indexed yet. Which labels of the file
are live is each worker's own knowledge (from the change feed), so a stale label in the file is tombstoned there.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pathlib
import tempfile
from typing import TYPE_CHECKING

import faiss
import numpy as np

from weavebind.storage.vector_index import IndexConfig, VectorIndex

if TYPE_CHECKING:
    from weavebind.storage.indexes import IndexManager, TargetIndex

log = logging.getLogger("weavebind.published")
PUBLISH_SECONDS = 2.0
FOLLOW_SECONDS = 0.5


def published_path(snapshot_path: pathlib.Path) -> pathlib.Path:
    return snapshot_path.with_name(snapshot_path.name.removesuffix(".faiss") + ".shared.faiss")


def identity(path: pathlib.Path) -> tuple[int, int, int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


def write(path: pathlib.Path, index: VectorIndex) -> bool:
    """Replace `path` atomically with `index` in FAISS's format, streamed by FAISS's own writer (no copy of the
    index in memory); False while the index is empty. No fsync: the file is derived state, rebuilt by worker 0
    after a crash."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    os.close(fd)
    try:
        if not index.write_faiss(pathlib.Path(tmp)):
            os.unlink(tmp)
            return False
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return True


def map_file(path: pathlib.Path, config: IndexConfig) -> VectorIndex | None:
    """The published index at `path`, memory-mapped; None when missing or unreadable (worker 0 replaces it)."""
    try:
        index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC)
    except RuntimeError as exc:
        if path.exists():
            log.warning("cannot map the published index %s (%s)", path, exc)
        return None
    if not isinstance(index, faiss.IndexIDMap2):
        return None
    return VectorIndex.wrap(config, index)


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
            if write(path, target_index.index):
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
