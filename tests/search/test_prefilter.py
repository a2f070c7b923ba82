"""The SQL pre-filter of whole-class scans (storage/prefilter.py) may keep rows the exact filter rejects, never
drop one it accepts: random filters over awkward stored values, on both SQL backends."""

from __future__ import annotations

import random
import uuid

import pytest

from weavebind.search.filters import FilterableObject, parse_where
from weavebind.storage.prefilter import AllOf, AnyOf, Compare, Mentions, render
from weavebind.storage.records import ObjectRecord
from weavebind.storage.store import Store

TYPES = {"n": "int", "x": "number", "flag": "boolean", "title": "text", "tags": "text[]", "when": "date"}
# Values of the right type, and of wrong ones (a filter must never match those, and never raise on them).
VALUES = {
    "n": [0, 1, 2, 5, -3, 2 ** 53 + 1, 9_000_000_000, None, "5", True, 2.5],
    "x": [0.0, 0.5, 1.0, 2, -1.25, 1e300, None, "1.0", False],
    "flag": [True, False, None, 1, 0, "true"],
    "title": ["apple", "Apple", "banana", "", "ünïcode", None, 5, "a\"b", "  apple ", "apple pie", "Pie Apple"],
    "tags": [["apple"], ["a", "b"], [], None, "apple", ["apple pie"]],
    "when": ["2024-01-02T03:04:05Z", "2024-01-02T04:04:05+01:00", None, "not a date"],
}
LEAVES = [
    ("n", ["Equal", "NotEqual", "GreaterThan", "GreaterThanEqual", "LessThan", "LessThanEqual"], "valueInt",
     [0, 1, 2, 5, -3, 9_000_000_000, 2 ** 53]),
    ("x", ["Equal", "GreaterThan", "LessThan", "GreaterThanEqual"], "valueNumber", [0.5, 1.0, -1.25, 1e300, 2.0]),
    ("x", ["Equal", "LessThan"], "valueInt", [2, 0, 1]),
    ("flag", ["Equal", "NotEqual"], "valueBoolean", [True, False]),
    ("title", ["Equal", "NotEqual", "Like", "ContainsAll", "ContainsAny"], "valueText",
     ["apple", "Apple", "ünïcode", "a\"b", "app*", "apple pie", " apple"]),
    ("tags", ["Equal", "ContainsAny"], "valueText", ["apple", "a", "apple pie"]),
    ("when", ["Equal", "GreaterThan"], "valueDate", ["2024-01-02T03:04:05Z"]),
    ("_creationTimeUnix", ["GreaterThan", "LessThanEqual", "Equal"], "valueText", ["1000", "1005", "1010"]),
]


def _leaf(rng: random.Random) -> dict:
    path, operators, key, values = rng.choice(LEAVES)
    operator = rng.choice(operators)
    value = rng.choice(values)
    if operator.startswith("Contains"):
        key, value = key + "Array", [value]
    if operator == "Like" and key == "valueText" and "*" not in value:
        value = value + "*"
    return {"path": [path], "operator": operator, key: value}


def _tree(rng: random.Random, depth: int = 0) -> dict:
    if depth >= 2 or rng.random() < 0.5:
        return _leaf(rng)
    operator = rng.choice(["And", "Or", "Not"])
    count = 1 if operator == "Not" else rng.randint(2, 3)
    return {"operator": operator, "operands": [_tree(rng, depth + 1) for _ in range(count)]}


def _records(rng: random.Random, count: int) -> list[ObjectRecord]:
    records = []
    for i in range(count):
        props = {name: rng.choice(values) for name, values in VALUES.items() if rng.random() < 0.85}
        records.append(ObjectRecord("C", str(uuid.UUID(int=i + 1)), props, 1000 + i % 12, 1000 + i % 12))
    return records


