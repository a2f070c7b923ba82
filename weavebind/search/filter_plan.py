"""A `where` clause (filters.py) answered from the inverted index (filter_index.py) as a BitMap of object ids.

`needs` lists the postings a clause would read; `evaluate` answers it from a prepared KeyIndex, or gives None for a
clause the index cannot answer exactly: Like on trigram text, reference counts and paths, timestamps, ranges and
Like on `_id`, and properties whose indexing is off (`indexFilterable`, or `indexRangeFilters` for ranges). An `Or`
or `Not` over such a clause is None as a whole; an `And` is split by `split_and` into what the index answers and
the rest, which filtered.py checks on the candidates only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyroaring import BitMap

from weavebind.schema.models import ClassInfo
from weavebind.search.filter_index import KeyIndex, PostingsKey
from weavebind.search.filter_postings import GeoPostings, NullPostings, TokenPostings, ValuePostings
from weavebind.search.filters_eval import (
    AndClause,
    Clause,
    CompareClause,
    IsNullClause,
    LengthRead,
    NotClause,
    OrClause,
    PropertyRead,
    id_reader,
)
from weavebind.search.filters_text import TextClause

RANGES = frozenset({"GreaterThan", "GreaterThanEqual", "LessThan", "LessThanEqual"})
_ID_OPERATORS = frozenset({"Equal", "NotEqual", "ContainsAny", "ContainsAll", "ContainsNone"})
_VALUE_OPERATORS = RANGES | {"Equal", "NotEqual", "ContainsAny", "ContainsAll", "ContainsNone"}
_TEXT_OPERATORS = frozenset({"Equal", "NotEqual", "ContainsAny", "ContainsAll", "ContainsNone", "Like"})


def _indexed(info: ClassInfo, prop: str, ranged: bool) -> bool:
    """Whether the property has the inverted index a filter on it needs (Weaviate's defaults: filterable on)."""
    config = info.properties.get(prop)
    if not isinstance(config, dict):
        return False
    return config.get("indexFilterable", True) is not False or (ranged and config.get("indexRangeFilters") is True)


def postings_key(info: ClassInfo, clause: Clause) -> PostingsKey | None:
    """The postings a leaf clause reads, or None when the index cannot answer it."""
    if isinstance(clause, IsNullClause):
        return (clause.prop, "null", "") if _indexed(info, clause.prop, False) else None
    if isinstance(clause, TextClause):
        if clause.operator not in _TEXT_OPERATORS or (clause.operator == "Like" and clause.method == "trigram"):
            return None
        return (clause.prop, "tokens", clause.method) if _indexed(info, clause.prop, False) else None
    if isinstance(clause, CompareClause) and isinstance(clause.read, LengthRead):
        # counted from every stored value, whatever its indexing flags (Weaviate's indexPropertyLength is a
        # class setting; the scan does not check it either)
        return (clause.read.prop, "length", "") if clause.operator in _VALUE_OPERATORS else None
    if isinstance(clause, CompareClause) and isinstance(clause.read, PropertyRead):
        read = clause.read
        if clause.operator == "WithinGeoRange" and read.domain == "geo":
            return (read.prop, "geo", "") if _indexed(info, read.prop, False) else None
        if clause.operator not in _VALUE_OPERATORS or read.domain == "geo":
            return None
        return (read.prop, "value", read.domain) if _indexed(info, read.prop, clause.operator in RANGES) else None
    return None


def needs(info: ClassInfo, clause: Clause) -> set[PostingsKey]:
    """Every postings the index-answerable parts of the clause read."""
    if isinstance(clause, AndClause | OrClause):
        return set().union(*(needs(info, c) for c in clause.operands))
    if isinstance(clause, NotClause):
        return needs(info, clause.operand)
    found = postings_key(info, clause)
    return {found} if found is not None else set()


def evaluate(info: ClassInfo, index: KeyIndex, clause: Clause) -> BitMap | None:
    """The live ids the clause holds for, or None when the index cannot answer it exactly. Call under index.lock."""
    if isinstance(clause, AndClause):
        parts = [evaluate(info, index, c) for c in clause.operands]
        return None if any(p is None for p in parts) else BitMap.intersection(index.live, *parts)
    if isinstance(clause, OrClause):
        parts = [evaluate(info, index, c) for c in clause.operands]
        return None if any(p is None for p in parts) else BitMap.union(*parts) & index.live
    if isinstance(clause, NotClause):
        inner = evaluate(info, index, clause.operand)
        return None if inner is None else index.live - inner
    if isinstance(clause, CompareClause) and clause.read is id_reader:
        return _ids(clause, index)
    wanted = postings_key(info, clause)
    postings = index.postings.get(wanted) if wanted is not None else None
    if postings is None:
        return None
    found = _leaf(clause, postings, index.live)
    return found & index.live


def _ids(clause: CompareClause, index: KeyIndex) -> BitMap | None:
    """`_id` equality from the key's uuid → id map (the scan compares lower-cased uuids: the map answers only while
    every stored uuid is lower case, as the API stores them)."""
    if clause.operator not in _ID_OPERATORS or not index.all_lower:
        return None
    values = clause.value if isinstance(clause.value, tuple) else (clause.value,)
    per_value = [BitMap([index.ids[v]]) if v in index.ids else BitMap() for v in values]
    if clause.operator in ("Equal", "ContainsAny"):
        return BitMap.union(*per_value)
    if clause.operator in ("NotEqual", "ContainsNone"):
        return index.live - BitMap.union(*per_value)
    return BitMap.intersection(index.live, *per_value)  # ContainsAll


def split_and(info: ClassInfo, index: KeyIndex, clause: Clause) -> tuple[BitMap | None, list[Clause]]:
    """For an And: the ids its index-answerable operands allow (None: none is) and the operands left to check."""
    operands = clause.operands if isinstance(clause, AndClause) else (clause,)
    allowed: BitMap | None = None
    rest: list[Clause] = []
    for operand in operands:
        found = evaluate(info, index, operand)
        if found is None:
            rest.append(operand)
        else:
            allowed = found if allowed is None else allowed & found
    return allowed, rest


def _leaf(clause: Clause, postings: Any, live: BitMap) -> BitMap:
    if isinstance(clause, IsNullClause):
        assert isinstance(postings, NullPostings)
        return live - postings.not_null if clause.expect_null else BitMap(postings.not_null)
    if isinstance(clause, TextClause):
        assert isinstance(postings, TokenPostings)
        return _text(clause, postings, live)
    if isinstance(postings, GeoPostings):
        assert isinstance(clause, CompareClause)
        return postings.within(clause.value, live)
    assert isinstance(postings, ValuePostings) and isinstance(clause, CompareClause)
    return _value(clause.operator, clause.value, postings, live)


def _text(clause: TextClause, postings: TokenPostings, live: BitMap) -> BitMap:
    """filters_text.TextClause.matches, per token instead of per object."""
    if clause.operator == "Like":
        return BitMap.intersection(live, *(postings.matching(p) for p in clause.patterns))
    if clause.operator == "NotEqual":
        return live - postings.any_of(clause.groups[0])
    per_value = [postings.all_of(group) for group in clause.groups]
    if clause.operator == "ContainsAny":
        return BitMap.union(*per_value)
    if clause.operator == "ContainsNone":
        return live - BitMap.union(*per_value)
    return BitMap.intersection(live, *per_value)  # Equal, ContainsAll


def _value(operator: str, value: Any, postings: ValuePostings, live: BitMap) -> BitMap:
    """filters_eval.OPERATIONS on coerced values, per value instead of per object."""
    equal: Callable[[Any], BitMap] = postings.equal
    if operator == "Equal":
        return BitMap(equal(value))
    if operator == "NotEqual":
        return live - equal(value)
    if operator in RANGES:
        return postings.compare(operator, value)
    per_value = [equal(v) for v in value]
    if operator == "ContainsAny":
        return BitMap.union(BitMap(), *per_value)
    if operator == "ContainsNone":
        return live - BitMap.union(BitMap(), *per_value)
    return BitMap.intersection(live, *per_value)  # ContainsAll
