"""The query layer's `GetResult` → a gRPC `SearchReply` in the shape the v4 client reads: the uuid as 16 bytes in
`id_as_bytes`, a `*_present` flag beside every metadata value it may read, typed property values, and packed
little-endian arrays (int64 / float64) for list properties."""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from weavebind.schema.models import ClassInfo
from weavebind.search.errors import SearchError
from weavebind.search.references import referenced_records
from weavebind.search.results import GetResult, Hit
from weavebind.search.similarity import certainty
from weavebind.server.grpc.proto import base_pb2, search_get_pb2
from weavebind.server.grpc.values import Selection, nested_schema, top_level
from weavebind.storage.records import LEGACY_TARGET, ObjectRecord, vector_to_bytes

_UNRETURNED = ("blob",)  # Weaviate's "all properties" leaves blobs out (they can be megabytes each)
_PRIMITIVE = {"text", "int", "number", "boolean", "date", "uuid", "geoCoordinates", "phoneNumber", "object", "blob"}


def returned_properties(request: Any, info: ClassInfo) -> list[str]:
    """The properties asked for whole; none asked (or "all non-ref") = every non-reference, non-blob property."""
    asked = request.properties if request.HasField("properties") else None
    if asked is not None and not asked.return_all_nonref_properties:
        return list(asked.non_ref_properties)
    types = info.property_types()
    return [name for name, dtype in types.items()
            if dtype.removesuffix("[]") in _PRIMITIVE and dtype not in _UNRETURNED]


def _nested_selection(requests: Any) -> dict[str, Selection]:
    """`QueryNested` requests (ObjectPropertiesRequest, recursively) → name → the fields asked for inside it."""
    return {r.prop_name: {**dict.fromkeys(r.primitive_properties), **_nested_selection(r.object_properties)}
            for r in requests}


def nested_properties(request: Any) -> dict[str, Selection]:
    asked = request.properties if request.HasField("properties") else None
    return _nested_selection(asked.object_properties) if asked is not None else {}


def _missing(name: str, owner: str) -> SearchError:
    return SearchError(f"no such prop with name '{name}' found in class '{owner}' in the schema. Check your schema "
                       "files for which properties in this class are available")


def _check_nested(selection: Selection, prop: dict[str, Any], owner: str) -> None:
    schema = nested_schema(prop)
    for name, inner in selection.items():
        if name not in schema:
            raise _missing(name, owner)
        if inner is not None:
            _check_nested(inner, schema[name], owner)


def check_properties(request: Any, info: ClassInfo) -> None:
    """Asking for a property the class lacks is an error, as in Weaviate (not an empty value)."""
    asked = request.properties if request.HasField("properties") else None
    if asked is None:
        return
    for name in [*asked.non_ref_properties, *(r.reference_property for r in asked.ref_properties)]:
        if name not in info.properties:
            raise _missing(name, info.name)
    for name, selection in nested_properties(request).items():
        prop = info.properties.get(name)
        if prop is None:
            raise _missing(name, info.name)
        if prop["dataType"][0] not in ("object", "object[]"):
            raise SearchError(f"property '{name}' of class '{info.name}' is not an object property: ask for it "
                              "with return_properties, not QueryNested")
        _check_nested(selection, prop, info.name)


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
    if metadata.explain_score:  # Weaviate marks it present for every search, "" where nothing was scored
        out.explain_score, out.explain_score_present = hit.explain or "", True
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
    out = search_get_pb2.PropertiesResult(
        non_ref_props=top_level(values, info.properties, names, nested_properties(asked)), target_collection=info.name)
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
