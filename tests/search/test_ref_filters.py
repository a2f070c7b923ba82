"""Reference-path clauses on their own: resolution against given target matches, beacon forms, and the refusal
to evaluate an unresolved clause."""

from __future__ import annotations

import pytest

from weavebind.schema.models import ClassInfo
from weavebind.search.filters import FilterableObject, parse_where
from weavebind.search.filters_refs import RefClause, resolve_refs

A1 = "00000000-0000-4000-8000-0000000000a1"
A2 = "00000000-0000-4000-8000-0000000000a2"
AUTHOR = ClassInfo.from_config({"class": "Author", "properties": [{"name": "name", "dataType": ["text"]}]})
BOOK = ClassInfo.from_config({"class": "Book", "properties": [{"name": "by", "dataType": ["Author"]},
                                                             {"name": "title", "dataType": ["text"]}]})
CLASSES = {"Author": AUTHOR, "Book": BOOK}.get
WHERE = {"path": ["by", "Author", "name"], "operator": "Equal", "valueText": "Ann"}


def book(*beacons: str) -> FilterableObject:
    return FilterableObject("00000000-0000-4000-8000-000000000001",
                            {"by": [{"beacon": b} for b in beacons]}, 0, 0)


def resolved(where: dict, matching: list[str]):
    seen = []

    def targets(cls, inner):
        seen.append((cls, inner.matches(FilterableObject(A1, {"name": "Ann"}, 0, 0))))
        return matching

    clause = resolve_refs(parse_where(where, "Book", BOOK.property_types(), classes=CLASSES), targets)
    return clause, seen


def test_a_resolved_clause_matches_beacons_of_the_target_class_and_legacy_ones():
    clause, seen = resolved(WHERE, [A1])
    assert seen == [("Author", True)]  # the inner filter is the rest of the path, on the target class
    assert clause.matches(book(f"weaviate://localhost/Author/{A1}"))
    assert clause.matches(book(f"weaviate://localhost/{A1.upper()}"))
    assert not clause.matches(book(f"weaviate://localhost/Other/{A1}"))
    assert not clause.matches(book(f"weaviate://localhost/Author/{A2}"))
    assert not clause.matches(FilterableObject(A1, {"by": "not a list"}, 0, 0))
    assert not clause.matches(FilterableObject(A1, {"by": [5, {"beacon": None}]}, 0, 0))


def test_resolution_reaches_inside_logical_operators_once_per_clause():
    where = {"operator": "Or", "operands": [
        {"operator": "Not", "operands": [WHERE]}, {"path": ["title"], "operator": "Equal", "valueText": "x"}]}
    clause, seen = resolved(where, [A2])
    assert len(seen) == 1
    assert clause.matches(book(f"weaviate://localhost/Author/{A1}"))
    assert not clause.matches(book(f"weaviate://localhost/Author/{A2}"))


def test_an_unresolved_reference_clause_is_never_evaluated_silently():
    clause = parse_where(WHERE, "Book", BOOK.property_types(), classes=CLASSES)
    assert isinstance(clause, RefClause)
    with pytest.raises(RuntimeError):
        clause.matches(book())
