"""The million-object benchmark's data, made in seeded chunks so that no process holds all vectors twice.

Needs only numpy: bench/million_bench.py (weavebind's venv) and bench/million_peer.py (the `.bench-peers` venv)
import it and regenerate exactly the same objects, chunk by chunk.

Object `i`: a vector around one of `CLUSTERS` gaussian centres (as bench/common.py's data), an int `bucket` =
`i % 100` (so `bucket < t` keeps exactly t % of a class whose size is a multiple of 100), and a text `body` that
holds `every` (all objects), `common` (one in three) and `rare` (one in a thousand) beside a filler word.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

CHUNK = 10_000  # part of the data's definition: chunk c is drawn from the seed (seed, c)
CLUSTERS = 100
BUCKETS = 100
SELECTIVITIES = (1, 10, 50, 90)  # percent of the class a `bucket < t` filter keeps
TERMS = {"rare": 1000, "common": 3, "every": 1}  # term -> held by objects with i % period == 0 (shifted below)


def sigma_for(dim: int) -> float:
    """Cluster noise: at 256-d and above, 2.5 (as bench/filtered_bench.py), else 1.0 (the clusters stay apart)."""
    return 2.5 if dim >= 256 else 1.0


def centres(dim: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng([seed, 0xC]).standard_normal((CLUSTERS, dim)).astype(np.float32)


def chunk(c: int, n: int, dim: int, seed: int = 0, cent: np.ndarray | None = None) -> np.ndarray:
    """Vectors of objects `c * CHUNK` up to `min(n, (c + 1) * CHUNK)`, float32, the same every time."""
    cent = centres(dim, seed) if cent is None else cent
    rng = np.random.default_rng([seed, c])
    rows = min(n, (c + 1) * CHUNK) - c * CHUNK
    labels = rng.integers(0, CLUSTERS, rows)
    noise = rng.standard_normal((rows, dim), dtype=np.float32)
    return cent[labels] + np.float32(sigma_for(dim)) * noise


def chunks(n: int, dim: int, seed: int = 0) -> Iterator[tuple[int, np.ndarray]]:
    """(first object number, vectors) for every chunk in order."""
    cent = centres(dim, seed)
    for c in range((n + CHUNK - 1) // CHUNK):
        yield c * CHUNK, chunk(c, n, dim, seed, cent)


def queries(count: int, dim: int, seed: int = 0) -> np.ndarray:
    """Query vectors drawn like the data (a centre plus the same noise) from their own seed."""
    rng = np.random.default_rng([seed, 0xA])
    picked = centres(dim, seed)[rng.integers(0, CLUSTERS, count)]
    return (picked + sigma_for(dim) * rng.standard_normal(picked.shape)).astype(np.float32)


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
