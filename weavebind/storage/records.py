"""The object record that crosses the storage boundary."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

LEGACY_TARGET = ""  # the target name of a class's single, unnamed vector


@dataclass
class ObjectRecord:
    """One stored object. `vectors` maps a target vector name (`""` for the legacy vector) to float32 values."""

    class_name: str
    uuid: str
    properties: dict
    created_ms: int
    updated_ms: int
    vectors: dict[str, np.ndarray] = field(default_factory=dict)


def vector_to_bytes(vector: np.ndarray) -> bytes:
    return np.ascontiguousarray(vector, dtype="<f4").tobytes()


def vector_from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<f4")
