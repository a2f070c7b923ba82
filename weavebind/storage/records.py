"""The object record that crosses the storage boundary."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

import numpy as np

LEGACY_TARGET = ""  # the target name of a class's single, unnamed vector
# Joins a class and a tenant into one storage key ("Book#alice"): class names are [A-Z][_0-9A-Za-z]* and tenant
# names [A-Za-z0-9_-], so the key never collides with a class name or another tenant. Everything below the store
# (SQL rows, FAISS indexes, snapshots, the keyword index) keys on it, which gives each tenant its own indexes.
TENANT_SEPARATOR = "#"


def shared_uuid(uuid: str) -> str:
    """The process's one str object for this uuid. The vector index's label maps, the filter index and the keyword
    index each keep every uuid of a class, from different sources (a request, SQL, a file); as separate copies they
    cost ~85 bytes per uuid each, 255 MB at 1M objects. Interned, they share one, for an entry in the interpreter's
    table of interned strings (~40 bytes)."""
    return sys.intern(uuid)


def storage_key(class_name: str, tenant: str | None) -> str:
    return class_name if not tenant else f"{class_name}{TENANT_SEPARATOR}{tenant}"


def split_key(key: str) -> tuple[str, str | None]:
    """(class name, tenant or None) of a storage key."""
    class_name, _, tenant = key.partition(TENANT_SEPARATOR)
    return class_name, tenant or None


@dataclass
class ObjectRecord:
    """One stored object. `vectors` maps a target vector name (`""` for the legacy vector) to float32 values."""

    class_name: str
    uuid: str
    properties: dict
    created_ms: int
    updated_ms: int
    vectors: dict[str, np.ndarray] = field(default_factory=dict)
    tenant: str | None = None

    @property
    def key(self) -> str:
        """Where the record is stored: its class, or its class and tenant (`storage_key`)."""
        return storage_key(self.class_name, self.tenant)


def vector_to_bytes(vector: np.ndarray) -> bytes:
    return np.ascontiguousarray(vector, dtype="<f4").tobytes()


def vector_from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<f4")
