"""Evaluation half of the `where` filter: clause objects, value domains and operator semantics.

Each comparison reads the stored value(s) of one object and coerces them into the clause's comparison domain
(text, number, boolean, date, uuid, geo). A stored value that does not fit the domain is dropped rather than
compared, so a badly typed stored value never matches and never raises.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from weavebind.storage.prefilter import AllOf, AnyOf, Prefilter

EARTH_RADIUS_M = 6_371_000.0
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Go's time.RFC3339 layout: a zone is mandatory, fractional seconds optional.
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


@dataclass(frozen=True)
class FilterableObject:
    """What the evaluator sees of one stored object."""

    uuid: str
    properties: dict
    created_ms: int
    updated_ms: int


def parse_rfc3339(text: Any) -> datetime | None:
    """An aware datetime for an RFC3339 string, or None when `text` is not one."""
    if not isinstance(text, str) or not _RFC3339.fullmatch(text):
        return None
    try:
        return datetime.fromisoformat(text.upper().replace(" ", "T"))
    except ValueError:  # e.g. month 13: the shape matched but the date does not exist
        return None


def to_epoch_ms(moment: datetime) -> int:
    """Milliseconds since the epoch, exact (no float rounding)."""
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def _as_text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _as_number(value: Any) -> int | float | None:
    # bool is an int subclass in Python; a stored true must not equal valueInt 1.
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _as_bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _as_date(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return parse_rfc3339(value)


def _as_uuid(value: Any) -> str | None:
    # Weaviate compares uuids as 16 bytes, so letter case never matters.
    return value.lower() if isinstance(value, str) else None


def _as_geo(value: Any) -> tuple[float, float] | None:
    if not isinstance(value, dict):
        return None
    lat, lon = _as_number(value.get("latitude")), _as_number(value.get("longitude"))
    if lat is None or lon is None or not (math.isfinite(lat) and math.isfinite(lon)):
        return None  # math.sin(inf) raises, and an infinite coordinate is no place anyway
    return float(lat), float(lon)


DOMAINS: dict[str, Callable[[Any], Any]] = {
    "text": _as_text,
    "number": _as_number,
    "boolean": _as_bool,
    "date": _as_date,
    "uuid": _as_uuid,
    "geo": _as_geo,
}


def _raw(obj: FilterableObject, name: str) -> Any:
    props = obj.properties
    return props.get(name) if isinstance(props, dict) else None


@dataclass(frozen=True)
class PropertyRead:
    """Stored values of property `prop` in `domain`; a scalar reads as one value, an array as its elements. A named
    callable rather than a closure, so the inverted index (filter_index.py) can tell which property a clause reads."""

    prop: str
    domain: str

    def __call__(self, obj: FilterableObject) -> list:
        coerce = DOMAINS[self.domain]
        raw = _raw(obj, self.prop)
        items = raw if isinstance(raw, list) else [raw]
        coerced = (coerce(item) for item in items if item is not None)
        return [value for value in coerced if value is not None]


def property_reader(name: str, domain: str) -> Callable[[FilterableObject], list]:
    """Stored values of property `name` in `domain` (see PropertyRead)."""
    return PropertyRead(name, domain)


def value_length(raw: Any) -> int:
    """`len(prop)` of a stored value: characters of a text, elements of an array; absent or null counts as 0."""
    return len(raw) if isinstance(raw, str | list) else 0


@dataclass(frozen=True)
class LengthRead:
    """`len(prop)` (Weaviate indexes it); named, like PropertyRead, for the inverted index."""

    prop: str

    def __call__(self, obj: FilterableObject) -> list:
        return [value_length(_raw(obj, self.prop))]


def length_reader(name: str) -> Callable[[FilterableObject], list]:
    return LengthRead(name)


def ref_count_reader(name: str) -> Callable[[FilterableObject], list]:
    """Number of references held by a cross-reference property (Weaviate's valueInt on a ref prop)."""

    def read(obj: FilterableObject) -> list:
        raw = _raw(obj, name)
        return [len(raw) if isinstance(raw, list) else 0]

    return read


def id_reader(obj: FilterableObject) -> list:
    return [obj.uuid.lower()] if isinstance(obj.uuid, str) else []


def timestamp_reader(attribute: str) -> Callable[[FilterableObject], list]:
    """`created_ms` or `updated_ms` of the object."""

    def read(obj: FilterableObject) -> list:
        value = _as_number(getattr(obj, attribute, None))
        return [] if value is None else [value]

    return read


def like_pattern(pattern: str) -> re.Pattern[str]:
    """Weaviate's Like wildcards: `*` any run, `?` exactly one character; everything else literal."""
    body = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.compile(body, re.IGNORECASE | re.DOTALL)


def haversine_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres between two (latitude, longitude) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _equal(values: list, target: Any) -> bool:
    return any(value == target for value in values)


def _within(values: list, geo: tuple[float, float, float]) -> bool:
    return any(haversine_m(value, geo[:2]) <= geo[2] for value in values)


# Every operator holds for an array if it holds for one element; the negative operators are exact complements,
# so a missing property is NotEqual / ContainsNone to anything (Weaviate inverts the allow-list the same way).
OPERATIONS: dict[str, Callable[[list, Any], bool]] = {
    "Equal": _equal,
    "NotEqual": lambda values, target: not _equal(values, target),
    "GreaterThan": lambda values, target: any(value > target for value in values),
    "GreaterThanEqual": lambda values, target: any(value >= target for value in values),
    "LessThan": lambda values, target: any(value < target for value in values),
    "LessThanEqual": lambda values, target: any(value <= target for value in values),
    "Like": lambda values, pattern: any(pattern.fullmatch(value) for value in values),
    "ContainsAny": lambda values, targets: any(_equal(values, t) for t in targets),
    "ContainsAll": lambda values, targets: all(_equal(values, t) for t in targets),
    "ContainsNone": lambda values, targets: not any(_equal(values, t) for t in targets),
    "WithinGeoRange": _within,
}


class Clause:
    """A parsed and validated `where` clause; `matches` never raises for any stored object."""

    def matches(self, obj: FilterableObject) -> bool:
        raise NotImplementedError

    def prefilter(self) -> Prefilter | None:
        """What SQL can test of this clause beforehand, keeping every object that matches (storage/prefilter.py);
        None: nothing."""
        return None


@dataclass(frozen=True)
class AndClause(Clause):
    operands: tuple[Clause, ...]

    def matches(self, obj: FilterableObject) -> bool:
        return all(operand.matches(obj) for operand in self.operands)

    def prefilter(self) -> Prefilter | None:
        parts = tuple(p for p in (operand.prefilter() for operand in self.operands) if p is not None)
        return AllOf(parts) if len(parts) > 1 else parts[0] if parts else None  # dropping a part only keeps more


@dataclass(frozen=True)
class OrClause(Clause):
    operands: tuple[Clause, ...]

    def matches(self, obj: FilterableObject) -> bool:
        return any(operand.matches(obj) for operand in self.operands)

    def prefilter(self) -> Prefilter | None:
        parts = tuple(operand.prefilter() for operand in self.operands)
        return AnyOf(parts) if parts and None not in parts else None


@dataclass(frozen=True)
class NotClause(Clause):
    operand: Clause

    def matches(self, obj: FilterableObject) -> bool:
        return not self.operand.matches(obj)


@dataclass(frozen=True)
class CompareClause(Clause):
    """One operator applied to the values `read` returns; `value` is a tuple for Contains*, a pattern for Like."""

    operator: str
    read: Callable[[FilterableObject], list]
    value: Any
    sql: Prefilter | None = None  # set by filters.py where SQL's comparison keeps every match

    def matches(self, obj: FilterableObject) -> bool:
        return OPERATIONS[self.operator](self.read(obj), self.value)

    def prefilter(self) -> Prefilter | None:
        return self.sql


@dataclass(frozen=True)
class IsNullClause(Clause):
    """IsNull true: the property is absent, null or an empty array."""

    prop: str
    expect_null: bool

    def matches(self, obj: FilterableObject) -> bool:
        raw = _raw(obj, self.prop)
        is_null = raw is None or (isinstance(raw, list) and not raw)
        return is_null == self.expect_null
