"""Which vector index settings a class update may change, as Weaviate decides (hnsw: `ValidateUserConfigUpdate`
in adapters/repos/db/vector/hnsw/config_update.go; flat: the flat index's), and the one-compression rule.

Compression (pq / bq / sq / rq) can be switched on for an existing hnsw index, as in Weaviate; the index is then
rebuilt compressed in the background (storage/compression.py). Settings the quantizers cannot take are refused
here, with Weaviate's texts where it has them.
"""

from __future__ import annotations

from typing import Any

from weavebind.errors import RestrictionViolation
from weavebind.storage import compression

COMPRESSIONS = ("pq", "bq", "sq", "rq")
# (path inside vectorIndexConfig) that may not change once the index exists
_IMMUTABLE = {
    "hnsw": ("distance", "efConstruction", "maxConnections", "cleanupIntervalSeconds", "multivector.enabled",
             "multivector.muvera.enabled", "skipDefaultQuantization", "trackDefaultQuantization"),
    "flat": ("distance", "pq.enabled", "bq.enabled", "rq.enabled", "pq.cache", "bq.cache"),
}


def _get(config: dict[str, Any] | None, path: str) -> Any:
    value: Any = config or {}
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _go(value: Any) -> str:
    """A value as Go's %v prints it in Weaviate's messages."""
    return str(value).lower() if isinstance(value, bool) else "<nil>" if value is None else str(value)


def check_single_compression(where: str, index_type: str | None, config: dict[str, Any] | None) -> None:
    enabled = [name for name in COMPRESSIONS if _get(config, f"{name}.enabled") is True]
    if (index_type or "hnsw") == "hnsw" and len(enabled) > 1:
        raise RestrictionViolation(f"{where}: invalid hnsw config: more than a single compression methods enabled")
    for name in enabled:
        try:
            compression.check_settings(name, config[name])
        except ValueError as exc:
            raise RestrictionViolation(f"{where}: invalid {name} config: {exc}") from None


def check_compression_dims(prefix: str, config: dict[str, Any] | None, dim: int | None) -> None:
    """Refuse pq settings that cannot split the vectors a class already holds (`dim`; None while it holds none)."""
    comp = compression.Compression.from_weaviate(config)
    if comp is None or dim is None:
        return
    try:
        compression.check_dim(comp, dim)
    except ValueError as exc:
        raise RestrictionViolation(f"{prefix}vectorIndexConfig: invalid {comp.method} config: {exc} ({dim})") \
            from None


def check_index_update(prefix: str, index_type: str | None, old: dict[str, Any] | None,
                       new: dict[str, Any] | None) -> None:
    """Refuse a change Weaviate refuses; `prefix` names the vector ("" for the class's own index)."""
    for path in _IMMUTABLE.get(index_type or "hnsw", ("distance",)):
        before, after = _get(old, path), _get(new, path)
        if before != after:
            raise RestrictionViolation(f'{prefix}vectorIndexConfig.{path} is immutable: attempted change from '
                                       f'"{_go(before)}" to "{_go(after)}"')
    if _get(old, "rq.enabled") is True and _get(new, "rq.enabled") is True \
            and _get(old, "rq.bits") != _get(new, "rq.bits"):
        raise RestrictionViolation(f'{prefix}rq bits is immutable: attempted change from "{_go(_get(old, "rq.bits"))}"'
                                   f' to "{_go(_get(new, "rq.bits"))}"')
