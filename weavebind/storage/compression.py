"""Compressed vector indexes from Weaviate's `pq`, `sq`, `bq` and `rq` settings, built with FAISS.

What each setting builds (always HNSW over compressed codes, inside the usual IndexIDMap2):

* ``sq``: 8-bit scalar quantisation per dimension (``IndexHNSWSQ``, QT_8bit): d bytes per vector.
* ``pq``: product quantisation (``IndexHNSWPQ``) with ``segments`` sub-vectors of ``log2(centroids)`` bits each
  (FAISS needs whole bytes: centroids must be 256, 8 bits per segment). ``segments: 0`` takes Weaviate's rule
  (`default_segments`).
* ``bq``: one bit per dimension, the sign of each component (around the data's mean) plus two floats of
  correction per vector (FAISS's 1-bit RaBitQ, ``IndexHNSWRaBitQ``): d / 8 + 8 bytes per vector. For ``dot``,
  which FAISS's RaBitQ HNSW does not take, plain sign bits (``IndexLSH`` under HNSW, slower to build).
* ``rq``: Weaviate's rotational quantisation: a random orthogonal rotation (``RandomRotationMatrix`` in an
  ``IndexPreTransform``, d x d floats once per index) then 8 bits per dimension with one range for all dimensions
  (``IndexHNSWSQ``, QT_8bit_uniform: the rotation spreads every vector's energy evenly, so one range fits all);
  ``bits: 1`` keeps the 1-bit RaBitQ codes of ``bq`` after the rotation (sign bits for ``dot``).

pq and sq learn codebooks or ranges from data: as in Weaviate, the index stays uncompressed float32 HNSW until
``trainingLimit`` vectors exist, then the background indexer trains on them and rebuilds it compressed. bq and rq
need no such training in Weaviate; here they only learn a mean (RaBitQ) or one value range (rq), from the vectors
of the first indexed chunk, and compress from then on (rescoring absorbs values outside that range).

Compressing keeps the float32 index's HNSW graph (linked with exact distances) and moves the codes under it
(`encode`, `with_graph`); a later rebuild of pq or 1-bit codes links its graph over 8-bit codes first
(`graph_builder`), since FAISS linking by those codes' own distances gives a poor graph at high dimensions.

Every compressed search is rescored: FAISS returns `rescore_count` candidates ranked by the codes, and the vector
index re-ranks them exactly with the float32 vectors it keeps on disk (float_file.py), so reported distances are
the exact ones. Compression needs a FAISS metric: ``manhattan`` and ``hamming`` classes are stored uncompressed.
"""

from __future__ import annotations

from dataclasses import dataclass

import faiss
import numpy as np

METHODS = ("pq", "sq", "bq", "rq")
TRAINING_SAMPLE = 100000  # at most this many vectors train a quantizer (k-means cost grows with it)
_METRICS = {"cosine": faiss.METRIC_INNER_PRODUCT, "dot": faiss.METRIC_INNER_PRODUCT,
            "l2-squared": faiss.METRIC_L2}
_PQ_ENCODERS = ("kmeans", "tile")
_PQ_DISTRIBUTIONS = ("log-normal", "normal")


@dataclass(frozen=True)
class Compression:
    """One enabled compression method and its settings (Weaviate's names in the comments)."""

    method: str
    segments: int = 0  # pq.segments; 0: default_segments(d)
    centroids: int = 256  # pq.centroids
    training_limit: int = 100000  # pq/sq.trainingLimit
    rescore_limit: int = -1  # sq/rq.rescoreLimit; -1: the search's ef
    bits: int = 8  # rq.bits

    @classmethod
    def from_weaviate(cls, config: dict | None) -> Compression | None:
        """The enabled method of a ``vectorIndexConfig``, or None. Values were validated by `check_settings`."""
        config = config or {}
        for method in METHODS:
            sub = config.get(method)
            if isinstance(sub, dict) and sub.get("enabled") is True:
                limit = int(sub.get("trainingLimit") or 100000)
                return cls(method, segments=int(sub.get("segments") or 0), centroids=int(sub.get("centroids") or 256),
                           training_limit=limit, rescore_limit=int(sub.get("rescoreLimit") or -1),
                           bits=int(sub.get("bits") or 8))
        return None

    @property
    def kind(self) -> str:
        """The structure built: rq with 1 bit is sign bits after a rotation."""
        return "rq1" if self.method == "rq" and self.bits == 1 else self.method

    def fingerprint(self) -> str:
        """What compressed codes depend on (not trainingLimit or rescoreLimit, which only steer search and timing)."""
        return f"{self.kind}:{self.segments}:{self.centroids}" if self.kind == "pq" else self.kind

    def rescore_count(self, k: int, ef: int) -> int:
        """Candidates re-ranked exactly: ``max(rescoreLimit, k)`` (sq, rq), the search's whole ef list otherwise."""
        return max(self.rescore_limit, k) if self.rescore_limit > 0 else max(ef, k)

    def threshold(self) -> int:
        """Live vectors needed before the index is compressed: trainingLimit for pq and sq, the first for bq, rq."""
        return self.training_limit if self.method in ("pq", "sq") else 1