@pytest.mark.parametrize("tokenization", ["word", "field", "whitespace", "lowercase"])
def test_the_prefilter_keeps_every_object_the_filter_matches(database_url, tmp_path, tokenization):
    """Text filters match tokens (filters_text.py); where SQL tests "contains the term" first (field, whitespace)
    it must still keep every match."""
    rng = random.Random(7)
    store = Store(database_url, tmp_path, snapshot_seconds=3600)
    store.save_class("C", {"class": "C"}, {})
    store.open({"C": {}})
    store.put(_records(rng, 300))
    everything = list(store.iter_class("C"))
    narrowed_somewhere = False
    for _ in range(400):
        clause = parse_where(_tree(rng), "C", TYPES, {"title": tokenization, "tags": tokenization})
        exact = [r.uuid for r in everything if clause.matches(_filterable(r))]
        prefilter = clause.prefilter()
        kept = list(store.iter_class("C", prefilter))
        assert [r.uuid for r in kept if clause.matches(_filterable(r))] == exact, prefilter
        narrowed_somewhere |= len(kept) < len(everything)
    assert narrowed_somewhere
    store.close()


def test_selective_comparisons_narrow_the_scan(database_url, tmp_path):
    store = Store(database_url, tmp_path, snapshot_seconds=3600)
    store.save_class("C", {"class": "C"}, {})
    store.open({"C": {}})
    store.put([ObjectRecord("C", str(uuid.UUID(int=i + 1)), {"n": i, "title": f"t{i % 10}"}, 1, 1)
               for i in range(200)])
    where = {"operator": "And", "operands": [
        {"path": ["n"], "operator": "LessThan", "valueInt": 50},
        {"path": ["title"], "operator": "Equal", "valueText": "t3"},
        {"path": ["title"], "operator": "Like", "valueText": "t*"}]}   # not expressible: left out of the And
    prefilter = parse_where(where, "C", {"n": "int", "title": "text"}, {"title": "field"}).prefilter()
    assert prefilter == AllOf((Compare("n", "LessThan", 50), Compare("title", "Contains", "t3")))
    assert sorted(r.properties["n"] for r in store.iter_class("C", prefilter)) == [3, 13, 23, 33, 43]
    either = {"operator": "Or", "operands": [where["operands"][0], where["operands"][2]]}
    assert parse_where(either, "C", {"n": "int", "title": "text"}).prefilter() is None  # an Or with a gap: none
    store.close()


def test_rendering_quotes_names_and_binds_values():
    sql, params = render(AnyOf((Compare("we\"ird", "Equal", True), Compare("created_ms", "GreaterThan", 5, True))),
                         "sqlite", "?")
    assert sql == "(json_extract(properties, ?) = ? OR created_ms > ?)"
    assert params == ['$."we\\"ird"', 1, 5]
    sql, params = render(Compare("n", "LessThanEqual", 2.5), "postgresql", "%s")
    assert sql == "(CAST(properties AS jsonb) -> %s) <= CAST(%s AS jsonb)" and params == ["n", "2.5"]
    assert render(Compare("t", "Contains", "ab"), "sqlite", "?") == ("instr(json_extract(properties, ?), ?) > 0",
                                                                     ['$."t"', "ab"])
    assert render(Compare("t", "Contains", "ab"), "postgresql", "%s") == (
        "strpos(CAST(properties AS jsonb) ->> %s, %s) > 0", ["t", "ab"])


def _filterable(record: ObjectRecord) -> FilterableObject:
    return FilterableObject(record.uuid, record.properties, record.created_ms, record.updated_ms)


def test_mentions_finds_a_uuid_in_the_json_whatever_its_case_and_an_empty_or_keeps_nothing(database_url, tmp_path):
    store = Store(database_url, tmp_path, snapshot_seconds=3600)
    store.save_class("C", {"class": "C"}, {})
    store.open({"C": {}})
    target = "0000000a-0000-4000-8000-00000000000b"
    store.put([ObjectRecord("C", str(uuid.UUID(int=1)), {"r": [{"beacon": f"weaviate://localhost/T/{target}"}]}, 1, 1),
               ObjectRecord("C", str(uuid.UUID(int=2)), {"r": [{"beacon": f"weaviate://localhost/{target.upper()}"}]},
                            1, 1),
               ObjectRecord("C", str(uuid.UUID(int=3)), {"r": []}, 1, 1)])
    found = [r.uuid for r in store.iter_class("C", AnyOf((Mentions(target),)))]
    assert found == [str(uuid.UUID(int=1)), str(uuid.UUID(int=2))]
    assert list(store.iter_class("C", AnyOf(()))) == []
    assert len(list(store.iter_class("C", AllOf(())))) == 3
    with pytest.raises(ValueError):
        render(Mentions("50%"), "sqlite", "?")
    store.close()
