"""The module scenarios' inputs and the vectors the fake inference containers answer for them (`modules.json`,
pinned by tests/compat/conftest.py): standard library only, imported by the Python clients' scenario scripts."""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path

TABLE = json.loads((Path(__file__).parent / "modules.json").read_text())
CONCEPTS: list[str] = TABLE["concepts"]
MEDIA: dict[str, str] = TABLE["media"]  # modality → the container's request key


def vector(concept: str) -> list[float]:
    """The vector of a concept or blend: texts and every medium of a concept share it."""
    parts = TABLE["blends"].get(concept, [concept])
    return [1.0 if name in parts else 0.0 for name in CONCEPTS] + [0.0] * (TABLE["dim"] - len(CONCEPTS))


def media(modality: str, concept: str) -> str:
    """A base64 payload of `modality` that the fake answers with `vector(concept)`."""
    return base64.b64encode(f"{modality}:{concept}".encode()).decode()


def cosine_distance(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return 1.0 - dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


def moved(concept: str, to: str | None = None, away: str | None = None, force: float = 1.0) -> list[float]:
    """Weaviate's nearText movement (moveTo first, then moveAwayFrom), to predict distances."""
    v = vector(concept)
    if to:
        v = [x * (1 - force / 2) + t * force / 2 for x, t in zip(v, vector(to), strict=True)]
    if away:
        v = [x + force / 2 * (x - t) for x, t in zip(v, vector(away), strict=True)]
    return v


def close(a: float, b: float, tol: float = 1e-3) -> bool:
    return abs(a - b) <= tol
