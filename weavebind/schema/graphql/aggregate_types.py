"""Aggregate's output types (spec 1.18): one per class, with a summary type per property data type."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Optional

from weavebind.schema.graphql.dynamic import argument, field, object_type
from weavebind.schema.graphql.resolvers import top_occurrences_resolver
from weavebind.schema.models import ClassInfo

# ruff: noqa: UP045

SKIPPED_NAMES = ("meta", "groupedBy")  # a property with one of these names would hide Aggregate's own field


def _numeric() -> type:
    return object_type("_AggregateNumeric", [
        field("count", Optional[int]), field("type", Optional[str]),
        *(field(n, Optional[float]) for n in ("minimum", "maximum", "mean", "median", "mode", "sum"))])


def _text() -> type:
    top = object_type("_TopOccurrence", [field("value", Optional[str]), field("occurs", Optional[int])])
    return object_type("_AggregateText", [
        field("count", Optional[int]), field("type", Optional[str]),
        field("topOccurrences", Optional[list[Optional[top]]], resolver=top_occurrences_resolver,
              arguments=[argument("limit", Optional[int])])])


def _boolean() -> type:
    return object_type("_AggregateBoolean", [
        field("count", Optional[int]), field("type", Optional[str]), field("totalTrue", Optional[int]),
        field("totalFalse", Optional[int]), field("percentageTrue", Optional[float]),
        field("percentageFalse", Optional[float])])


def _date() -> type:
    return object_type("_AggregateDate", [
        field("count", Optional[int]), field("type", Optional[str]),
        *(field(n, Optional[str]) for n in ("minimum", "maximum", "median", "mode"))])


def _reference() -> type:
    return object_type("_AggregateReference", [field("type", Optional[str]),
                                               field("pointingTo", Optional[list[Optional[str]]])])


@dataclass
class AggregateShared:
    numeric: type = dc_field(default_factory=_numeric)
    text: type = dc_field(default_factory=_text)
    boolean: type = dc_field(default_factory=_boolean)
    date: type = dc_field(default_factory=_date)
    reference: type = dc_field(default_factory=_reference)
    meta: type = dc_field(default_factory=lambda: object_type("_AggregateMeta", [field("count", Optional[int])]))
    grouped_by: type = dc_field(default_factory=lambda: object_type("_AggregateGroupedBy", [
        field("path", Optional[list[Optional[str]]]), field("value", Optional[str])]))

    def for_type(self, data_type: str) -> type | None:
        base = data_type[:-2] if data_type.endswith("[]") else data_type
        if base in ("int", "number"):
            return self.numeric
        if base in ("text", "string", "uuid"):
            return self.text
        if base == "boolean":
            return self.boolean
        if base == "date":
            return self.date
        if base[:1].isupper():
            return self.reference
        return None  # geoCoordinates, phoneNumber, blob, object: Weaviate offers no aggregation either


def aggregate_type(info: ClassInfo, shared: AggregateShared) -> type:
    fields = [field("meta", Optional[shared.meta]), field("groupedBy", Optional[shared.grouped_by])]
    for name, prop in info.properties.items():
        summary = shared.for_type(prop["dataType"][0])
        if summary is not None and name not in SKIPPED_NAMES:
            fields.append(field(name, Optional[summary]))
    return object_type(f"_{info.name}__Aggregate", fields)
