"""Output types per class (spec 1.2, 1.16): properties with Weaviate's type mapping, `_additional`, groups, and
cross-references as unions resolved with inline fragments."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Annotated, Any, Optional, Union

import strawberry

from weavebind.schema.graphql.dynamic import add_field, field, object_type
from weavebind.schema.graphql.rows import CLASS_KEY
from weavebind.schema.models import ClassInfo

# ruff: noqa: UP007, UP045 -- Strawberry evaluates these annotations at run time.

PRIMITIVES: dict[str, Any] = {"text": str, "string": str, "date": str, "uuid": str, "blob": str, "blobHash": str,
                              "int": int, "number": float, "boolean": bool}
# Class names that would collide with a built-in or shared type get Weaviate's `_` prefix.
RESERVED = {"String", "Int", "Float", "Boolean", "ID", "DateTime", "FieldSet", "Vector", "WhereValue", "JSONMap",
            "WeaviateObj", "GetObjectsObj", "AggregateObjectsObj", "ExploreObj"}


def type_name(class_name: str) -> str:
    reserved = class_name in RESERVED or class_name.endswith("InpObj") or class_name.endswith("Enum")
    return f"_{class_name}" if reserved else class_name


@dataclass
class Shared:
    """Types every class uses, built once per schema."""

    geo: type = dc_field(default_factory=lambda: object_type("_GeoCoordinates", [
        field("latitude", Optional[float]), field("longitude", Optional[float])]))
    phone: type = dc_field(default_factory=lambda: object_type("_PhoneNumber", [
        field("input", Optional[str]), field("internationalFormatted", Optional[str]),
        field("nationalFormatted", Optional[str]), field("national", Optional[int]), field("valid", Optional[bool]),
        field("countryCode", Optional[int]), field("defaultCountry", Optional[str])]))
    grouped_by: type = dc_field(default_factory=lambda: object_type("_GroupedBy", [
        field("path", Optional[list[Optional[str]]]), field("value", Optional[str])]))


@dataclass
class ClassTypes:
    info: ClassInfo
    object: type
    group_hit: type
    additional: type


def _nested(owner: str, name: str, nested: list[dict], shared: Shared) -> type:
    fields = [f for p in nested if (f := _property_field(f"{owner}__{name}", p, shared)) is not None]
    return object_type(f"_{owner}__{name}__Object", fields or [field("_empty", Optional[str])])


def _property_field(owner: str, prop: dict, shared: Shared):
    data_type = prop["dataType"][0]
    is_list = data_type.endswith("[]")
    base = data_type[:-2] if is_list else data_type
    if base in PRIMITIVES:
        inner: Any = PRIMITIVES[base]
    elif base == "geoCoordinates":
        inner = shared.geo
    elif base == "phoneNumber":
        inner = shared.phone
    elif base == "object":
        inner = _nested(owner, prop["name"], prop.get("nestedProperties") or [], shared)
    else:
        return None  # a cross-reference: added later, once every class type exists
    annotation = Optional[list[Optional[inner]]] if is_list else Optional[inner]
    return field(prop["name"], annotation, description=prop.get("description"))


def _additional(info: ClassInfo, group_type: type | None) -> type:
    fields = [field("id", Optional[str]), field("distance", Optional[float]), field("certainty", Optional[float]),
              field("score", Optional[str]), field("explainScore", Optional[str]),
              field("vector", Optional[list[Optional[float]]]), field("creationTimeUnix", Optional[str]),
              field("lastUpdateTimeUnix", Optional[str]), field("isConsistent", Optional[bool])]
    if info.named_targets:
        vectors = object_type(f"_{info.name}__Vectors",
                              [field(n, Optional[list[Optional[float]]]) for n in info.named_targets])
        fields.append(field("vectors", Optional[vectors]))
    if group_type is not None:
        fields.append(field("group", Optional[group_type]))
    return object_type(f"_{info.name}__Additional", fields)


def build_class_types(info: ClassInfo, shared: Shared) -> ClassTypes:
    props = [f for p in info.properties.values() if (f := _property_field(info.name, p, shared)) is not None]
    hit_additional = _additional_for_hits(info)
    group_hit = object_type(f"_{info.name}__GroupHit", [*_copies(props), field("_additional",
                                                                                Optional[hit_additional])])
    group = object_type(f"_{info.name}__Group", [
        field("id", Optional[int]), field("groupedBy", Optional[shared.grouped_by]), field("count", Optional[int]),
        field("minDistance", Optional[float]), field("maxDistance", Optional[float]),
        field("hits", Optional[list[Optional[group_hit]]])])
    additional = _additional(info, group)
    name = info.name
    obj = object_type(type_name(name), [*props, field("_additional", Optional[additional])],
                      is_type_of=lambda source, _info: type(source) is dict and source.get(CLASS_KEY) == name,
                      description=info.config.get("description"))
    return ClassTypes(info, obj, group_hit, additional)


def _additional_for_hits(info: ClassInfo) -> type:
    return object_type(f"_{info.name}__GroupHitAdditional", [
        field("id", Optional[str]), field("vector", Optional[list[Optional[float]]]),
        field("distance", Optional[float])])


def _copies(fields: list) -> list:
    return [field(f.graphql_name, f.type_annotation.annotation, description=f.description) for f in fields]


def add_references(all_types: dict[str, ClassTypes], ref_resolver) -> None:
    """Cross-reference fields: `[Union of target classes]`, resolved by `ref_resolver(prop)`."""
    for types_ in all_types.values():
        for prop in types_.info.properties.values():
            targets = [all_types[t].object for t in prop["dataType"] if t in all_types]
            if not targets or prop["dataType"][0] not in all_types:
                continue
            union = _union(f"_{types_.info.name}__{prop['name']}__Ref", targets)
            for owner in (types_.object, types_.group_hit):
                add_field(owner, field(prop["name"], Optional[list[Optional[union]]],
                                       resolver=ref_resolver(prop["name"]), description=prop.get("description")))


def _union(name: str, members: list[type]) -> Any:
    return Annotated[Union[tuple(members)], strawberry.union(name)]
