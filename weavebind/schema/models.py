"""A compiled, read-only view of one class: what the object and query paths need, looked up once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from weavebind.storage.records import LEGACY_TARGET, storage_key


@dataclass(frozen=True)
class VectorTarget:
    """One vector of a class: the legacy vector (name "") or a named vector from `vectorConfig`."""

    name: str
    vectorizer: str              # module name or "none"
    module_config: dict[str, Any]
    index_type: str
    index_config: dict[str, Any]


@dataclass(frozen=True)
class ClassInfo:
    name: str
    config: dict[str, Any]       # the full, defaulted class JSON as returned by GET /v1/schema
    properties: dict[str, dict[str, Any]]
    targets: dict[str, VectorTarget]
    # The tenant a request addresses, for a multi-tenant class (set by TenantRegistry.scope, never stored).
    tenant: str | None = None

    @property
    def key(self) -> str:
        """Where this class's (or this tenant's) objects and indexes are stored."""
        return storage_key(self.name, self.tenant)

    @property
    def multi_tenant(self) -> bool:
        return bool((self.config.get("multiTenancyConfig") or {}).get("enabled"))

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> ClassInfo:
        props = {p["name"]: p for p in config.get("properties") or []}
        return cls(name=config["class"], config=config, properties=props, targets=_targets(config))

    def data_type(self, prop: str) -> str | None:
        """`text`, `int[]`, ... for primitives; the first target class name for a cross-reference."""
        found = self.properties.get(prop)
        return found["dataType"][0] if found else None

    def property_types(self) -> dict[str, str]:
        return {name: p["dataType"][0] for name, p in self.properties.items()}

    @property
    def has_legacy_vector(self) -> bool:
        return LEGACY_TARGET in self.targets

    @property
    def named_targets(self) -> list[str]:
        return [name for name in self.targets if name != LEGACY_TARGET]

    def index_specs(self) -> dict[str, tuple[str, dict[str, Any]]]:
        return {name: (t.index_type, t.index_config) for name, t in self.targets.items()}


def _targets(config: dict[str, Any]) -> dict[str, VectorTarget]:
    targets: dict[str, VectorTarget] = {}
    if "vectorIndexConfig" in config:
        vectorizer = config.get("vectorizer", "none")
        module_config = (config.get("moduleConfig") or {}).get(vectorizer, {})
        targets[LEGACY_TARGET] = VectorTarget(LEGACY_TARGET, vectorizer, module_config,
                                              config.get("vectorIndexType", "hnsw"), config["vectorIndexConfig"])
    for name, vc in (config.get("vectorConfig") or {}).items():
        vectorizer_block = vc.get("vectorizer") or {"none": {}}
        module, module_config = next(iter(vectorizer_block.items()))
        targets[name] = VectorTarget(name, module, module_config or {}, vc["vectorIndexType"],
                                     vc["vectorIndexConfig"])
    return targets
