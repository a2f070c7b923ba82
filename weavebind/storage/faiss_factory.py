"""FAISS specifics for :mod:`weavebind.storage.vector_index`: the index configuration, metric mapping, index
construction, selectors, the snapshot file format and the optional GPU mirror.

Metric mapping (Weaviate → FAISS):

* ``cosine`` → inner product over unit-normalised stored vectors (distance = ``1 - ip``).
* ``dot`` → inner product over the raw vectors (distance = ``-ip``).
* ``l2-squared`` → ``METRIC_L2`` (FAISS reports squared L2).
* ``manhattan`` → ``METRIC_L1``; both ``IndexFlat`` and ``IndexHNSWFlat`` support it natively.
* ``hamming`` → no FAISS metric over floats. Vectors are kept in a flat store (``IndexFlat`` used only as a container
  that can reconstruct, remove and serialise) and every search is computed exactly in numpy, whatever
  ``vectorIndexType`` says.

Every index is wrapped in ``IndexIDMap2`` so FAISS labels are the caller's int64 labels and stored vectors can be
reconstructed by label.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import pathlib
import struct
import tempfile
import threading
import zlib
from dataclasses import dataclass

import faiss
import numpy as np

from weavebind.storage.distances import check_metric

log = logging.getLogger(__name__)

FAISS_METRIC = {
    "cosine": faiss.METRIC_INNER_PRODUCT,
    "dot": faiss.METRIC_INNER_PRODUCT,
    "l2-squared": faiss.METRIC_L2,
    "manhattan": faiss.METRIC_L1,
}

INDEX_TYPES = ("hnsw", "flat")
_MAGIC = b"WBVIDX01"
_FORMAT_VERSION = 1  # part of the fingerprint: bump when what is stored changes meaning
_WEAVIATE_INT_KEYS = {
    "maxConnections": "max_connections", "efConstruction": "ef_construction", "ef": "ef",
    "dynamicEfMin": "dynamic_ef_min", "dynamicEfMax": "dynamic_ef_max", "dynamicEfFactor": "dynamic_ef_factor",
    "flatSearchCutoff": "flat_search_cutoff",
}

# FAISS keeps efSearch in a C int and allocates a heap of that many entries per search: the hard ceiling of any ef
# (the vector index also caps it at the number of stored vectors, past which HNSW search is exhaustive anyway).
MAX_EF = 2**31 - 1

# GPU brute-force k-selection is limited to 2048 in FAISS; beyond that the CPU path answers.
GPU_MAX_K = 2048


@dataclass(frozen=True)
class IndexConfig:
    """Settings of one vector index; the fields mirror Weaviate's ``vectorIndexConfig`` keys and defaults.

    ``ef == -1`` is Weaviate's dynamic ef (see :meth:`search_ef`). ``use_gpu`` is ours: search flat indexes on a GPU
    when FAISS sees one. Importable from :mod:`weavebind.storage.vector_index`, which is where callers get it.
    """

    index_type: str = "hnsw"
    distance: str = "cosine"
    max_connections: int = 32
    ef_construction: int = 128
    ef: int = -1
    dynamic_ef_min: int = 100
    dynamic_ef_max: int = 500
    dynamic_ef_factor: int = 8
    flat_search_cutoff: int = 40000
    use_gpu: bool = False

    def __post_init__(self) -> None:
        if self.index_type not in INDEX_TYPES:
            raise ValueError(f'unrecognized or unsupported vectorIndexType "{self.index_type}": '
                             f"allowed values are {', '.join(INDEX_TYPES)}")
        check_metric(self.distance)
        if self.max_connections < 2 or self.ef_construction < 1 or self.flat_search_cutoff < 0:
            raise ValueError("maxConnections must be >= 2, efConstruction >= 1 and flatSearchCutoff >= 0")

    @classmethod
    def from_weaviate(cls, vector_index_type: str, vector_index_config: dict | None,
                      use_gpu: bool = False) -> IndexConfig:
        """Build from a class's ``vectorIndexType`` and ``vectorIndexConfig`` (camelCase); absent keys default."""
        cfg = vector_index_config or {}
        ints = {field: int(cfg[key]) for key, field in _WEAVIATE_INT_KEYS.items() if cfg.get(key) is not None}
        return cls(index_type=vector_index_type or "hnsw", distance=cfg.get("distance") or "cosine",
                   use_gpu=use_gpu, **ints)

    @property
    def storage(self) -> str:
        """The structure actually built: ``index_type``, except that hamming is always flat (module docstring)."""
        return self.index_type if self.distance in FAISS_METRIC else "flat"

    def search_ef(self, k: int) -> int:
        """efSearch for a top-k query: Weaviate's ``clamp(k * dynamicEfFactor, dynamicEfMin, dynamicEfMax)`` when
        ``ef == -1``, and never below k (FAISS cannot return more than efSearch results)."""
        ef = self.ef
        if ef < 0:
            ef = min(max(k * self.dynamic_ef_factor, self.dynamic_ef_min), self.dynamic_ef_max)
        return min(max(ef, k), MAX_EF)

    def fingerprint(self) -> str:
        """What a saved index depends on. Search-time settings (ef*, flatSearchCutoff, use_gpu) are left out:
        Weaviate lets them change on a live class, and they must not force a rebuild."""
        parts = [f"v{_FORMAT_VERSION}", self.storage, self.distance]
        if self.storage == "hnsw":
            parts += [str(self.max_connections), str(self.ef_construction)]
        return "|".join(parts)


