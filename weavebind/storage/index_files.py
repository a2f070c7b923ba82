"""Persistence of a VectorIndex (a part of vector_index.py's VectorIndex, kept apart from searching): its snapshot
file (format in snapshot_file.py), the bytes worker 0 publishes (published.py), and wrapping an index read
elsewhere. A compressed index's float32 vectors travel with it: appended to its snapshot, named to the workers.
"""

from __future__ import annotations

import logging
import pathlib
from typing import TYPE_CHECKING

import faiss
import numpy as np

from weavebind.storage import compression
from weavebind.storage import faiss_factory as ff
from weavebind.storage.faiss_factory import IndexConfig
from weavebind.storage.float_file import FloatFile

if TYPE_CHECKING:
    from weavebind.storage.vector_index import VectorIndex

log = logging.getLogger("weavebind.storage.vector_index")
_COPY_ROWS = 16384  # float32 vectors copied at a time from a snapshot into a float file


def _float_file(config: IndexConfig, index: faiss.Index, floats: np.ndarray | None) -> FloatFile | None:
    """A compressed index's float vectors, read from its snapshot (mapped) into a float file of its own."""
    if not compression.is_compressed(index):
        return None
    if floats is None or floats.shape[0] != index.ntotal:
        raise ValueError("the snapshot lacks the float32 vectors of its compressed index")
    out = FloatFile(index.d, config.float_dir)
    for start in range(0, floats.shape[0], _COPY_ROWS):
        out.append(floats[start:start + _COPY_ROWS])
    return out


class Persistence:
    """Mixed into VectorIndex, whose state (`_index`, `_floats`, `_tombstones`, locks) it reads and sets."""

    @classmethod
    def wrap(cls, config: IndexConfig, index: faiss.Index, floats: FloatFile | None = None) -> VectorIndex:
        """A VectorIndex over a FAISS index read elsewhere (a published, memory-mapped one: storage/published.py),
        with the float file of its vectors when it is compressed."""
        if compression.is_compressed(index) and (floats is None or floats.rows != index.ntotal):
            raise ValueError("a compressed index needs the float32 vectors of all its rows")
        wrapped = cls(config)
        wrapped._index, wrapped._dim, wrapped._floats = index, index.d, floats
        return wrapped

    def publishable(self) -> tuple[np.ndarray, str | None, int] | None:
        """The FAISS index's bytes, and for a compressed index the path and row count of its float file (rows the
        bytes hold, taken together under the lock), or None while empty."""
        with self._rw.read():
            if self._index is None:
                return None
            floats = self._floats
            return ff.serialize(self._index), floats.path if floats else None, self._index.ntotal

    def serialized(self) -> np.ndarray | None:
        """The FAISS index's bytes (faiss's own file format), or None while empty."""
        with self._rw.read():
            return ff.serialize(self._index) if self._index is not None else None

    def content_mark(self) -> tuple[int, int]:
        """Changes when vectors were added or physically dropped (not for tombstones)."""
        return (id(self._index), self._index.ntotal if self._index is not None else 0)

    def save(self, path: pathlib.Path, seq: int) -> None:
        """Persist the index, tombstones, dim, config fingerprint and ``seq`` atomically (tmp file, fsync, replace)."""
        with self._rw.read():
            blob, tombs, dim = ff.serialize(self._index), self._tombs(), self._dim
            # the float file only grows or is replaced whole: its first ntotal rows stay valid outside the lock
            floats = self._floats.matrix()[:self._index.ntotal] if self._floats is not None else None
        header = {"fingerprint": self.config.fingerprint(), "dim": dim, "seq": int(seq)}
        ff.write_snapshot(pathlib.Path(path), header, tombs, blob, floats)

    @classmethod
    def load(cls, path: pathlib.Path, config: IndexConfig) -> tuple[VectorIndex, int] | None:
        """``(index, seq)``, or None when the file is missing, corrupt, or was saved with another config."""
        try:
            header, tombs, index, floats = ff.read_snapshot_parts(pathlib.Path(path))
            if header["fingerprint"] != config.fingerprint():
                log.info("vector index %s was saved for %s, not %s: rebuilding", path, header["fingerprint"],
                         config.fingerprint())
                return None
            vi = cls(config)
            if index is not None:
                vi._index, vi._dim = index, index.d
                if index.d != header["dim"] or not np.isin(tombs, vi._ids()).all():
                    raise ValueError("index does not match its header")
                vi._tombstones = set(tombs.tolist())
                vi._floats = _float_file(config, index, floats)
            return vi, int(header["seq"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
            # Derived state: an unreadable file only means "rebuild from SQL".
            log.warning("cannot load vector index %s (%s): rebuilding", path, exc)
            return None
