"""gRPC `BatchObject` messages → the REST object bodies the shared use-cases take (`schema/batch.py`).

Translating the wire format up front keeps one validation path: a property or vector that REST would refuse is
refused with the same message over gRPC.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from google.protobuf.json_format import MessageToDict

from weavebind.errors import Unprocessable
from weavebind.storage.records import vector_from_bytes

# Vectors.type values (base.proto): 0 unspecified (single), 1 single float32, 2 multi float32.
_MULTI_FP32 = 2


def floats(data: bytes, where: str) -> list[float]:
    """Little-endian float32 bytes → floats; a length that is not a multiple of 4 is a malformed request."""
    if len(data) % 4:
        raise Unprocessable(f"{where}: {len(data)} bytes is not a whole number of float32 values (4 bytes each)")
    return vector_from_bytes(data).tolist()


def _number_array(prop: Any) -> list[float]:
    if prop.values_bytes:
        if len(prop.values_bytes) % 8:
            raise Unprocessable(f"property '{prop.prop_name}': values_bytes is not a whole number of float64 values")
        return np.frombuffer(prop.values_bytes, dtype="<f8").tolist()
    return list(prop.values)


def _struct(struct: Any) -> dict[str, Any]:
    try:
        return MessageToDict(struct)
    except ValueError as exc:  # a NaN or infinite number_value: JSON (and so a stored property) cannot hold it
        raise Unprocessable(f"invalid object: non_ref_properties: {exc}") from None


def properties(message: Any) -> dict[str, Any]:
    """`BatchObject.Properties` or a nested `ObjectPropertiesValue` → a JSON properties object."""
    out: dict[str, Any] = _struct(message.non_ref_properties) if message.HasField("non_ref_properties") else {}
    for prop in message.number_array_properties:
        out[prop.prop_name] = _number_array(prop)
    for group in (message.int_array_properties, message.text_array_properties, message.boolean_array_properties):
        for prop in group:
            out[prop.prop_name] = list(prop.values)
    for prop in message.object_properties:
        out[prop.prop_name] = properties(prop.value)
    for prop in message.object_array_properties:
        out[prop.prop_name] = [properties(value) for value in prop.values]
    for name in message.empty_list_props:
        out[name] = []
    for ref in getattr(message, "single_target_ref_props", ()):
        out[ref.prop_name] = [{"beacon": f"weaviate://localhost/{uid}"} for uid in ref.uuids]
    for ref in getattr(message, "multi_target_ref_props", ()):
        out[ref.prop_name] = [{"beacon": f"weaviate://localhost/{ref.target_collection}/{uid}"} for uid in ref.uuids]
    return out


def _vectors(obj: Any, body: dict[str, Any]) -> None:
    if obj.vector_bytes:
        body["vector"] = floats(obj.vector_bytes, "vector_bytes")
    elif len(obj.vector):
        body["vector"] = list(obj.vector)
    named: dict[str, list[float]] = {}
    for vector in obj.vectors:
        if vector.type == _MULTI_FP32:
            raise Unprocessable(f"vector '{vector.name}': multi-vector (multi_fp32) embeddings are not supported")
        values = floats(vector.vector_bytes, f"vectors['{vector.name}']")
        if vector.name:
            named[vector.name] = values
        else:  # an unnamed entry is the object's single vector, as a top-level REST `vector`
            body["vector"] = values
    if named:
        body["vectors"] = named


def batch_object(obj: Any) -> dict[str, Any]:
    """One `BatchObject` → `{"class", "id", "properties", "vector", "vectors"}`; raises Unprocessable."""
    body: dict[str, Any] = {"class": obj.collection, "id": obj.uuid or None, "tenant": obj.tenant or None}
    if obj.HasField("properties"):
        body["properties"] = properties(obj.properties)
    _vectors(obj, body)
    return body
