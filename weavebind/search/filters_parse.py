"""Shape half of the `where` filter: JSON -> operator tree, no schema needed.

Mirrors Weaviate's `adapters/handlers/rest/filterext/parse.go` and `parse_value.go` (error texts included): the
operator is checked first, a logical operator then needs operands and no path, a compare operator needs exactly one
value<Type> field and then a path. Everything here raises FilterError with kind "parse".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from weavebind.search.filters_eval import parse_rfc3339

LOGICAL = frozenset({"And", "Or", "Not"})
CONTAINS = frozenset({"ContainsAny", "ContainsAll", "ContainsNone"})
COMPARE = frozenset(
    {"Equal", "NotEqual", "GreaterThan", "GreaterThanEqual", "LessThan", "LessThanEqual", "Like", "WithinGeoRange",
     "IsNull"}
) | CONTAINS
OPERATORS = LOGICAL | COMPARE
MAX_DEPTH = 64

# value field -> the value type Weaviate records for it. Order is Weaviate's extractor order.
VALUE_FIELDS: dict[str, str] = {
    "valueInt": "int",
    "valueNumber": "number",
    "valueText": "text",
    "valueDate": "date",
    "valueBoolean": "boolean",
    "valueIntArray": "int",
    "valueNumberArray": "number",
    "valueTextArray": "text",
    "valueDateArray": "date",
    "valueBooleanArray": "boolean",
    "valueGeoRange": "geoCoordinates",
    "valueString": "string",
    "valueStringArray": "string",
}
TEXT_TYPES = frozenset({"text", "string"})
_EXPECTED = {
    "int": "an integer",
    "number": "a number",
    "text": "a string",
    "string": "a string",
    "boolean": "a boolean",
    "date": "a string with a RFC3339 formatted date",
}
_KNOWN_KEYS = frozenset({"operator", "operands", "path"}) | VALUE_FIELDS.keys()
_PROPERTY_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,230}")
_CLASS_NAME = re.compile(r"[A-Z][_0-9A-Za-z]{0,254}")


class FilterError(ValueError):
    """A bad `where` filter. The message is Weaviate's text without its prefix; `kind` says which prefix applies:
    "parse" -> 'invalid where filter: ', "validation" -> "invalid 'where' filter: "."""

    def __init__(self, message: str, kind: str = "parse") -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class Logical:
    operator: str
    operands: tuple[Logical | Leaf, ...]


@dataclass(frozen=True)
class Leaf:
    """A compare clause. `value` is a tuple for Contains*, (lat, lon, max) for geo, else one scalar;
    dates are already aware datetimes."""

    operator: str
    path: tuple[str, ...]
    field: str
    vtype: str
    value: Any


def value_name(vtype: str) -> str:
    """The value<Type> field name Weaviate prints for a value type (geo named by its real field, not Weaviate's)."""
    return "valueGeoRange" if vtype == "geoCoordinates" else "value" + vtype[:1].upper() + vtype[1:]


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    names = {bool: "a boolean", str: "a string", list: "a list", dict: "an object"}
    return names.get(type(value), "a number" if isinstance(value, int | float) else type(value).__name__)


def _jsonify(raw: dict) -> str:
    # Go's json.Marshal of models.WhereFilter: known fields only, alphabetical (struct order), compact.
    known = {key: value for key, value in raw.items() if key in _KNOWN_KEYS and value is not None}
    return json.dumps(known, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def parse_tree(raw: Any, depth: int = 1) -> Logical | Leaf:
    """Parse one `where` object (and its operands) into a tree; no schema checks."""
    if not isinstance(raw, dict):
        raise FilterError(f"a where filter must be a JSON object, got {_json_type(raw)}")
    if depth > MAX_DEPTH:
        raise FilterError(f"where filter is nested too deeply: at most {MAX_DEPTH} levels are allowed")
    operator = raw.get("operator")
    if not isinstance(operator, str) or operator not in OPERATORS:
        shown = "" if operator is None else operator if isinstance(operator, str) else json.dumps(operator)
        raise FilterError(f"unrecognized operator: {shown}")
    if operator in LOGICAL:
        return _parse_logical(raw, operator, depth)
    field, vtype, value = _parse_value(raw, operator)
    path = _parse_path(raw.get("path"))
    if vtype in TEXT_TYPES and any("\x00" in item for item in (value if isinstance(value, tuple) else (value,))):
        # No stored text holds one (objects refuse it), and PostgreSQL cannot take it as a parameter.
        raise FilterError(f"field '{field}' for property '{'.'.join(path)}': the value holds a NUL character "
                          "(\\u0000), which no stored text can hold")
    return Leaf(operator, path, field, vtype, value)


def _parse_logical(raw: dict, operator: str, depth: int) -> Logical:
    if raw.get("path") is not None:
        raise FilterError(
            f"operator '{operator}' not compatible with field 'path', remove 'path' "
            "or switch to compare operator (eg. Equal, NotEqual, etc.)"
        )
    operands = raw.get("operands")
    if operands is None or operands == []:
        raise FilterError(f"operator '{operator}', but no operands set - add at least one operand")
    if not isinstance(operands, list):
        raise FilterError(f"field 'operands': must be a list of where filters, got {_json_type(operands)}")
    if operator == "Not" and len(operands) != 1:
        raise FilterError(f"operator 'Not' takes exactly one operand, got {len(operands)}")
    for index, operand in enumerate(operands):
        if not isinstance(operand, dict):
            raise FilterError(f"field 'operands': element {index} must be a where filter object, "
                              f"got {_json_type(operand)}")
    return Logical(operator, tuple(parse_tree(operand, depth + 1) for operand in operands))


def _parse_value(raw: dict, operator: str) -> tuple[str, str, Any]:
    # An empty list counts as unset, like Go's len(in.ValueTextArray) == 0.
    found = [field for field in VALUE_FIELDS if raw.get(field) is not None and raw.get(field) != []]
    if len(found) > 1:
        raise FilterError(f"found more than one values the clause '{_jsonify(raw)}'")
    if not found:
        raise FilterError(f"got operator '{operator}', but no value<Type> field set")
    field = found[0]
    vtype = VALUE_FIELDS[field]
    _check_operator_value(operator, field, vtype)
    if vtype == "geoCoordinates":
        return field, vtype, _parse_geo_range(raw[field])
    given = raw[field]
    if field.endswith("Array") and not isinstance(given, list):
        raise FilterError(f"field '{field}': must be a list, got {_json_type(given)}")
    if isinstance(given, list) and operator not in CONTAINS:
        raise FilterError(f"operator '{operator}' takes a single value, but field '{field}' holds a list; "
                          "use ContainsAny, ContainsAll or ContainsNone to match several values")
    items = tuple(_parse_scalar(field, vtype, item) for item in (given if isinstance(given, list) else [given]))
    return field, vtype, items if operator in CONTAINS else items[0]


def _check_operator_value(operator: str, field: str, vtype: str) -> None:
    """Operator/value pairs that can never work, whatever the property."""
    if operator == "WithinGeoRange" and vtype != "geoCoordinates":
        raise FilterError(f"operator 'WithinGeoRange' requires the field 'valueGeoRange', got '{field}'")
    if vtype == "geoCoordinates" and operator != "WithinGeoRange":
        raise FilterError(f"field 'valueGeoRange' can only be used with operator 'WithinGeoRange', got '{operator}'")
    if operator == "Like" and vtype not in TEXT_TYPES:
        raise FilterError(f"operator 'Like' requires the field 'valueText', got '{field}'")


def _parse_scalar(field: str, vtype: str, item: Any) -> Any:
    if vtype == "int":
        ok = isinstance(item, int) and not isinstance(item, bool)
    elif vtype == "number":
        ok = isinstance(item, int | float) and not isinstance(item, bool)
    elif vtype == "boolean":
        ok = isinstance(item, bool)
    else:
        ok = isinstance(item, str)
    parsed = parse_rfc3339(item) if ok and vtype == "date" else item
    if not ok or parsed is None:
        shown = json.dumps(item, ensure_ascii=False, default=str) if not isinstance(item, str) else f"'{item}'"
        raise FilterError(f"field '{field}': requires {_EXPECTED[vtype]}, but the given value is {shown}")
    return parsed


def _parse_geo_range(given: Any) -> tuple[float, float, float]:
    if not isinstance(given, dict):
        raise FilterError(f"field 'valueGeoRange': must be an object with 'geoCoordinates' and 'distance', "
                          f"got {_json_type(given)}")
    distance, coords = given.get("distance"), given.get("geoCoordinates")
    if distance is None:
        raise FilterError("valueGeoRange: field 'distance' must be set")
    maximum = distance.get("max") if isinstance(distance, dict) else None
    if not _is_number(maximum) or maximum < 0:
        raise FilterError("valueGeoRange: field 'distance.max' must be a positive number")
    if coords is None:
        raise FilterError("valueGeoRange: field 'geoCoordinates' must be set")
    lat = coords.get("latitude") if isinstance(coords, dict) else None
    lon = coords.get("longitude") if isinstance(coords, dict) else None
    if not (_is_number(lat) and -90 <= lat <= 90):
        raise FilterError("valueGeoRange: field 'geoCoordinates.latitude' must be a number between -90 and 90")
    if not (_is_number(lon) and -180 <= lon <= 180):
        raise FilterError("valueGeoRange: field 'geoCoordinates.longitude' must be a number between -180 and 180")
    return float(lat), float(lon), float(maximum)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _parse_path(path: Any) -> tuple[str, ...]:
    if path is None or path == []:
        raise FilterError("field 'path': must have at least one element")
    if not isinstance(path, list):
        raise FilterError(f"field 'path': must be a list of strings, got {_json_type(path)}")
    for index, element in enumerate(path):
        if not isinstance(element, str):
            raise FilterError(f"field 'path': element {index} is not a string")
    if len(path) % 2 == 0:  # [prop, Class, prop, ...]: a class without its property
        raise FilterError(f"missing an argument after '{path[-1]}'")
    for index, element in enumerate(path):
        if index % 2 == 1 and not _CLASS_NAME.fullmatch(element):
            raise FilterError(f"Expected a valid class name in 'path' field for the filter but got '{element}'")
        name = length_target(element) or element
        if index % 2 == 0 and not _PROPERTY_NAME.fullmatch(name):
            raise FilterError(f"Expected a valid property name in 'path' field for the filter, but got '{name}'")
    return tuple(path)


def length_target(name: str) -> str | None:
    """`len(prop)` -> "prop"; None for any other path element (Weaviate's schema.IsPropertyLength)."""
    if len(name) > 4 and name.startswith("len(") and name.endswith(")"):
        return name[4:-1]
    return None
