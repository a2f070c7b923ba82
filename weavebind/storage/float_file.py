"""The float32 vectors of a compressed index, on disk: row i is the vector of the index's internal row i.

A compressed index keeps only codes in memory; searches rescore their candidates with these exact vectors, read
through a read-only memory map, so they sit in the page cache (reclaimable, shared with the worker processes that
map the same file) instead of in the process's own heap.

The file is append-only: an index rebuild (compaction, first compression) writes a new file and the old one is
deleted once nothing uses it. Files are named ``wbfloats-<random>.f32`` in the index directory; a file left by a
crash is deleted at the next start (`sweep`).
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import tempfile
import threading
import uuid
import weakref

import numpy as np

PREFIX = "wbfloats-"


def _unlink(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _release(file, path: str | None) -> None:
    file.close()
    if path is not None:
        _unlink(path)


class FloatFile:
    """Append-only (rows, dim) float32 matrix in a file; `matrix()` is a zero-copy read-only view."""

    def __init__(self, dim: int, directory: str | os.PathLike | None = None, path: str | None = None,
                 rows: int = 0, owner: bool = True) -> None:
        self.dim = dim
        directory = pathlib.Path(directory or tempfile.gettempdir())
        if path is None:
            directory.mkdir(parents=True, exist_ok=True)
            path = str(directory / f"{PREFIX}{uuid.uuid4().hex}.f32")
            open(path, "wb").close()  # noqa: SIM115 - created empty, written by append
        self.path = path
        self.rows = rows
        self._lock = threading.Lock()
        self._view: np.ndarray | None = None
        # Writes and maps go through this handle, not the name: the data stays reachable whatever happens to the
        # name. The owner (the index that appends) deletes the file when it is garbage; a reader (a worker that
        # maps another process's file) never does. A reader's open map keeps the data alive after the unlink.
        self._file = open(path, "r+b" if owner else "rb")  # noqa: SIM115 - lives as long as this object
        self._finalizer = weakref.finalize(self, _release, self._file, path if owner else None)

    @classmethod
    def open_readonly(cls, path: str, dim: int, rows: int) -> FloatFile:
        """Another process's file, its first `rows` rows (raises OSError/ValueError when missing or short)."""
        if os.path.getsize(path) < rows * dim * 4:
            raise ValueError(f"{path} holds fewer than {rows} vectors")
        found = cls(dim, path=path, rows=rows, owner=False)
        found.matrix()  # map now: the file may be deleted by its owner later
        return found

    def append(self, vectors: np.ndarray) -> None:
        """Add rows at the end (the caller holds the index's write lock, so rows stay in step with FAISS)."""
        data = np.ascontiguousarray(vectors, dtype=np.float32)
        if data.ndim != 2 or data.shape[1] != self.dim:
            raise ValueError(f"expected (n, {self.dim}) vectors, got {data.shape}")
        if not data.shape[0]:
            return
        with self._lock:
            self._file.seek(self.rows * self.dim * 4)
            self._file.write(memoryview(data).cast("B"))
            self._file.flush()  # the map reads the file, not this buffer
            self.rows += data.shape[0]
            self._view = None

    def matrix(self) -> np.ndarray:
        """The (rows, dim) vectors, memory-mapped read-only."""
        view = self._view
        if view is None or view.shape[0] != self.rows:
            with self._lock:
                if self.rows == 0:
                    view = np.empty((0, self.dim), dtype=np.float32)
                else:
                    view = np.memmap(self._file, dtype=np.float32, mode="r", shape=(self.rows, self.dim))
                self._view = view
        return view

    def delete(self) -> None:
        """Close and (owner) delete the file now; open maps stay readable."""
        self._finalizer()


def sweep(directory: pathlib.Path, keep: set[str]) -> None:
    """Delete float files in `directory` that no index uses (left by a crash or a previous run)."""
    if not directory.is_dir():
        return
    for path in directory.glob(f"{PREFIX}*.f32"):
        if str(path) not in keep:
            _unlink(str(path))