def supported(distance: str) -> bool:
    return distance in _METRICS


def default_segments(dim: int) -> int:
    """Weaviate's PQ segments when ``segments`` is 0: fewer, longer segments as dimensions grow."""
    for minimum, divisor in ((2048, 8), (768, 6), (256, 4)):
        if dim >= minimum and dim % divisor == 0:
            return dim // divisor
    return dim // 2 if dim % 2 == 0 else dim


def check_dim(comp: Compression, dim: int) -> None:
    """Raise ValueError (Weaviate's text) when the settings cannot compress vectors of ``dim`` dimensions."""
    if comp.kind == "pq" and dim % (comp.segments or default_segments(dim)) != 0:
        raise ValueError("segments should be an integer divisor of dimensions")


def check_settings(method: str, sub: dict) -> None:
    """Raise ValueError for settings Weaviate's quantizers refuse (its texts), or that FAISS cannot build."""
    ints = {key: sub.get(key) for key in ("segments", "centroids", "trainingLimit", "rescoreLimit", "bits")
            if sub.get(key) is not None}
    for key, value in ints.items():
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"{method}.{key} must be an integer, got {value!r}")
    if method == "pq":
        if ints.get("segments", 0) < 0:
            raise ValueError("segments cannot be 0 nor negative")
        centroids = ints.get("centroids", 256)
        if centroids > 256:
            raise ValueError(f"centroids should not be higher than 256. Attempting to use {centroids}")
        if centroids != 256:
            raise ValueError(f"pq.centroids {centroids} is not supported: weavebind's FAISS PQ uses 256 centroids "
                             "(8 bits per segment)")
        encoder = sub.get("encoder") if isinstance(sub.get("encoder"), dict) else {}
        if encoder.get("type", "kmeans") not in _PQ_ENCODERS:
            raise ValueError(f"invalid encoder type {encoder.get('type')}")
        if encoder.get("distribution", "log-normal") not in _PQ_DISTRIBUTIONS:
            raise ValueError(f"invalid encoder distribution {encoder.get('distribution')}")
    if ints.get("trainingLimit", 1) <= 0:
        raise ValueError(f"{method}.trainingLimit must be a positive integer, got {ints['trainingLimit']}")
    if method == "rq" and ints.get("bits", 8) not in (1, 8):
        raise ValueError(f"rq.bits must be 1 or 8, got {ints['bits']}")


def new_index(comp: Compression, distance: str, dim: int, max_connections: int,
              ef_construction: int) -> faiss.Index:
    """An empty, untrained IndexIDMap2 around HNSW over the codes `comp` describes."""
    check_dim(comp, dim)
    metric = _METRICS[distance]
    kind = comp.kind
    if kind == "pq":
        # FAISS's HNSW over PQ builds a poor graph for inner product (it links codes by a symmetric L2 table:
        # recall@100 candidates ~0.65 measured with faiss 1.15), so it is built and searched with L2: the same
        # ranking for unit (cosine) vectors; for dot, candidates by L2, then rescored by the dot product.
        inner = faiss.IndexHNSWPQ(dim, comp.segments or default_segments(dim), max_connections, 8, faiss.METRIC_L2)
    elif kind == "sq":
        inner = faiss.IndexHNSWSQ(dim, faiss.ScalarQuantizer.QT_8bit, max_connections, metric)
    elif kind == "rq":  # after the rotation every dimension looks alike: one range for all, learnt from few vectors
        inner = faiss.IndexHNSWSQ(dim, faiss.ScalarQuantizer.QT_8bit_uniform, max_connections, metric)
    elif distance == "dot":  # bq, rq1: RaBitQ's HNSW takes L2 only
        inner = faiss.IndexHNSW(faiss.IndexLSH(dim, dim, False, False), max_connections)
    else:  # bq, rq1 over unit (cosine) or L2 vectors: L2 ranks unit vectors as cosine does
        inner = faiss.IndexHNSWRaBitQ(dim, max_connections, 1, faiss.METRIC_L2)
    inner.hnsw.efConstruction = ef_construction
    if kind in ("rq", "rq1"):
        rotation = faiss.RandomRotationMatrix(dim, dim)
        rotation.init(1234)  # fixed seed: a rebuild rotates as the first build did
        inner = faiss.IndexPreTransform(rotation, inner)  # faiss's wrapper keeps Python references to the parts
    return faiss.IndexIDMap2(inner)


