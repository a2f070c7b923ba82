"""Handing large request values on with their only reference, so that they can be freed while they are stored."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from weavebind.schema.validation import lower_first
from weavebind.storage.large_rows import LARGE_VALUE
from weavebind.storage.records import ObjectRecord

_TAKEN = object()


class Owned:
    """A value handed on with its only reference: `take()` gives it up, so once the taker drops it, its memory goes.
    A front end wraps a request's parsed body (or gRPC message) in one instead of keeping a reference for the
    whole call: the 50 MB blob of an object otherwise stayed alive beside every copy made while storing it."""

    def __init__(self, value: Any):
        self._value = value

    def take(self) -> Any:
        """The value (a body may be JSON `null`, which the taker refuses as it refuses any other bad body)."""
        value, self._value = self._value, _TAKEN
        if value is _TAKEN:
            raise RuntimeError("the value was already taken")
        return value


@contextmanager
def lent_values(items: list[Any] | None, entries: Sequence[tuple[int, ObjectRecord]]) -> Iterator[None]:
    """While the records of `entries` (position in `items`, record) are stored, their request items lend them the
    large strings they share: each is replaced by None in the item and put back afterwards from the record, where
    it is equal whether storage parsed it back or not. The record then holds it alone, and storage frees it while
    it writes the JSON (storage/large_rows.py). REST's batch keeps its items to echo failures, so it lends rather
    than gives them (`items` None: nothing to lend)."""
    taken: list[tuple[dict, str, ObjectRecord, str]] = []
    for position, record in entries if items is not None else ():
        props = items[position].get("properties") if isinstance(items[position], dict) else None
        for key, value in props.items() if isinstance(props, dict) else ():
            name = lower_first(key)
            if isinstance(value, str) and len(value) >= LARGE_VALUE and record.properties.get(name) is value:
                taken.append((props, key, record, name))
    value = None  # the loop variable would keep the last string alive while this is suspended below
    for props, key, _, _ in taken:
        props[key] = None
    try:
        yield
    finally:
        for props, key, record, name in taken:
            props[key] = record.properties[name]
