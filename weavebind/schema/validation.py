"""Class and property validation with Weaviate's rules and messages (spec 3.3).

Each check raises `RestrictionViolation` (422) with a message that names the offending field and what is allowed.
"""

from __future__ import annotations

import re
from typing import Any

from weavebind.errors import RestrictionViolation
from weavebind.schema.index_update import check_single_compression
from weavebind.storage.distances import METRICS

CLASS_NAME = re.compile(r"^[A-Z][_0-9A-Za-z]{0,254}$")
PROPERTY_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]{0,230}$")
RESERVED_PROPERTIES = ("_additional", "_id", "id")
PRIMITIVE_TYPES = (
    "text", "text[]", "int", "int[]", "number", "number[]", "boolean", "boolean[]", "date", "date[]",
    "uuid", "uuid[]", "blob", "geoCoordinates", "phoneNumber", "object", "object[]",
)
DEPRECATED_TYPES = {"string": "text", "string[]": "text[]"}
TOKENIZATIONS = ("word", "lowercase", "whitespace", "field", "trigram")
INDEX_TYPES = ("hnsw", "flat")


def capitalize_class(name: str) -> str:
    return name[:1].upper() + name[1:]


def lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def check_class_name(name: Any) -> str:
    if not isinstance(name, str) or not CLASS_NAME.match(name):
        raise RestrictionViolation(f"'{name}' is not a valid class name")
    return name


def check_property_name(name: Any) -> str:
    if not isinstance(name, str) or not PROPERTY_NAME.match(name):
        raise RestrictionViolation(
            f"'{name}' is not a valid property name. Property names in Weaviate are restricted to valid GraphQL "
            "names, which must be “/[_A-Za-z][_0-9A-Za-z]{0,230}/”."
        )
    if name in RESERVED_PROPERTIES:
        raise RestrictionViolation(f"'{name}' is a reserved property name")
    return name


def normalize_property(prop: Any, class_name: str, known_classes: set[str]) -> dict[str, Any]:
    """Validate one property body and return it with the name lower-cased and `string` migrated to `text`."""
    if not isinstance(prop, dict):
        raise RestrictionViolation(f"class '{class_name}': a property must be a JSON object, got {prop!r}")
    out = dict(prop)
    out["name"] = lower_first(check_property_name(prop.get("name")))
    out["dataType"] = _check_data_type(out["name"], prop.get("dataType"), class_name, known_classes)
    if out["dataType"][0] != prop.get("dataType", [None])[0]:
        _migrate_string(out, prop["dataType"][0])
    _check_tokenization(out)
    nested = out.get("nestedProperties")
    if nested is not None:
        if not isinstance(nested, list) or out["dataType"][0] not in ("object", "object[]"):
            raise RestrictionViolation(f"property '{out['name']}': nestedProperties must be a list of properties of "
                                       "an object or object[] property")
        out["nestedProperties"] = [normalize_property(p, class_name, known_classes) for p in nested]
    for flag in ("indexFilterable", "indexSearchable", "indexRangeFilters", "indexInverted"):
        if flag in out and not isinstance(out[flag], bool):
            raise RestrictionViolation(f"property '{out['name']}': {flag} must be true or false, got {out[flag]!r}")
    _check_indexing(out)
    return out


def _migrate_string(prop: dict[str, Any], legacy: str) -> None:
    """Weaviate's migration of the deprecated `string`/`string[]` (≤ 1.18) to `text`/`text[]`: it took only word
    (the default) and field tokenization, and word becomes whitespace, which splits the same way string did."""
    tokenization = prop.get("tokenization")
    if tokenization in (None, "", "word"):
        prop["tokenization"] = "whitespace"
    elif tokenization != "field":
        raise RestrictionViolation(f"tokenization '{tokenization}' is not allowed for data type '{legacy}'")


def _check_indexing(prop: dict[str, Any]) -> None:
    """Weaviate's rules for the index flags; the deprecated `indexInverted` becomes the flags it stood for and is
    not kept."""
    data_type = prop["dataType"][0]
    if "indexInverted" in prop:
        if any(flag in prop for flag in ("indexFilterable", "indexSearchable", "indexRangeFilters")):
            raise RestrictionViolation("`indexInverted` is deprecated and can not be set together with "
                                       "`indexFilterable`, `indexSearchable` or `indexRangeFilters`")
        inverted = prop.pop("indexInverted")
        prop["indexFilterable"] = inverted
        prop["indexSearchable"] = inverted and data_type in ("text", "text[]")
        prop["indexRangeFilters"] = False
    if prop.get("indexSearchable") and data_type not in ("text", "text[]"):
        raise RestrictionViolation("`indexSearchable` is allowed only for text/text[] data types. For other data "
                                   "types set false or leave empty")
    if prop.get("indexRangeFilters") and data_type not in ("number", "int", "date"):
        raise RestrictionViolation("`indexRangeFilters` is allowed only for number/int/date data types. For other "
                                   "data types set false or leave empty")


