"""Weaviate's default class JSON: clients read these keys back and crash when one is missing.

Values follow `GET /v1/schema` of Weaviate 1.3x (spec 3.3, `test/acceptance/schema/get_schema_without_client_test.go`).
The functions return new dicts: a caller's body is never changed in place.
"""

from __future__ import annotations

import copy
from typing import Any

TEXT_TYPES = ("text", "text[]")


def filter_strategy_for(version: str) -> str:
    """HNSW's default `filterStrategy` in the Weaviate version weavebind advertises: ACORN from 1.34 on, sweeping
    before (the option exists since 1.27). Clients show it, and a class created against 1.32 reads `sweeping`."""
    parts = []
    for part in version.split(".")[:2]:
        digits = "".join(c for c in part if c.isdigit())
        parts.append(int(digits) if digits else 0)
    return "acorn" if tuple(parts) >= (1, 34) else "sweeping"


def vector_index_config_defaults(distance: str, filter_strategy: str = "sweeping") -> dict[str, Any]:
    return {
        "skip": False, "cleanupIntervalSeconds": 300, "maxConnections": 32, "efConstruction": 128, "ef": -1,
        "dynamicEfMin": 100, "dynamicEfMax": 500, "dynamicEfFactor": 8, "vectorCacheMaxObjects": 1000000000000,
        "flatSearchCutoff": 40000, "distance": distance,
        "pq": {"enabled": False, "bitCompression": False, "segments": 0, "centroids": 256, "trainingLimit": 100000,
               "encoder": {"type": "kmeans", "distribution": "log-normal"}},
        "bq": {"enabled": False},
        "sq": {"enabled": False, "trainingLimit": 100000, "rescoreLimit": 20},
        "rq": {"enabled": False, "bits": 8, "rescoreLimit": 20},
        "filterStrategy": filter_strategy,
        "multivector": {"enabled": False, "aggregation": "maxSim",
                        "muvera": {"enabled": False, "ksim": 4, "dprojections": 16, "repetitions": 10}},
        "skipDefaultQuantization": False, "trackDefaultQuantization": False,
    }


SHARDING_DEFAULTS = {
    "virtualPerPhysical": 128, "desiredCount": 1, "actualCount": 1, "desiredVirtualCount": 128,
    "actualVirtualCount": 128, "key": "_id", "strategy": "hash", "function": "murmur3",
}
REPLICATION_DEFAULTS = {"factor": 1, "deletionStrategy": "TimeBasedResolution", "asyncEnabled": False}
MULTI_TENANCY_DEFAULTS = {"enabled": False, "autoTenantCreation": False, "autoTenantActivation": False}


def inverted_index_defaults() -> dict[str, Any]:
    return {
        "cleanupIntervalSeconds": 60, "bm25": {"k1": 1.2, "b": 0.75},
        "stopwords": {"preset": "en", "additions": None, "removals": None}, "usingBlockMaxWAND": True,
    }


def merge_defaults(given: Any, defaults: dict[str, Any]) -> dict[str, Any]:
    """Fill missing keys of `given` from `defaults`, recursing into nested objects."""
    merged = copy.deepcopy(defaults)
    if not isinstance(given, dict):
        return merged
    for key, value in given.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_defaults(value, merged[key])
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def property_with_defaults(prop: dict[str, Any]) -> dict[str, Any]:
    """Weaviate's property defaults: word tokenization and searchable index for text, filterable for all."""
    out = dict(prop)
    data_type = out["dataType"][0]
    is_text = data_type in TEXT_TYPES
    if is_text:
        out.setdefault("tokenization", "word")
    out.setdefault("indexFilterable", True)
    out.setdefault("indexSearchable", is_text)
    out.setdefault("indexRangeFilters", False)
    if "nestedProperties" in out and isinstance(out["nestedProperties"], list):
        out["nestedProperties"] = [property_with_defaults(p) for p in out["nestedProperties"]]
    return out


def named_vector_with_defaults(config: dict[str, Any], distance: str, filter_strategy: str = "sweeping"
                               ) -> dict[str, Any]:
    out = dict(config)
    out.setdefault("vectorIndexType", "hnsw")
    out["vectorIndexConfig"] = merge_defaults(out.get("vectorIndexConfig"),
                                              vector_index_config_defaults(distance, filter_strategy))
    return out


def class_with_defaults(cls: dict[str, Any], default_vectorizer: str, default_distance: str,
                        filter_strategy: str = "sweeping") -> dict[str, Any]:
    """The class as Weaviate stores and returns it. Named-vector classes keep the legacy keys only if given."""
    out = dict(cls)
    named_only = bool(out.get("vectorConfig")) and "vectorizer" not in out and "vectorIndexConfig" not in out
    if not named_only:
        out.setdefault("vectorizer", default_vectorizer)
        out.setdefault("vectorIndexType", "hnsw")
        out["vectorIndexConfig"] = merge_defaults(out.get("vectorIndexConfig"),
                                                  vector_index_config_defaults(default_distance, filter_strategy))
    if out.get("vectorConfig"):
        out["vectorConfig"] = {name: named_vector_with_defaults(cfg, default_distance, filter_strategy)
                               for name, cfg in out["vectorConfig"].items()}
    out["properties"] = [property_with_defaults(p) for p in out.get("properties") or []] or None
    out["shardingConfig"] = merge_defaults(out.get("shardingConfig"), SHARDING_DEFAULTS)
    out["replicationConfig"] = merge_defaults(out.get("replicationConfig"), REPLICATION_DEFAULTS)
    out["invertedIndexConfig"] = merge_defaults(out.get("invertedIndexConfig"), inverted_index_defaults())
    out["multiTenancyConfig"] = merge_defaults(out.get("multiTenancyConfig"), MULTI_TENANCY_DEFAULTS)
    return out
