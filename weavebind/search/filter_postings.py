"""Postings of one property of one storage key, over the key's dense object ids (filter_index.py).

Three kinds, each answering what the scan (filters_eval.py, filters_text.py) would decide, as a BitMap of ids:
- `ValuePostings`: the property's stored values coerced into one comparison domain exactly as the scan coerces
  them (`filters_eval.DOMAINS`), value → ids, plus a lazily sorted view for ranges.
- `TokenPostings`: a text property's tokens under one tokenization, token → ids.
- `LengthPostings`: `len(prop)` → ids; `GeoPostings`: points sorted by latitude (WithinGeoRange).
- `NullPostings`: the ids whose value is not null (IsNull).

Ids are only ever added: an object that changes or goes gets a new id or none, and every answer is intersected
with the key's live ids, so stale postings never show (filter_index.py drops a key whose dead ids pile up).
"""

from __future__ import annotations

import math
import re
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from pyroaring import BitMap

from weavebind.search.filters_eval import DOMAINS, EARTH_RADIUS_M, haversine_m, value_length
from weavebind.search.tokenize import tokenize_value

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)
EMPTY = BitMap()
RECENT_MIN = 1024  # see ValuePostings._recent
UNION_KEYS = 256  # a range over at most this many values is the union of their bitmaps
_HOLDS = {"GreaterThan": lambda a, b: a > b, "GreaterThanEqual": lambda a, b: a >= b,
          "LessThan": lambda a, b: a < b, "LessThanEqual": lambda a, b: a <= b}


def _items(raw: Any) -> list:
    """A scalar reads as one value, an array as its elements (filters_eval.PropertyRead)."""
    return raw if isinstance(raw, list) else [raw]


def sort_key(domain: str, value: Any) -> Any:
    """The key a coerced value is posted under: equal keys exactly when the scan's `==` holds, ordered as its
    `<` orders. Dates become integer microseconds since the epoch (exact for Python datetimes); a NaN has no key,
    as it equals and orders against nothing."""
    if domain == "date":
        return (value - _EPOCH) // _MICRO
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