def _check_data_type(name: str, data_type: Any, class_name: str, known_classes: set[str]) -> list[str]:
    if not isinstance(data_type, list) or not data_type or data_type == [""]:
        shown = "[]" if data_type in (None, [], [""]) else data_type  # Go prints []string{""} as []
        raise RestrictionViolation(f"property '{name}': invalid dataType: {shown}: "
                                   "dataType cannot be an empty string")
    if not all(isinstance(t, str) for t in data_type):
        raise RestrictionViolation(f"property '{name}': invalid dataType: {data_type}: entries must be strings")
    first = DEPRECATED_TYPES.get(data_type[0], data_type[0])
    if first in PRIMITIVE_TYPES:
        if len(data_type) > 1:
            raise RestrictionViolation(f"property '{name}': invalid dataType: {data_type}: a primitive dataType "
                                       "takes exactly one entry")
        return [first]
    for target in data_type:  # cross-reference to one or more classes
        if not CLASS_NAME.match(target):
            raise RestrictionViolation(
                f"property '{name}': invalid dataType: data type '{target}' not found; use one of "
                f"{', '.join(PRIMITIVE_TYPES)} or a class name for a cross-reference")
        if target != class_name and target not in known_classes:
            raise RestrictionViolation(f"property '{name}': invalid dataType: reference property to nonexistent "
                                       f"class '{target}'")
    return list(data_type)


def _check_tokenization(prop: dict[str, Any]) -> None:
    tokenization = prop.get("tokenization")
    if tokenization in (None, ""):
        prop.pop("tokenization", None)
        return
    if prop["dataType"][0] not in ("text", "text[]"):
        raise RestrictionViolation(f"property '{prop['name']}': tokenization is not allowed for data type "
                                   f"'{prop['dataType'][0]}'")
    if tokenization not in TOKENIZATIONS:
        raise RestrictionViolation(f"property '{prop['name']}': tokenization '{tokenization}' is not supported; "
                                   f"use one of {', '.join(TOKENIZATIONS)}")


# Upper bounds on HNSW's integers: FAISS holds them in C ints and allocates by them (a search heap of ef entries, 2 *
# maxConnections neighbours per stored vector), so an unbounded value is a memory bomb or an overflow.
MAX_HNSW_EF = 1_000_000
HNSW_INT_MAXIMA = {"maxConnections": 2048, "efConstruction": MAX_HNSW_EF, "flatSearchCutoff": 2**31 - 1,
                   "dynamicEfMin": MAX_HNSW_EF, "dynamicEfMax": MAX_HNSW_EF, "dynamicEfFactor": MAX_HNSW_EF}


def check_vector_index(where: str, index_type: Any, config: Any) -> None:
    if index_type not in INDEX_TYPES:
        raise RestrictionViolation(f"{where}: unrecognized or unsupported vectorIndexType \"{index_type}\"; "
                                   f"weavebind supports {', '.join(INDEX_TYPES)}")
    if config is None:
        return
    if not isinstance(config, dict):
        raise RestrictionViolation(f"{where}: vectorIndexConfig must be a JSON object")
    distance = config.get("distance", "cosine")
    if distance not in METRICS:
        raise RestrictionViolation(f"{where}: vectorIndexConfig.distance '{distance}' is not supported; use one "
                                   f"of {', '.join(METRICS)}")
    for key, maximum in HNSW_INT_MAXIMA.items():
        value = config.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value <= 0
                                  or value > maximum):
            raise RestrictionViolation(f"{where}: vectorIndexConfig.{key} must be a positive integer up to "
                                       f"{maximum}, got {value!r}")
    check_single_compression(where, index_type, config)
    ef = config.get("ef")
    if ef is not None and (not isinstance(ef, int) or isinstance(ef, bool) or (ef <= 0 and ef != -1)
                           or ef > MAX_HNSW_EF):
        raise RestrictionViolation(f"{where}: vectorIndexConfig.ef must be -1 (dynamic) or a positive integer up to "
                                   f"{MAX_HNSW_EF}, got {ef!r}")
