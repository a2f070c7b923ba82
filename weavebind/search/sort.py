"""Get's `sort` argument: validation with Weaviate's messages and a total order over stored values."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from weavebind.schema.models import ClassInfo
from weavebind.search.errors import SearchError
from weavebind.storage.records import ObjectRecord

SPECIAL = {"_id": "uuid", "id": "uuid", "_creationTimeUnix": "created_ms", "_lastUpdateTimeUnix": "updated_ms"}


def parse_sort(info: ClassInfo, raw: Sequence[dict[str, Any]]) -> list[tuple[str, bool]]:
    """[(property or special name, descending)], checked against the class."""
    specs = []
    for index, item in enumerate(raw):
        item = item or {}  # GraphQL allows `sort: [null]`: an item without a path
        path = item.get("path") or []
        where = f"sort parameter at position {index}"
        if not path:
            raise SearchError(f"{where}: path parameter cannot be empty")
        if len(path) > 1:
            raise SearchError(f"{where}: sorting by reference properties is not supported, path must have exactly "
                              f"one element, got {len(path)}")
        name = path[0]
        if name not in SPECIAL and name not in info.properties:
            raise SearchError(f"{where}: no such prop with name '{name}' found in class '{info.name}' in the "
                              "schema. Check your schema files for which properties in this class are available")
        specs.append((name, (item.get("order") or "asc") == "desc"))
    return specs


def _key(value: Any) -> tuple:
    # A missing value sorts first; the type name keeps values of different types comparable.
    if value is None:
        return (0,)
    if isinstance(value, list):
        return (1, "list", tuple(_key(v) for v in value))
    if isinstance(value, dict):
        return (1, "dict", str(sorted(value.items())))
    if isinstance(value, bool):
        return (1, "bool", value)
    if isinstance(value, int | float):
        return (1, "number", value)
    return (1, type(value).__name__, value)


def _value(record: ObjectRecord, name: str) -> Any:
    if name in SPECIAL:
        return getattr(record, SPECIAL[name])
    return (record.properties or {}).get(name)


def sort_records(items: list, specs: list[tuple[str, bool]], record_of=lambda item: item) -> list:
    """Stable multi-key sort of records (or of items holding one, through `record_of`)."""
    ordered = list(items)
    for name, descending in reversed(specs):
        ordered.sort(key=lambda item: _key(_value(record_of(item), name)), reverse=descending)
    return ordered