def train(index: faiss.Index, sample: np.ndarray) -> None:
    """Train `index` (new_index's) on stored vectors; a no-op for sign bits."""
    if not index.is_trained:
        index.train(np.ascontiguousarray(sample[:TRAINING_SAMPLE], dtype=np.float32))


def empty_like(index: faiss.Index) -> faiss.Index:
    """A trained, empty copy of a compressed index (its codebooks and rotation kept), for rebuilding."""
    fresh = faiss.clone_index(index)
    fresh.reset()
    return fresh


def is_compressed(index: faiss.Index | None) -> bool:
    """Whether a FAISS index (an IndexIDMap2) holds compressed codes rather than float32 vectors."""
    if index is None:
        return False
    inner = faiss.downcast_index(index.index if isinstance(index, faiss.IndexIDMap2) else index)
    if isinstance(inner, faiss.IndexPreTransform):
        return True
    storage = faiss.downcast_index(inner.storage) if isinstance(inner, faiss.IndexHNSW) else inner
    return not isinstance(storage, faiss.IndexFlat)


def links_by_codes(index: faiss.Index) -> bool:
    """Whether HNSW built over these codes links a poor graph (pq: symmetric code distances; 1-bit codes), so a
    rebuild links the graph from finer vectors and then moves the codes under it (`with_graph`)."""
    inner = faiss.downcast_index(index.index)
    if isinstance(inner, faiss.IndexPreTransform):
        inner = faiss.downcast_index(inner.index)
    return not isinstance(inner, faiss.IndexHNSWSQ)


def _parts(index: faiss.Index) -> tuple[faiss.IndexPreTransform | None, faiss.IndexHNSW]:
    inner = faiss.downcast_index(index.index)
    if isinstance(inner, faiss.IndexPreTransform):
        return inner, faiss.downcast_index(inner.index)
    return None, inner


def encode(index: faiss.Index, vectors: np.ndarray) -> None:
    """Append the codes of `vectors` to a compressed index's storage without linking them into its graph."""
    pre, hnsw = _parts(index)
    if pre is not None:
        vectors = faiss.downcast_VectorTransform(pre.chain.at(0)).apply(vectors)
    faiss.downcast_index(hnsw.storage).add(np.ascontiguousarray(vectors, dtype=np.float32))


def graph_builder(dim: int, distance: str, max_connections: int, ef_construction: int,
                  sample: np.ndarray) -> faiss.Index:
    """HNSW over 8-bit codes (graph nearly as good as float32's, a quarter of its memory) to link a rebuild's graph
    for codes that link poorly (`links_by_codes`)."""
    inner = faiss.IndexHNSWSQ(dim, faiss.ScalarQuantizer.QT_8bit, max_connections, _METRICS[distance])
    inner.hnsw.efConstruction = ef_construction
    builder = faiss.IndexIDMap2(inner)
    builder.train(np.ascontiguousarray(sample[:TRAINING_SAMPLE], dtype=np.float32))
    return builder


def with_graph(index: faiss.Index, source: faiss.Index, labels: np.ndarray) -> faiss.Index:
    """`index`, whose storage holds the codes of every row (`encode`), with the HNSW graph of `source` (an
    IndexIDMap2 around HNSW over the same rows, in the same order) and `labels` as its ids. Rotations (rq) keep
    distances, so a graph linked before the rotation serves after it."""
    pre, hnsw = _parts(index)
    hnsw.hnsw = faiss.downcast_index(source.index).hnsw  # a copy
    n = faiss.downcast_index(hnsw.storage).ntotal
    if n != labels.size or n != source.ntotal:
        raise ValueError(f"graph of {source.ntotal} rows, {n} codes, {labels.size} labels")
    hnsw.ntotal = index.ntotal = n
    if pre is not None:
        pre.ntotal = n
    faiss.copy_array_to_vector(np.ascontiguousarray(labels, dtype=np.int64), index.id_map)
    # FAISS derives its search state (id map lookup, storage views) when it reads an index: a round trip through
    # its own format gives an index as consistent as one loaded from a snapshot.
    return faiss.deserialize_index(faiss.serialize_index(index))
