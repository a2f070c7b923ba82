"""The query layer's `GetResult` → a gRPC `SearchReply` in the shape the v4 client reads: the uuid as 16 bytes in
`id_as_bytes`, a `*_present` flag beside every metadata value it may read, typed property values, and packed
little-endian arrays (int64 / float64) for list properties."""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from weavebind.schema.models import ClassInfo
from weavebind.search.references import referenced_records
from weavebind.search.results import GetResult, Hit
from weavebind.search.similarity import certainty
from weavebind.server.grpc.proto import base_pb2, properties_pb2, search_get_pb2
from weavebind.storage.records import LEGACY_TARGET, ObjectRecord, vector_to_bytes

Value = properties_pb2.Value
_UNRETURNED = ("blob",)  # Weaviate's "all properties" leaves blobs out (they can be megabytes each)


def returned_properties(request: Any, info: ClassInfo) -> list[str]:
    """The properties asked for; none asked (or "all non-ref") = every non-reference, non-blob property."""
    asked = request.properties if request.HasField("properties") else None
    if asked is not None and not asked.return_all_nonref_properties:
        return list(asked.non_ref_properties)
    types = info.property_types()
    primitive = {"text", "int", "number", "boolean", "date", "uuid", "geoCoordinates", "phoneNumber", "object",
                 "blob"}
    return [name for name, dtype in types.items()
            if dtype.removesuffix("[]") in primitive and dtype not in _UNRETURNED]


def _list_value(items: list, dtype: str | None) -> Value:
    base = (dtype or "").removesuffix("[]")
    if base == "int" or (not base and all(isinstance(i, int) and not isinstance(i, bool) for i in items)):
        return Value(list_value=properties_pb2.ListValue(
            int_values=properties_pb2.IntValues(values=np.asarray(items, dtype="<i8").tobytes())))
    if base == "number" or (not base and all(isinstance(i, int | float) and not isinstance(i, bool) for i in items)):
        return Value(list_value=properties_pb2.ListValue(
            number_values=properties_pb2.NumberValues(values=np.asarray(items, dtype="<f8").tobytes())))
    if base == "boolean" or (not base and all(isinstance(i, bool) for i in items)):
        return Value(list_value=properties_pb2.ListValue(bool_values=properties_pb2.BoolValues(values=items)))
    if base == "date":
        return Value(list_value=properties_pb2.ListValue(date_values=properties_pb2.DateValues(values=items)))
    if base == "uuid":
        return Value(list_value=properties_pb2.ListValue(uuid_values=properties_pb2.UuidValues(values=items)))
    if base == "object" or (items and all(isinstance(i, dict) for i in items)):
        return Value(list_value=properties_pb2.ListValue(object_values=properties_pb2.ObjectValues(
            values=[_properties(i, {}) for i in items])))
    return Value(list_value=properties_pb2.ListValue(text_values=properties_pb2.TextValues(
        values=[str(i) for i in items])))


def _value(value: Any, dtype: str | None) -> Value:
    """One property value; `dtype` is its schema dataType (None inside nested objects: typed by the value)."""
    if value is None:
        return Value(null_value=0)
    if isinstance(value, list):
        return _list_value(value, dtype)
    if dtype == "date":
        return Value(date_value=value)
    if dtype == "uuid":
        return Value(uuid_value=value)
    if dtype == "blob":
        return Value(blob_value=value)
    if dtype == "geoCoordinates":
        return Value(geo_value=properties_pb2.GeoCoordinate(latitude=value["latitude"],
                                                           longitude=value["longitude"]))
    if dtype == "phoneNumber":
        return Value(phone_value=properties_pb2.PhoneNumber(input=value.get("input", ""),
                                                           default_country=value.get("defaultCountry", "")))
    if isinstance(value, bool):
        return Value(bool_value=value)
    if isinstance(value, int) and dtype != "number":
        return Value(int_value=value)
    if isinstance(value, int | float):
        return Value(number_value=float(value))
    if isinstance(value, dict):
        return Value(object_value=_properties(value, {}))
    return Value(text_value=str(value))


def _properties(values: dict[str, Any], types: dict[str, str], names: list[str] | None = None
                ) -> properties_pb2.Properties:
    wanted = names if names is not None else list(values)
    return properties_pb2.Properties(fields={
        name: _value(values[name], types.get(name)) for name in wanted if name in values})


