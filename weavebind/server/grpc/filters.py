"""The gRPC `Filters` message → Weaviate's REST `where` JSON, which `search.filters.parse_where` then parses and
validates: one filter semantics (and one set of error texts) for REST, GraphQL and gRPC.

The wire format has one string value type where REST has two: the v4 client sends dates as `value_text`, so a
text value on a `date` property (or a non-numeric one on `_creationTimeUnix` / `_lastUpdateTimeUnix`) becomes
`valueDate`, as Weaviate's gRPC handler decides by the schema too.
"""

from __future__ import annotations

from typing import Any

from weavebind.errors import Unprocessable
from weavebind.schema.models import ClassInfo

_OPERATORS = {
    1: "Equal", 2: "NotEqual", 3: "GreaterThan", 4: "GreaterThanEqual", 5: "LessThan", 6: "LessThanEqual",
    7: "And", 8: "Or", 9: "WithinGeoRange", 10: "Like", 11: "IsNull", 12: "ContainsAny", 13: "ContainsAll",
    14: "ContainsNone", 15: "Not",
}
_LOGICAL = ("And", "Or", "Not")
_SCALARS = {"value_text": "valueText", "value_int": "valueInt", "value_boolean": "valueBoolean",
            "value_number": "valueNumber"}
_ARRAYS = {"value_text_array": "valueTextArray", "value_int_array": "valueIntArray",
           "value_boolean_array": "valueBooleanArray", "value_number_array": "valueNumberArray"}
_TIMESTAMPS = ("_creationTimeUnix", "_lastUpdateTimeUnix")


def to_where(message: Any, info: ClassInfo, class_of: Any = None) -> dict[str, Any]:
    """Translate one Filters message (recursively). `class_of(name)` finds other classes for reference paths."""
    operator = _OPERATORS.get(message.operator)
    if operator is None:
        raise Unprocessable(f"invalid filter: unknown operator {message.operator}")
    if operator in _LOGICAL:
        return {"operator": operator, "operands": [to_where(f, info, class_of) for f in message.filters]}
    path = _path(message, info, class_of)
    key, value = _value(message)
    if key in ("valueText", "valueTextArray") and _is_date(path, value, _innermost(path, info, class_of)):
        key = "valueDate" if key == "valueText" else "valueDateArray"
    return {"operator": operator, "path": path, key: value}


def _value(message: Any) -> tuple[str, Any]:
    kind = message.WhichOneof("test_value")
    if kind in _SCALARS:
        return _SCALARS[kind], getattr(message, kind)
    if kind in _ARRAYS:
        return _ARRAYS[kind], list(getattr(message, kind).values)
    if kind == "value_geo":
        geo = message.value_geo
        return "valueGeoRange", {"geoCoordinates": {"latitude": geo.latitude, "longitude": geo.longitude},
                                 "distance": {"max": geo.distance}}
    raise Unprocessable("invalid filter: a compare operator needs a value (value_text, value_int, ...)")


def _path(message: Any, info: ClassInfo, class_of: Any) -> list[str]:
    if message.HasField("target"):
        return _target_path(message.target, info, class_of)
    if not message.on:
        raise Unprocessable("invalid filter: a compare operator needs a target property")
    return list(message.on)


def _target_path(target: Any, info: ClassInfo | None, class_of: Any) -> list[str]:
    kind = target.WhichOneof("target")
    if kind == "property":
        return [target.property]
    if kind == "count":
        return [target.count.on]
    if kind == "single_target":
        ref = target.single_target
        linked = info.data_type(ref.on) if info is not None else None
        if info is not None and linked is None:
            raise Unprocessable(f"invalid filter: no such prop with name '{ref.on}' found in class '{info.name}' in "
                                "the schema. Check your schema files for which properties in this class are "
                                "available")
        return [ref.on, linked or "", *_target_path(ref.target, _lookup(class_of, linked), class_of)]
    if kind == "multi_target":
        ref = target.multi_target
        return [ref.on, ref.target_collection,
                *_target_path(ref.target, _lookup(class_of, ref.target_collection), class_of)]
    raise Unprocessable("invalid filter: the filter target names no property")


def _lookup(class_of: Any, name: str | None) -> ClassInfo | None:
    return class_of(name) if class_of is not None and name else None


def _innermost(path: list[str], info: ClassInfo | None, class_of: Any) -> ClassInfo | None:
    """The class whose property the path ends on: `[ref, Class, ref, Class, prop]` ends on the last Class."""
    return _lookup(class_of, path[-2]) if len(path) > 1 else info


def _is_date(path: list[str], value: Any, info: ClassInfo | None) -> bool:
    if path[-1] in _TIMESTAMPS:
        items = value if isinstance(value, list) else [value]
        return any(not str(item).lstrip("-").isdigit() for item in items)
    return info is not None and info.data_type(path[-1]) in ("date", "date[]")