def new_index(config: IndexConfig, dim: int) -> faiss.Index:
    """An empty ``IndexIDMap2`` around the flat or HNSW index ``config`` describes."""
    # hamming only needs a container; L2 is as good as any metric for that.
    metric = FAISS_METRIC.get(config.distance, faiss.METRIC_L2)
    if config.storage == "hnsw":
        inner = faiss.IndexHNSWFlat(dim, config.max_connections, metric)
        inner.hnsw.efConstruction = config.ef_construction
    else:
        inner = faiss.IndexFlat(dim, metric)
    return faiss.IndexIDMap2(inner)


def memory_buffers(index: faiss.Index) -> list[tuple[int, int]]:
    """(address, bytes) of the big buffers a search reads: the stored vectors, and HNSW's neighbour lists
    (`index` is an IndexIDMap2 around them, or the inner index itself)."""
    inner = faiss.downcast_index(index.index if isinstance(index, faiss.IndexIDMap2) else index)
    flat = faiss.downcast_index(inner.storage) if isinstance(inner, faiss.IndexHNSW) else inner
    vectors = [flat.codes, inner.hnsw.neighbors] if isinstance(inner, faiss.IndexHNSW) else [flat.codes]
    return [(int(v.data()), int(v.byte_size())) for v in vectors if v.size()]


def stored_ids(index: faiss.Index) -> np.ndarray:
    """Labels in FAISS's internal order (row i of the inner index has label ``stored_ids(index)[i]``)."""
    return faiss.vector_to_array(index.id_map).astype(np.int64, copy=False)


def flat_storage(index: faiss.Index) -> faiss.IndexFlat | None:
    """The IndexFlat holding the vectors of an IndexIDMap2 around a flat or HNSW-flat index, or None."""
    inner = faiss.downcast_index(index.index if isinstance(index, faiss.IndexIDMap2) else index)
    flat = faiss.downcast_index(inner.storage) if isinstance(inner, faiss.IndexHNSW) else inner
    return flat if isinstance(flat, faiss.IndexFlat) else None


def stored_matrix(index: faiss.Index) -> np.ndarray | None:
    """A zero-copy (ntotal, d) view of the stored float vectors in internal row order, or None where they are not
    stored as plain floats. Valid only until the index is next written: read it under the index's read lock."""
    flat = flat_storage(index)
    if flat is None or flat.ntotal == 0:
        return None
    return faiss.rev_swig_ptr(flat.get_xb(), flat.ntotal * flat.d).reshape(flat.ntotal, flat.d)


def stored_rows(index: faiss.Index, start: int, stop: int) -> np.ndarray:
    """Stored vectors of internal rows ``[start, stop)``."""
    if stop <= start:
        return np.empty((0, index.d), dtype=np.float32)
    return index.index.reconstruct_n(start, stop - start)


def selector(labels: np.ndarray) -> faiss.IDSelector:
    """Selector accepting exactly ``labels`` (external ids; IndexIDMap translates them)."""
    return faiss.IDSelectorBatch(np.ascontiguousarray(labels, dtype=np.int64))


def excluding(labels: np.ndarray) -> faiss.IDSelector:
    """Selector rejecting ``labels``, used to hide tombstones."""
    child = selector(labels)
    sel = faiss.IDSelectorNot(child)
    sel.referenced_objects = [child]  # IDSelectorNot holds a raw pointer to its child; keep it alive with the parent
    return sel


def search_params(storage: str, sel: faiss.IDSelector | None, ef: int) -> faiss.SearchParameters | None:
    """Per-query parameters, so concurrent searches never mutate shared ``efSearch`` state."""
    if storage == "hnsw":
        params = faiss.SearchParametersHNSW(efSearch=ef)
    elif sel is None:
        return None
    else:
        params = faiss.SearchParameters()
    if sel is not None:
        params.sel = sel  # faiss's wrapper keeps a Python reference to sel for the lifetime of params
    return params


