"""Property values → gRPC `properties_pb2.Value`s, typed by the schema: top-level properties by their dataType,
the fields of `object` / `object[]` properties by their `nestedProperties` (so a date inside an object arrives as
a date, as the v4 client decodes it), and only the nested fields a `QueryNested` selection asked for."""

from __future__ import annotations

from typing import Any

import numpy as np

from weavebind.server.grpc.proto import properties_pb2

Value = properties_pb2.Value
# A nested selection: field name → None (a primitive field) or the selection inside an object field.
Selection = dict[str, Any]


def nested_schema(prop: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """The nestedProperties of an object property, by name (empty when unknown)."""
    return {p["name"]: p for p in (prop or {}).get("nestedProperties") or []}


def _list_value(items: list, dtype: str | None, prop: dict[str, Any] | None, selection: Selection | None) -> Value:
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
            values=[object_fields(i, prop, selection) for i in items if isinstance(i, dict)])))
    return Value(list_value=properties_pb2.ListValue(text_values=properties_pb2.TextValues(
        values=[str(i) for i in items])))


def value(raw: Any, prop: dict[str, Any] | None, selection: Selection | None = None) -> Value:
    """One value; `prop` is its schema property (None where the schema does not know it: typed by the value)."""
    dtype = prop["dataType"][0] if prop else None
    if raw is None:
        return Value(null_value=0)
    if isinstance(raw, list):
        return _list_value(raw, dtype, prop, selection)
    if dtype == "date":
        return Value(date_value=raw)
    if dtype == "uuid":
        return Value(uuid_value=raw)
    if dtype == "blob":
        return Value(blob_value=raw)
    if dtype == "geoCoordinates":
        return Value(geo_value=properties_pb2.GeoCoordinate(latitude=raw["latitude"], longitude=raw["longitude"]))
    if dtype == "phoneNumber":
        return Value(phone_value=phone_value(raw))
    if isinstance(raw, bool):
        return Value(bool_value=raw)
    if isinstance(raw, int) and dtype != "number":
        return Value(int_value=raw)
    if isinstance(raw, int | float):
        return Value(number_value=float(raw))
    if isinstance(raw, dict):
        return Value(object_value=object_fields(raw, prop, selection))
    return Value(text_value=str(raw))


def phone_value(raw: dict[str, Any]) -> properties_pb2.PhoneNumber:
    """A stored phoneNumber (REST's shape, see schema/phone.py) → the gRPC PhoneNumber with every field."""
    return properties_pb2.PhoneNumber(
        input=str(raw.get("input", "")), default_country=str(raw.get("defaultCountry", "")),
        country_code=int(raw.get("countryCode") or 0),
        international_formatted=str(raw.get("internationalFormatted", "")), national=int(raw.get("national") or 0),
        national_formatted=str(raw.get("nationalFormatted", "")), valid=bool(raw.get("valid", False)))


def object_fields(raw: dict[str, Any], prop: dict[str, Any] | None, selection: Selection | None
                  ) -> properties_pb2.Properties:
    """The fields of one nested object: the selected ones (all when `selection` is None), typed by the schema."""
    schema = nested_schema(prop)
    wanted = list(raw) if selection is None else [name for name in selection if name in raw]
    return properties_pb2.Properties(fields={
        name: value(raw[name], schema.get(name), None if selection is None else selection[name])
        for name in wanted})


def top_level(values: dict[str, Any], schema: dict[str, dict[str, Any]], names: list[str],
              nested: dict[str, Selection]) -> properties_pb2.Properties:
    """An object's returned properties: `names` whole, `nested` (object properties) narrowed to their selection."""
    fields = {name: value(values[name], schema.get(name)) for name in names if name in values}
    for name, selection in nested.items():
        if name in values:
            fields[name] = value(values[name], schema.get(name), selection)
    return properties_pb2.Properties(fields=fields)
