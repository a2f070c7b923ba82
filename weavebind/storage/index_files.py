"""A VectorIndex over a FAISS index read elsewhere (a part of vector_index.py's VectorIndex): the published,
memory-mapped index of worker 0 (published.py), with the float file of its vectors when it is compressed. Snapshots
themselves are snapshots.py's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import faiss

from weavebind.storage import compression
from weavebind.storage.faiss_factory import IndexConfig
from weavebind.storage.float_file import FloatFile

if TYPE_CHECKING:
    from weavebind.storage.vector_index import VectorIndex


class Persistence:
    """Mixed into VectorIndex, whose state (`_index`, `_floats`, locks) it reads and sets."""

    @classmethod
    def wrap(cls, config: IndexConfig, index: faiss.Index, floats: FloatFile | None = None) -> VectorIndex:
        """A VectorIndex over a FAISS index read elsewhere (a published, memory-mapped one: storage/published.py),
        with the float file of its vectors when it is compressed."""
        if compression.is_compressed(index) and (floats is None or floats.rows != index.ntotal):
            raise ValueError("a compressed index needs the float32 vectors of all its rows")
        wrapped = cls(config)
        wrapped._index, wrapped._dim, wrapped._floats = index, index.d, floats
        return wrapped

    def content_mark(self) -> tuple[int, int]:
        """Changes when vectors were added or physically dropped (not for tombstones)."""
        return (id(self._index), self._index.ntotal if self._index is not None else 0)
