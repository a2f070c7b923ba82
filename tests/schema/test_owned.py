"""Handing request values on (schema/owned.py): `Owned` gives its value up once, and `lent_values` takes the
large strings a request item shares with its record for the time they are stored, then puts equal ones back, also
when storing fails."""

from __future__ import annotations

import pytest

from weavebind.schema.owned import Owned, lent_values
from weavebind.storage.large_rows import LARGE_VALUE
from weavebind.storage.records import ObjectRecord


def test_owned_gives_its_value_up_once():
    owned = Owned({"a": 1})
    assert owned.take() == {"a": 1}
    with pytest.raises(RuntimeError):
        owned.take()


def _pair(big: str) -> tuple[dict, ObjectRecord]:
    item = {"class": "Blobs", "properties": {"Image": big, "title": "t", "other": "x" * LARGE_VALUE}}
    record = ObjectRecord("Blobs", "u", {"image": big, "title": "t", "other": "y" * LARGE_VALUE}, 1, 1)
    return item, record


def test_large_shared_strings_are_lent_and_put_back():
    big = "b" * LARGE_VALUE
    item, record = _pair(big)
    with lent_values([item], [(0, record)]):
        # Only the string the record holds itself is taken: `other` differs, `title` is small.
        assert item["properties"] == {"Image": None, "title": "t", "other": "x" * LARGE_VALUE}
        record.properties = {**record.properties, "image": "b" * LARGE_VALUE}  # as storage parses it back
    assert item["properties"]["Image"] == big and item["properties"]["Image"] is not big


def test_values_come_back_when_storing_fails():
    item, record = _pair("c" * LARGE_VALUE)
    with pytest.raises(ValueError), lent_values([item], [(0, record)]):
        raise ValueError("put failed")
    assert item["properties"]["Image"] == "c" * LARGE_VALUE


def test_nothing_is_lent_without_items_or_properties():
    _, record = _pair("d" * LARGE_VALUE)
    with lent_values(None, [(0, record)]):
        pass
    with lent_values([{"class": "Blobs"}, "not an object"], [(0, record), (1, record)]):
        pass


def test_a_null_body_is_handed_on_like_any_other():
    """A body of JSON `null` is the taker's to refuse (a 422), not a value already taken (found by the REST fuzzer)."""
    owned = Owned(None)
    assert owned.take() is None
    with pytest.raises(RuntimeError):
        owned.take()
