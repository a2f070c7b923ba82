"""What the resolvers hand to GraphQL: dicts for objects, and lazy objects for `_additional` and Aggregate, so
that expensive values (vectors, property summaries) are only computed when a query selects them."""

from __future__ import annotations

from typing import Any

from weavebind.schema.graphql.scalars import f32, f32_list
from weavebind.search.aggregate import AggregateGroup
from weavebind.search.aggregate_props import summarize, text, values_of
from weavebind.search.explore import ExploreHit
from weavebind.search.results import Group, Hit
from weavebind.search.similarity import certainty
from weavebind.search.values import go_float
from weavebind.storage.records import LEGACY_TARGET, ObjectRecord

CLASS_KEY = "@class"   # not a valid property name, so it cannot collide with one


class LazyRow:
    """A row whose fields are computed on access (see `dynamic.default_resolver`)."""

    def field(self, name: str) -> Any:
        raise NotImplementedError


class Additional(LazyRow):
    __slots__ = ("record", "hit", "group")

    def __init__(self, record: ObjectRecord, hit: Hit | None = None, group: dict | None = None):
        self.record, self.hit, self.group = record, hit, group

    def field(self, name: str) -> Any:
        record, hit = self.record, self.hit
        distance = hit.distance if hit is not None else None
        if name == "id":
            return record.uuid
        if name == "distance":
            return f32(distance)
        if name == "certainty":
            return None if distance is None else certainty(distance)
        if name == "score":
            return None if hit is None or hit.score is None else go_float(hit.score)
        if name == "explainScore":
            return None if hit is None else hit.explain
        if name == "vector":
            return f32_list(record.vectors.get(LEGACY_TARGET))
        if name == "vectors":
            named = {k: f32_list(v) for k, v in record.vectors.items() if k != LEGACY_TARGET}
            return named or None
        if name == "creationTimeUnix":
            return str(record.created_ms)
        if name == "lastUpdateTimeUnix":
            return str(record.updated_ms)
        if name == "group":
            return self.group
        if name == "isConsistent":
            return True
        return None


def object_row(record: ObjectRecord, hit: Hit | None = None, group: dict | None = None) -> dict[str, Any]:
    row = dict(record.properties or {})
    row[CLASS_KEY] = record.class_name
    row["_additional"] = Additional(record, hit, group)
    return row


def group_row(group: Group) -> dict[str, Any]:
    return {"id": group.id, "groupedBy": {"path": group.path, "value": group.value}, "count": len(group.hits),
            "minDistance": f32(group.min_distance), "maxDistance": f32(group.max_distance),
            "hits": [object_row(h.record, h) for h in group.hits]}


def grouped_rows(groups: list[Group]) -> list[dict[str, Any]]:
    """One result per group: its closest hit, with the group under `_additional { group }`."""
    return [object_row(g.hits[0].record, g.hits[0], group_row(g)) for g in groups if g.hits]


def explore_row(hit: ExploreHit) -> dict[str, Any]:
    return {"beacon": hit.beacon, "className": hit.class_name, "certainty": certainty(hit.distance),
            "distance": f32(hit.distance)}


class AggregateRow(LazyRow):
    def __init__(self, group: AggregateGroup):
        self.group = group

    def field(self, name: str) -> Any:
        group = self.group
        if name == "meta":
            return {"count": group.count}
        if name == "groupedBy":
            return None if group.path is None else {"path": group.path, "value": group.value}
        prop = group.info.properties.get(name)
        if prop is None:
            return None
        values = values_of(group.records, name)
        summary = summarize(prop["dataType"][0], values)
        summary["@values"] = values
        return summary


def top_occurrences(summary: dict[str, Any], limit: int | None) -> list[dict[str, Any]]:
    return text(summary.get("@values") or [], limit)["topOccurrences"]