class ValuePostings:
    """value → ids. A value held by one id keeps a plain int (a property of unique values, such as prices or
    timestamps, would otherwise cost a bitmap object per object)."""

    def __init__(self, domain: str):
        self.domain = domain
        self.coerce = DOMAINS[domain]
        self.ids: dict[Any, BitMap | int] = {}
        self._sorted: tuple[list, list[int], array] | None = None  # keys, offsets, ids in key order
        # (key, id) added since the sorted view was made: ranges check them one by one until there are enough to
        # make re-sorting worth it, so a stream of writes does not re-sort every value before each range query
        self._recent: list[tuple[Any, int]] = []

    def add(self, oid: int, raw: Any) -> None:
        for item in _items(raw):
            value = self.coerce(item) if item is not None else None
            key = None if value is None else sort_key(self.domain, value)
            if key is not None:
                found = self.ids.get(key)
                if found is None:
                    self.ids[key] = oid
                elif isinstance(found, int):
                    self.ids[key] = BitMap((found, oid))
                else:
                    found.add(oid)
                if self._sorted is not None:
                    self._recent.append((key, oid))

    def equal(self, value: Any) -> BitMap:
        key = sort_key(self.domain, value)
        return self.equal_key(key) if key is not None else EMPTY

    def equal_key(self, key: Any) -> BitMap:
        found = self.ids.get(key)
        if found is None:
            return EMPTY
        return BitMap((found,)) if isinstance(found, int) else found

    def _view(self) -> tuple[list, list[int], array]:
        view = self._sorted
        if view is not None and len(self._recent) > max(RECENT_MIN, len(view[0]) // 16):
            view = None
        if view is None:
            self._recent = []
            keys = sorted(self.ids)
            offsets, ids = [0], array("I")
            for key in keys:
                found = self.ids[key]
                if isinstance(found, int):
                    ids.append(found)
                else:
                    ids.extend(found.to_array())
                offsets.append(len(ids))
            view = self._sorted = (keys, offsets, ids)
        return view

    def compare(self, operator: str, value: Any) -> BitMap:
        """Ids holding one value `operator` the given one (GreaterThan, ..., LessThanEqual)."""
        key = sort_key(self.domain, value)
        if key is None:
            return BitMap()
        keys, offsets, ids = self._view()
        if operator == "GreaterThan":
            lo, hi = bisect_right(keys, key), len(keys)
        elif operator == "GreaterThanEqual":
            lo, hi = bisect_left(keys, key), len(keys)
        elif operator == "LessThan":
            lo, hi = 0, bisect_left(keys, key)
        else:  # LessThanEqual
            lo, hi = 0, bisect_right(keys, key)
        if hi - lo <= UNION_KEYS:  # few values in range (buckets, ratings): a union of their bitmaps, no sort
            found = BitMap.union(BitMap(), *(self.equal_key(k) for k in keys[lo:hi]))
        else:
            found = BitMap(ids[offsets[lo]:offsets[hi]])
        holds = _HOLDS[operator]
        found.update(oid for recent, oid in self._recent if holds(recent, key))
        return found


class LengthPostings(ValuePostings):
    """`len(prop)` → ids: every object has one (absent or null is 0)."""

    def __init__(self) -> None:
        super().__init__("number")

    def add(self, oid: int, raw: Any) -> None:
        super().add(oid, value_length(raw))


class TokenPostings:
    def __init__(self, method: str):
        self.method = method
        self.ids: dict[str, BitMap] = {}

    def add(self, oid: int, raw: Any) -> None:
        for token in set(tokenize_value(raw, self.method)):
            found = self.ids.get(token)
            if found is None:
                found = self.ids[token] = BitMap()
            found.add(oid)

    def all_of(self, terms: Iterable[str]) -> BitMap:
        """Ids holding every term. Intersected one term at a time, stopping once empty: a long filter value's terms
        (filters_text.JoinedTerms) are never all held in memory, nor their bitmaps in one argument list."""
        found: BitMap | None = None
        for term in terms:
            ids = self.ids.get(term, EMPTY)
            found = BitMap(ids) if found is None else found & ids
            if not found:
                break
        return found if found is not None else BitMap()

    def any_of(self, terms: Iterable[str]) -> BitMap:
        found = BitMap()
        for term in terms:
            ids = self.ids.get(term)
            if ids is not None:
                found |= ids
        return found

    def matching(self, pattern: re.Pattern[str]) -> BitMap:
        """Ids holding a token the pattern matches whole (Like): one regex per distinct token, not per object."""
        return BitMap.union(EMPTY, *(ids for token, ids in self.ids.items() if pattern.fullmatch(token)))


class GeoPostings:
    """Every point as (latitude, id, longitude), sorted by latitude when read. WithinGeoRange reads only the band of
    latitudes the distance allows (a great circle between two latitudes is never shorter than the meridian arc
    between them) and checks each point there with the scan's own haversine, so the answer is the scan's."""

    def __init__(self) -> None:
        self.points: list[tuple[float, int, float]] = []
        self._sorted = True

    def add(self, oid: int, raw: Any) -> None:
        for item in _items(raw):
            point = DOMAINS["geo"](item) if item is not None else None
            if point is not None:
                self.points.append((point[0], oid, point[1]))
                self._sorted = False

    def within(self, geo: tuple[float, float, float], live: BitMap) -> BitMap:
        if not self._sorted:
            self.points.sort()
            self._sorted = True
        lat, lon, maximum = geo
        band = math.degrees(maximum / EARTH_RADIUS_M) + 1e-6  # the margin only adds candidates to check
        lo = bisect_left(self.points, (lat - band,))
        hi = bisect_right(self.points, (lat + band, math.inf))
        found = BitMap()
        for p_lat, oid, p_lon in self.points[lo:hi]:
            if oid in live and haversine_m((p_lat, p_lon), (lat, lon)) <= maximum:
                found.add(oid)
        return found


class NullPostings:
    def __init__(self) -> None:
        self.not_null = BitMap()

    def add(self, oid: int, raw: Any) -> None:
        if raw is not None and not (isinstance(raw, list) and not raw):
            self.not_null.add(oid)
