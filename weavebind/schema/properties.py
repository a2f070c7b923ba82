"""Property value validation (spec 3.4) and auto-schema type inference (spec 3.6).

Messages reproduce Weaviate's, including Go's type names (`json.Number` for a JSON number), so that existing
client code that matches on them keeps working.
"""

from __future__ import annotations

import binascii
import re
import uuid as uuidlib
from datetime import datetime
from typing import Any

from weavebind.schema.phone import PhoneError, parse_phone

BLOB_CHUNK = 1 << 20  # characters of base64 checked at a time; a multiple of 4
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1  # Weaviate's int is int64
BEACON = re.compile(r"^weaviate://[^/]+/(?:([A-Z][_0-9A-Za-z]*)/)?([0-9a-fA-F-]{36})$")


class PropertyError(ValueError):
    """A property value does not fit its dataType; the message is Weaviate's (without `invalid object: `)."""


def holds_nul(value: Any) -> bool:
    """Whether a NUL character (U+0000) is in any text of a JSON value, its object keys included. PostgreSQL can
    store it in neither `text` nor `jsonb`, so weavebind refuses it on both databases (docs/compatibility.md).
    A loop, not recursion: a body may nest deeper than Python's recursion limit."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def nul_error(name: str, cls: str) -> PropertyError:
    return PropertyError(f"invalid text property '{name}' on class '{cls}': it holds a NUL character (\\u0000), "
                         "which cannot be stored")


def go_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "json.Number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "[]interface {}"
    if isinstance(value, dict):
        return "map[string]interface {}"
    return "<nil>"


def is_rfc3339(value: Any) -> bool:
    if not isinstance(value, str) or "T" not in value:
        return False
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return False
    return parsed.tzinfo is not None


def is_uuid(value: Any) -> bool:
    if not isinstance(value, str) or len(value) != 36:
        return False
    try:
        uuidlib.UUID(value)
    except ValueError:
        return False
    return True


def is_blob(value: Any) -> bool:
    """Standard base64 with its padding, nothing else (no whitespace). Checked in slices, decoding nothing whole: a
    regular expression over a 50 MB blob took 1.4 GB of backtracking state, a whole decode its 37 MB of bytes."""
    if not isinstance(value, str) or not value or len(value) % 4:
        return False
    padding = value.find("=")
    if padding != -1 and padding < len(value) - 2:
        return False
    try:
        for start in range(0, len(value), BLOB_CHUNK):
            binascii.a2b_base64(value[start:start + BLOB_CHUNK], strict_mode=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_scalar(kind: str, name: str, cls: str, value: Any) -> Any:
    where = f"property '{name}' on class '{cls}'"
    if kind == "text":
        if not isinstance(value, str):
            raise PropertyError(f"invalid text {where}: not a string, but {go_type(value)}")
    elif kind == "int":
        whole = _is_number(value) and (isinstance(value, int) or value.is_integer())  # no float(): 2**53 + 1
        if not whole or not INT64_MIN <= int(value) <= INT64_MAX:
            raise PropertyError(f"invalid integer {where}: requires an integer, the given value is '{value}'")
        return int(value)
    elif kind == "number":
        if not _is_number(value):
            raise PropertyError(f"invalid number {where}: requires a float, the given value is '{value}'")
        return float(value) if isinstance(value, float) else value
    elif kind == "boolean":
        if not isinstance(value, bool):
            raise PropertyError(f"invalid boolean {where}: not a boolean, but {go_type(value)}")
    elif kind == "date":
        if not is_rfc3339(value):
            raise PropertyError(f"invalid date {where}: requires a string with a RFC3339 formatted date, but the "
                                f"given value is '{value}'")
    elif kind == "uuid":
        if not is_uuid(value):
            raise PropertyError(f"invalid uuid {where}: requires a string of UUID format, but the given value "
                                f"is '{value}'")
        return value.lower()
    return value


def check_value(data_type: str, name: str, cls: str, value: Any) -> Any:
    """Validate one property value against its dataType; returns the value as stored."""
    where = f"property '{name}' on class '{cls}'"
    if data_type.endswith("[]") and data_type != "object[]":
        if not isinstance(value, list):
            raise PropertyError(f"invalid {data_type[:-2]} array {where}: not an array, but {go_type(value)}")
        return [_check_scalar(data_type[:-2], name, cls, item) for item in value]
    if data_type in ("text", "int", "number", "boolean", "date", "uuid"):
        return _check_scalar(data_type, name, cls, value)
    if data_type == "blob":
        if not is_blob(value):
            raise PropertyError(f"invalid blob {where}: not a valid blob base64 string")
        return value
    if data_type == "geoCoordinates":
        if not isinstance(value, dict) or not _is_number(value.get("latitude")) or \
                not _is_number(value.get("longitude")):
            raise PropertyError(f"invalid geoCoordinates {where}: requires an object with numeric 'latitude' "
                                f"and 'longitude', the given value is '{value}'")
        return {"latitude": value["latitude"], "longitude": value["longitude"]}
    if data_type == "phoneNumber":
        try:
            return parse_phone(value)
        except PhoneError as exc:
            raise PropertyError(f"invalid phoneNumber {where}: {exc}") from None
    if data_type == "object":
        if not isinstance(value, dict):
            raise PropertyError(f"invalid object {where}: not an object, but {go_type(value)}")
        return value
    if data_type == "object[]":
        if not isinstance(value, list) or not all(isinstance(x, dict) for x in value):
            raise PropertyError(f"invalid object array {where}: requires a list of objects")
        return value
    return check_references(name, cls, value)


def check_references(name: str, cls: str, value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise PropertyError(f"invalid cref {where_ref(name, cls)}: not a list of references, but {go_type(value)}")
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("beacon"), str) or \
                not BEACON.match(item["beacon"]):
            raise PropertyError(f"invalid cref {where_ref(name, cls)}: each reference needs a beacon of the form "
                                f"weaviate://localhost/<Class>/<uuid>, got {item!r}")
    return [{"beacon": item["beacon"]} for item in value]


def where_ref(name: str, cls: str) -> str:
    return f"property '{name}' on class '{cls}'"


def infer_data_type(value: Any, default_number: str) -> list[str] | None:
    """Auto-schema's dataType for a JSON value; None when it cannot tell (empty list)."""
    if value is None:
        return ["text"]
    if isinstance(value, bool):
        return ["boolean"]
    if isinstance(value, int | float):
        return [default_number]
    if isinstance(value, str):
        return ["date"] if is_rfc3339(value) else ["uuid"] if is_uuid(value) else ["text"]
    if isinstance(value, dict):
        if {"latitude", "longitude"} <= value.keys():
            return ["geoCoordinates"]
        if "input" in value and value.keys() <= {"input", "defaultCountry"}:
            return ["phoneNumber"]
        return ["object"]
    if isinstance(value, list) and value:
        first = value[0]
        if isinstance(first, dict) and "beacon" in first:
            match = BEACON.match(str(first["beacon"]))
            return [match.group(1)] if match and match.group(1) else None
        inner = infer_data_type(first, default_number)
        return [inner[0] + "[]"] if inner and not inner[0].endswith("[]") else None
    return None