def _vectors(hit: Hit, metadata: Any, out: search_get_pb2.MetadataResult) -> None:
    vectors = hit.record.vectors
    if metadata.vector and LEGACY_TARGET in vectors:
        out.vector_bytes = vector_to_bytes(vectors[LEGACY_TARGET])
    names = list(metadata.vectors) or ([n for n in vectors if n != LEGACY_TARGET] if metadata.vector else [])
    out.vectors.extend(base_pb2.Vectors(name=name, vector_bytes=vector_to_bytes(vectors[name]),
                                        type=base_pb2.Vectors.VECTOR_TYPE_SINGLE_FP32)
                       for name in names if name in vectors)


def _metadata(hit: Hit, metadata: Any) -> search_get_pb2.MetadataResult:
    record = hit.record
    out = search_get_pb2.MetadataResult(id=record.uuid, id_as_bytes=uuidlib.UUID(record.uuid).bytes)
    if metadata is None:
        return out
    if metadata.creation_time_unix:
        out.creation_time_unix, out.creation_time_unix_present = record.created_ms, True
    if metadata.last_update_time_unix:
        out.last_update_time_unix, out.last_update_time_unix_present = record.updated_ms, True
    if hit.distance is not None and metadata.distance:
        out.distance, out.distance_present = hit.distance, True
    if hit.distance is not None and metadata.certainty:
        out.certainty, out.certainty_present = certainty(hit.distance), True
    if hit.score is not None and metadata.score:
        out.score, out.score_present = hit.score, True
    if hit.explain is not None and metadata.explain_score:
        out.explain_score, out.explain_score_present = hit.explain, True
    _vectors(hit, metadata, out)
    return out


def wants_vectors(metadata: Any) -> bool:
    return metadata is not None and bool(metadata.vector or len(metadata.vectors) > 0)


@dataclass
class References:
    """Loads the objects a reference property points to (`search.references`, as GraphQL does) and the schema of
    their class."""

    store: Any
    class_of: Callable[[str], ClassInfo | None]


def _properties_result(record: ObjectRecord, info: ClassInfo, asked: Any, refs: References,
                       names: list[str] | None = None) -> search_get_pb2.PropertiesResult:
    """`asked` is the SearchRequest, or the RefPropertiesRequest of a reference: both carry `properties`
    (non-ref and ref ones) and `metadata`."""
    values = record.properties or {}
    names = returned_properties(asked, info) if names is None else names
    out = search_get_pb2.PropertiesResult(non_ref_props=_properties(values, info.property_types(), names),
                                          target_collection=info.name)
    ref_requests = asked.properties.ref_properties if asked.HasField("properties") else []
    out.ref_props_requested = len(ref_requests) > 0
    for ref in ref_requests:
        if values.get(ref.reference_property) is None:
            continue
        metadata = ref.metadata if ref.HasField("metadata") else None
        targets = referenced_records(refs.store, values[ref.reference_property], wants_vectors(metadata),
                                     ref.target_collection or None, record.tenant)
        out.ref_props.append(search_get_pb2.RefPropertiesResult(
            prop_name=ref.reference_property, properties=[_referenced(r, ref, refs) for r in targets]))
    return out


def _referenced(record: ObjectRecord, ref: Any, refs: References) -> search_get_pb2.PropertiesResult:
    """One referenced object: its properties (and references, recursively) with its metadata inside."""
    info = refs.class_of(record.class_name) or ClassInfo(record.class_name, {}, {}, {})  # (class just deleted)
    out = _properties_result(record, info, ref, refs)
    out.metadata.CopyFrom(_metadata(Hit(record), ref.metadata if ref.HasField("metadata") else None))
    return out


def _result(hit: Hit, info: ClassInfo, request: Any, names: list[str], refs: References
            ) -> search_get_pb2.SearchResult:
    metadata = request.metadata if request.HasField("metadata") else None
    return search_get_pb2.SearchResult(properties=_properties_result(hit.record, info, request, refs, names),
                                       metadata=_metadata(hit, metadata))


def reply(request: Any, info: ClassInfo, result: GetResult, refs: References) -> search_get_pb2.SearchReply:
    names = returned_properties(request, info)
    out = search_get_pb2.SearchReply(results=[_result(h, info, request, names, refs) for h in result.hits])
    for group in result.groups or []:
        out.group_by_results.append(search_get_pb2.GroupByResult(
            name=group.value, min_distance=group.min_distance, max_distance=group.max_distance,
            number_of_objects=len(group.hits), objects=[_result(h, info, request, names, refs) for h in group.hits]))
    return out
