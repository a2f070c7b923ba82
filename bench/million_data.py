"""The million-object benchmark's data, made in seeded chunks so that no process holds all vectors twice.

Needs only numpy: bench/million_bench.py (weavebind's venv) and bench/million_peer.py (the `.bench-peers` venv)
import it and regenerate exactly the same objects, chunk by chunk.

Object `i`: a vector around one of `CLUSTERS` gaussian centres (as bench/common.py's data), spread either by
isotropic noise (`Shape.latent` 0, the default: in 256-d and above the noise outweighs the centres, so neighbours
are barely nearer than anyone else and HNSW finds ~0.82 of the true top 10 at efSearch 100) or mostly within a
shared `latent`-dimensional subspace plus a little noise, as embeddings of real data lie near low-dimensional
structure (`--latent 64`: see docs/benchmarks.md for the recall it gives); an int `bucket` =
`i % 100` (so `bucket < t` keeps exactly t % of a class whose size is a multiple of 100), and a text `body` that
holds `every` (all objects), `common` (one in three) and `rare` (one in a thousand) beside a filler word.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

CHUNK = 10_000  # part of the data's definition: chunk c is drawn from the seed (seed, c)
CLUSTERS = 100
BUCKETS = 100
SELECTIVITIES = (1, 10, 50, 90)  # percent of the class a `bucket < t` filter keeps
TERMS = {"rare": 1000, "common": 3, "every": 1}  # term -> held by objects with i % period == 0 (shifted below)
LATENT_SPREAD = 2.0  # with `latent` > 0: the scale of the in-subspace offset (the centres' own scale is 1) ...
LATENT_NOISE = 0.5   # ... and of the isotropic noise added to it


@dataclass(frozen=True)
class Shape:
    """How the vectors are drawn: their dimension and the rank of the subspace the spread lies in (0: none)."""

    dim: int
    latent: int = 0


def sigma_for(dim: int) -> float:
    """Isotropic cluster noise: at 256-d and above, 2.5 (as bench/filtered_bench.py), else 1.0 (the clusters stay
    apart)."""
    return 2.5 if dim >= 256 else 1.0


def centres(dim: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng([seed, 0xC]).standard_normal((CLUSTERS, dim)).astype(np.float32)


def basis(shape: Shape, seed: int = 0) -> np.ndarray:
    """(latent, dim) directions of the in-subspace spread, scaled so an offset has unit variance per dimension."""
    rows = np.random.default_rng([seed, 0xB]).standard_normal((shape.latent, shape.dim))
    return (rows / np.sqrt(shape.latent)).astype(np.float32)


def _spread(shape: Shape, rng: np.random.Generator, rows: int, seed: int) -> np.ndarray:
    """Each row's offset from its centre."""
    if not shape.latent:
        return np.float32(sigma_for(shape.dim)) * rng.standard_normal((rows, shape.dim), dtype=np.float32)
    inside = rng.standard_normal((rows, shape.latent), dtype=np.float32) @ basis(shape, seed)
    noise = rng.standard_normal((rows, shape.dim), dtype=np.float32)
    return np.float32(LATENT_SPREAD) * inside + np.float32(LATENT_NOISE) * noise


def chunk(c: int, n: int, shape: Shape, seed: int = 0, cent: np.ndarray | None = None) -> np.ndarray:
    """Vectors of objects `c * CHUNK` up to `min(n, (c + 1) * CHUNK)`, float32, the same every time."""
    cent = centres(shape.dim, seed) if cent is None else cent
    rng = np.random.default_rng([seed, c])
    rows = min(n, (c + 1) * CHUNK) - c * CHUNK
    labels = rng.integers(0, CLUSTERS, rows)
    return cent[labels] + _spread(shape, rng, rows, seed)


def chunks(n: int, shape: Shape, seed: int = 0) -> Iterator[tuple[int, np.ndarray]]:
    """(first object number, vectors) for every chunk in order."""
    cent = centres(shape.dim, seed)
    for c in range((n + CHUNK - 1) // CHUNK):
        yield c * CHUNK, chunk(c, n, shape, seed, cent)


def queries(count: int, shape: Shape, seed: int = 0) -> np.ndarray:
    """Query vectors drawn like the data (a centre plus the same spread) from their own seed."""
    rng = np.random.default_rng([seed, 0xA])
    picked = centres(shape.dim, seed)[rng.integers(0, CLUSTERS, count)]
    if not shape.latent:  # float64 draws, as before the latent shape existed: the earlier runs' very queries
        return (picked + sigma_for(shape.dim) * rng.standard_normal(picked.shape)).astype(np.float32)
    return (picked + _spread(shape, rng, count, seed)).astype(np.float32)


def buckets(ids: np.ndarray) -> np.ndarray:
    return np.asarray(ids) % BUCKETS


def keeps(ids: np.ndarray, percent: int) -> np.ndarray:
    """Mask of the objects a `bucket < percent` filter keeps."""
    return buckets(ids) < percent * BUCKETS // 100


def body(i: int) -> str:
    """The text property; `rare` sits on i % 1000 == 7 so it is not tied to bucket 0."""
    words = ["every"]
    if i % TERMS["common"] == 1:
        words.append("common")
    if i % TERMS["rare"] == 7:
        words.append("rare")
    words.append(f"w{i % 5000}")
    return " ".join(words)


def holders(term: str, n: int) -> int:
    """How many of `n` objects hold `term` (what bm25 for it has to score without pruning)."""
    period = TERMS[term]
    offset = {"rare": 7, "common": 1, "every": 0}[term]
    return len(range(offset, n, period))


def uuid_of(i: int) -> str:
    """A fixed uuid per object number, so a search answer maps back to its row without a lookup table."""
    return f"00000000-0000-4000-8000-{i:012x}"


def row_of(uuid: str) -> int:
    return int(uuid[-12:], 16)