def serialize(index: faiss.Index | None) -> np.ndarray:
    """Index bytes for :func:`write_snapshot` (taken under the caller's lock; the file is written outside it)."""
    return faiss.serialize_index(index) if index is not None else np.empty(0, dtype=np.uint8)


def write_snapshot(path: pathlib.Path, header: dict, tombstones: np.ndarray, blob: np.ndarray) -> None:
    """Write ``MAGIC | u32 header length | JSON header | int64 tombstones | index bytes | u32 crc32 of all before``
    to a temporary file, fsync it, rename it over ``path`` and fsync the directory, so a crash leaves either the old
    file or the new one."""
    tombs = np.ascontiguousarray(tombstones, dtype="<i8")
    meta = json.dumps({**header, "tombstones": int(tombs.size), "index_bytes": int(blob.size)}).encode()
    parts = [_MAGIC, struct.pack("<I", len(meta)), meta, tombs, blob]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            crc = 0
            for part in parts:
                f.write(part)
                crc = zlib.crc32(part, crc)
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
    """Inverse of :func:`write_snapshot`. Raises FileNotFoundError, or ValueError/RuntimeError when corrupt."""
    raw = memoryview(path.read_bytes())
    if len(raw) < len(_MAGIC) + 8 or bytes(raw[:len(_MAGIC)]) != _MAGIC:
        raise ValueError("not a weavebind vector index file")
    body = raw[:-4]
    if zlib.crc32(body) != struct.unpack("<I", raw[-4:])[0]:
        raise ValueError("checksum mismatch")
    start = len(_MAGIC) + 4
    end = start + struct.unpack_from("<I", body, len(_MAGIC))[0]
    header = json.loads(bytes(body[start:end]))
    n_tombs, n_bytes = int(header["tombstones"]), int(header["index_bytes"])
    if end + 8 * n_tombs + n_bytes != len(body):
        raise ValueError("length mismatch")
    tombs = np.frombuffer(body, dtype="<i8", count=n_tombs, offset=end).astype(np.int64)
    if not n_bytes:
        return header, tombs, None
    index = faiss.deserialize_index(np.frombuffer(body, dtype=np.uint8, count=n_bytes, offset=end + 8 * n_tombs))
    if not isinstance(index, faiss.IndexIDMap2):
        raise ValueError(f"expected an IndexIDMap2, found {type(index).__name__}")
    return header, tombs, index


def gpu_count() -> int:
    """GPUs FAISS can use; 0 on faiss-cpu builds, which lack ``get_num_gpus`` or report 0."""
    try:
        return int(getattr(faiss, "get_num_gpus", lambda: 0)())
    except Exception:  # a broken CUDA runtime must degrade to CPU, not fail index creation
        return 0


class GpuMirror:
    """A lazily made GPU copy of a flat CPU index.

    The CPU index stays the source of truth: writes and persistence go to it, and the copy is dropped after each
    write (``invalidate``) and re-made by the next search. GPU resources are not thread-safe, so searches through the
    mirror are serialised by its own lock. Any GPU failure switches the mirror off for good: the CPU answers.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._resources = None
        self._index = None
        self._failed = False

    def invalidate(self) -> None:
        with self._lock:
            self._index = None

    def search_live(self, cpu_index: faiss.Index, query: np.ndarray, k: int,
                    tombstones: np.ndarray) -> np.ndarray | None:
        """Labels of the k nearest non-tombstoned vectors, or None when the CPU index must answer instead."""
        fetch = min(k + tombstones.size, cpu_index.ntotal)  # over-fetch: the GPU copy cannot skip tombstones
        if self._failed or fetch > GPU_MAX_K:
            return None
        try:
            with self._lock:
                if self._index is None:
                    if self._resources is None:
                        self._resources = faiss.StandardGpuResources()
                    self._index = faiss.index_cpu_to_gpu(self._resources, 0, cpu_index)
                _, ids = self._index.search(query.reshape(1, -1), fetch)
        except (RuntimeError, AttributeError):
            log.warning("GPU search failed; searching on the CPU from now on", exc_info=True)
            self._failed = True
            return None
        ids = ids[0][ids[0] >= 0]
        return ids[~np.isin(ids, tombstones)][:k]


_team = threading.local()


def use_threads(count: int) -> None:
    """Set the calling thread's OpenMP team size for FAISS, only when it changes: every FAISS call hands the GIL
    back and must take it again, which costs up to a switch interval (5 ms) while other threads run Python."""
    if getattr(_team, "size", None) != count:
        faiss.omp_set_num_threads(count)
        _team.size = count
