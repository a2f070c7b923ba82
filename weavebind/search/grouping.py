"""Get's `groupBy` (spec 1.15): hits grouped by a property value, groups in order of their closest hit."""

from __future__ import annotations

from typing import Any

from weavebind.schema.models import ClassInfo
from weavebind.search.errors import SearchError
from weavebind.search.params import GroupBy
from weavebind.search.results import Group, Hit
from weavebind.search.values import go_string


def group_values(value: Any) -> list[str]:
    """The group(s) an object falls into: references by beacon, arrays by element, nothing → ""."""
    if value is None or value == []:
        return [""]
    items = value if isinstance(value, list) else [value]
    return [item["beacon"] if isinstance(item, dict) and "beacon" in item else go_string(item) for item in items]


def check_group_by(info: ClassInfo, group_by: GroupBy) -> None:
    if len(group_by.path) != 1:
        raise SearchError(f"groupBy: path must name exactly one property, got {len(group_by.path)} elements")
    if group_by.path[0] not in info.properties:
        raise SearchError(f"groupBy: no such prop with name '{group_by.path[0]}' found in class '{info.name}' in the "
                          "schema. Check your schema files for which properties in this class are available")
    if group_by.groups <= 0 or group_by.objects_per_group <= 0:
        raise SearchError("groupBy: groups and objectsPerGroup must be greater than 0")


def group_hits(info: ClassInfo, hits: list[Hit], group_by: GroupBy) -> list[Group]:
    """At most `groups` groups of at most `objectsPerGroup` hits each; hits come ranked, so the first group seen
    is the closest."""
    check_group_by(info, group_by)
    groups: dict[str, Group] = {}
    for hit in hits:
        for value in group_values((hit.record.properties or {}).get(group_by.path[0])):
            group = groups.get(value)
            if group is None:
                if len(groups) >= group_by.groups:
                    continue
                distance = hit.distance if hit.distance is not None else 0.0
                group = groups[value] = Group(len(groups), list(group_by.path), value, distance, distance)
            if len(group.hits) < group_by.objects_per_group:
                group.hits.append(hit)
                if hit.distance is not None:
                    group.min_distance = min(group.min_distance, hit.distance)
                    group.max_distance = max(group.max_distance, hit.distance)
    return list(groups.values())
