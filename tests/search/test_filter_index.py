"""The inverted index (search/filter_index.py, filter_plan.py, filtered.py) allows exactly the objects the scan
(filters_refs.scan_matching) does: random objects with every filterable type, nulls, missing and badly typed
values, random nested filters, before and after updates and deletes, on both SQL backends."""

from __future__ import annotations

import random
import uuid

import numpy as np
import pytest

from weavebind.schema.models import ClassInfo
from weavebind.search import filtered
from weavebind.search.filter_index import filter_index
from weavebind.search.filter_plan import evaluate, needs, split_and
from weavebind.search.filters import FilterError, where_for_class
from weavebind.search.filters_refs import scan_matching
from weavebind.storage.records import ObjectRecord
from weavebind.storage.store import Store

WORDS = ["the", "Quick", "brown", "fox", "a", "café", "Fox", "dog-trot", "x1", "lazy"]
DATES = ["2020-01-01T12:00:00+02:00", "2020-01-01T10:00:00Z", "2021-06-01T00:00:00Z", "2019-12-31T23:59:59.5Z",
         "2020-13-01T00:00:00Z", "yesterday", "2020-01-01T10:00:00.000001Z"]
UUIDS = ["6b7e1a52-0c8f-4d39-9d2a-3f0e5c1b2a77", "00000000-0000-0000-0000-000000000001",
         "6B7E1A52-0C8F-4D39-9D2A-3F0E5C1B2A77"]
PROPS = [
    ("title", "text", "word"), ("tags", "text[]", "field"), ("code", "text", "lowercase"),
    ("raw", "text", "whitespace"),
    ("tri", "text", "trigram"), ("n", "int", None), ("ns", "int[]", None), ("price", "number", None),
    ("ok", "boolean", None), ("oks", "boolean[]", None), ("born", "date", None), ("friend", "uuid", None),
    ("friends", "uuid[]", None), ("loc", "geoCoordinates", None), ("plain", "int", None),
]
FLAT = {"": ("flat", {"distance": "l2-squared"})}
INFO = ClassInfo.from_config({"class": "C", "properties": [
    {"name": name, "dataType": [dtype], **({"tokenization": tok} if tok else {}),
     **({"indexFilterable": False} if name == "plain" else {})} for name, dtype, tok in PROPS]})


def _words(rng: random.Random, most: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, most)))


def _value(rng: random.Random, dtype: str):
    """A stored value: mostly of the type, sometimes null, empty or of another type (the scan drops those)."""
    roll = rng.random()
    if roll < 0.08:
        return None
    if roll < 0.12:
        return rng.choice(["3", True, 2.0, [], {"a": 1}, 7])
    base, many = dtype.removesuffix("[]"), dtype.endswith("[]")
    one = {
        "text": lambda: _words(rng, 3), "int": lambda: rng.randint(-3, 3), "boolean": lambda: rng.random() < 0.5,
        "number": lambda: rng.choice([-1.5, 0, 0.5, 1, 2.25, 3, 1e300]), "date": lambda: rng.choice(DATES),
        "uuid": lambda: rng.choice(UUIDS),
        "geoCoordinates": lambda: {"latitude": rng.uniform(50, 54), "longitude": rng.uniform(3, 6)},
    }[base]
    return [one() for _ in range(rng.randint(0, 3))] if many else one()


def _record(rng: random.Random, i: int) -> ObjectRecord:
    props = {name: _value(rng, dtype) for name, dtype, _ in PROPS if rng.random() < 0.85}
    return ObjectRecord("C", str(uuid.UUID(int=i + 1)), props, 1000 + i, 2000 + i,
                        {"": np.asarray([rng.random(), rng.random()], dtype=np.float32)})


def _leaf(rng: random.Random) -> dict:
    name, dtype, _ = rng.choice(PROPS)
    base = dtype.removesuffix("[]")
    if rng.random() < 0.1:
        return {"operator": "IsNull", "path": [name], "valueBoolean": rng.random() < 0.5}
    if rng.random() < 0.08:
        operator = rng.choice(["Equal", "NotEqual", "GreaterThan", "GreaterThanEqual", "LessThan", "LessThanEqual"])
        return {"operator": operator, "path": [f"len({name})"], "valueInt": rng.randint(0, 12)}
    if rng.random() < 0.06:
        ids = [str(uuid.UUID(int=rng.randint(1, 80))).upper() for _ in range(rng.randint(1, 2))]
        operator = rng.choice(["Equal", "NotEqual", "ContainsAny", "ContainsAll", "ContainsNone", "GreaterThan"])
        return {"operator": operator, "path": ["_id"],
                "valueText": ids if operator.startswith("Contains") else ids[0]}
    field, values = {
        "text": ("valueText", lambda: _words(rng, 2) or "fox"), "int": ("valueInt", lambda: rng.randint(-3, 3)),
        "number": ("valueNumber", lambda: rng.choice([-1.5, 0, 0.5, 1, 2.25, 3, 1e300, 2.2])),
        "boolean": ("valueBoolean", lambda: rng.random() < 0.5),
        "date": ("valueDate", lambda: rng.choice(DATES[:4] + ["2020-01-01T10:00:00.000001Z"])),
        "uuid": ("valueText", lambda: rng.choice(UUIDS)),
    }.get(base, (None, None))
    if field is None:  # geo
        return {"operator": "WithinGeoRange", "path": [name], "valueGeoRange": {
            "geoCoordinates": {"latitude": 52, "longitude": 4.5}, "distance": {"max": rng.uniform(1e4, 3e5)}}}
    operators = ["Equal", "NotEqual", "ContainsAny", "ContainsAll", "ContainsNone"]
    operators += ["GreaterThan", "GreaterThanEqual", "LessThan", "LessThanEqual"] if base != "boolean" else []
    operators += ["Like"] if base == "text" else []
    operator = rng.choice(operators)
    if operator.startswith("Contains"):
        return {"operator": operator, "path": [name], field: [values() for _ in range(rng.randint(1, 3))]}
    return {"operator": operator, "path": [name], field: values()}


def _where(rng: random.Random, depth: int = 0) -> dict:
    if depth >= 3 or rng.random() < 0.45:
        return _leaf(rng)
    operator = rng.choice(["And", "And", "Or", "Not"])
    count = 1 if operator == "Not" else rng.randint(2, 3)
    return {"operator": operator, "operands": [_where(rng, depth + 1) for _ in range(count)]}


def _clause(rng: random.Random):
    while True:
        try:
            return where_for_class(_where(rng), INFO)
        except FilterError:  # e.g. a text value made only of stopwords: Weaviate refuses it too
            continue


def _compare(store: Store, rng: random.Random, rounds: int) -> tuple[int, int]:
    """(filters that matched something, filters answered by the index alone)."""
    found = indexed = 0
    for _ in range(rounds):
        clause = _clause(rng)
        scanned = [r.uuid for r in scan_matching(store, "C", clause)]
        allowed = filtered.allowed(store, INFO, clause)
        assert allowed.uuids() == scanned
        assert len(allowed) == len(scanned)  # Aggregate's `meta { count }` with a filter is this size
        assert filtered.matching_uuids(store, INFO, clause) == scanned
        assert [r.uuid for r in filtered.matching_records(store, INFO, clause)] == scanned
        found += bool(scanned)
        index = filter_index(store).key("C")
        with index.lock:
            indexed += evaluate(INFO, index, clause) is not None
    return found, indexed


def test_the_index_allows_exactly_what_the_scan_does_before_and_after_writes(database_url, tmp_path):
    rng = random.Random(7)
    store = Store(database_url, tmp_path, snapshot_seconds=3600)
    store.save_class("C", INFO.config, FLAT)
    store.open({"C": FLAT})
    store.put([_record(rng, i) for i in range(120)])
    found, indexed = _compare(store, rng, 250)
    assert found > 100 and indexed > 100  # not vacuous: most filters match something, most are answered by the index
    built = filter_index(store).key("C")
    on_n = where_for_class({"operator": "Equal", "path": ["n"], "valueInt": 1}, INFO)
    assert needs(INFO, on_n) <= set(built.postings)
    for _ in range(4):  # updates, inserts and deletes after the index was built: kept current, not rebuilt
        store.put([_record(rng, i) for i in rng.sample(range(160), 30)])
        store.delete("C", [str(uuid.UUID(int=i + 1)) for i in rng.sample(range(160), 15)])
        assert filter_index(store).key("C") is built
        _compare(store, rng, 80)
    store.delete_class("C")  # a dropped class is forgotten: a new one of the same name starts empty
    store.save_class("C", INFO.config, FLAT)
    store.put([ObjectRecord("C", str(uuid.UUID(int=1)), {"n": 1}, 1, 1)])
    clause = where_for_class({"operator": "Equal", "path": ["n"], "valueInt": 1}, INFO)
    assert filtered.matching_uuids(store, INFO, clause) == [str(uuid.UUID(int=1))]
    store.close()


def test_allowed_labels_restrict_a_vector_search_as_the_uuids_do(database_url, tmp_path):
    rng = random.Random(3)
    store = Store(database_url, tmp_path, snapshot_seconds=3600)
    store.save_class("C", INFO.config, FLAT)
    store.open({"C": FLAT})
    store.put([_record(rng, i) for i in range(200)])
    store.put([_record(rng, i) for i in range(0, 200, 3)])  # new labels for a third of them
    for _ in range(30):
        clause = _clause(rng)
        allowed = filtered.allowed(store, INFO, clause)
        query = np.asarray([rng.random(), rng.random()], dtype=np.float32)
        by_labels = store.indexes.search("C", "", query, 10, allowed_labels=allowed.labels())
        assert by_labels == store.indexes.search("C", "", query, 10, allowed.uuids())
        assert {u for u, _ in by_labels} <= set(allowed.uuids())
    store.close()


def test_a_filter_on_an_unindexed_property_is_scanned_and_an_and_narrows_the_scan(database_url, tmp_path):
    store = Store(database_url, tmp_path, snapshot_seconds=3600)
    store.save_class("C", INFO.config, FLAT)
    store.open({"C": FLAT})
    store.put([ObjectRecord("C", str(uuid.UUID(int=i + 1)), {"n": i % 4, "plain": i % 3}, 1, 1) for i in range(60)])
    plain = {"operator": "Equal", "path": ["plain"], "valueInt": 1}
    both = {"operator": "And", "operands": [plain, {"operator": "Equal", "path": ["n"], "valueInt": 2}]}
    index = filter_index(store).prepare("C", needs(INFO, where_for_class(both, INFO)))
    with index.lock:
        assert evaluate(INFO, index, where_for_class(plain, INFO)) is None  # indexFilterable: false
        candidates, rest = split_and(INFO, index, where_for_class(both, INFO))
    assert candidates is not None and len(candidates) == 15 and len(rest) == 1
    expected = [str(uuid.UUID(int=i + 1)) for i in range(60) if i % 4 == 2 and i % 3 == 1]
    assert filtered.matching_uuids(store, INFO, where_for_class(both, INFO)) == sorted(expected)
    assert filtered.matching_uuids(store, INFO, where_for_class(plain, INFO)) == sorted(
        str(uuid.UUID(int=i + 1)) for i in range(60) if i % 3 == 1)
    store.close()


@pytest.mark.parametrize("count", [4096 + 10])
def test_a_key_whose_dead_ids_pile_up_is_rebuilt(tmp_path, count):
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path, snapshot_seconds=3600)
    store.save_class("C", INFO.config, FLAT)
    store.open({"C": FLAT})
    store.put([ObjectRecord("C", str(uuid.UUID(int=1)), {"n": 0}, 1, 1)])
    first = filter_index(store).key("C")
    for i in range(count):
        store.put([ObjectRecord("C", str(uuid.UUID(int=1)), {"n": i}, 1, 1)])
    assert filter_index(store).key("C") is not first
    clause = where_for_class({"operator": "Equal", "path": ["n"], "valueInt": count - 1}, INFO)
    assert filtered.matching_uuids(store, INFO, clause) == [str(uuid.UUID(int=1))]
    store.close()


def test_changes_of_another_server_sharing_the_database_reach_the_index(database_url, tmp_path):
    rng = random.Random(5)
    first = Store(database_url, tmp_path / "a", snapshot_seconds=3600, shared=True)
    first.save_class("C", INFO.config, FLAT)
    first.open({"C": FLAT})
    second = Store(database_url, tmp_path / "b", snapshot_seconds=3600, shared=True)
    second.open({"C": FLAT})
    try:
        first.put([_record(rng, i) for i in range(80)])
        second.sync()
        _compare(second, rng, 40)  # second builds its index from SQL
        built = filter_index(second).key("C")
        first.put([_record(rng, i) for i in rng.sample(range(120), 40)])
        first.delete("C", [str(uuid.UUID(int=i + 1)) for i in rng.sample(range(120), 20)])
        second.sync()
        assert filter_index(second).key("C") is built  # kept current by the listener, not rebuilt
        _compare(second, rng, 80)
        moved = ObjectRecord("C", str(uuid.UUID(int=1)), {"n": 99}, 1, 1, {"": np.asarray([9, 9], np.float32)})
        first.put([moved])  # an update on the other server: the filter and its vector labels follow it
        second.sync()
        allowed = filtered.allowed(second, INFO, where_for_class({"operator": "Equal", "path": ["n"],
                                                                  "valueInt": 99}, INFO))
        found = second.indexes.search("C", "", np.asarray([9, 9], np.float32), 5, allowed_labels=allowed.labels())
        assert [uid for uid, _ in found] == [moved.uuid]
    finally:
        first.close()
        second.close()


def test_after_a_restart_the_index_is_rebuilt_from_sql(database_url, tmp_path):
    rng = random.Random(8)
    store = Store(database_url, tmp_path, snapshot_seconds=3600)
    store.save_class("C", INFO.config, FLAT)
    store.open({"C": FLAT})
    store.put([_record(rng, i) for i in range(60)])
    clauses = [_clause(rng) for _ in range(40)]
    before = [filtered.matching_uuids(store, INFO, c) for c in clauses]
    store.close()
    store = Store(database_url, tmp_path, snapshot_seconds=3600)
    store.open({"C": FLAT})
    try:
        assert [filtered.matching_uuids(store, INFO, c) for c in clauses] == before
        assert sum(map(bool, before)) > 10
    finally:
        store.close()


def test_ranges_stay_exact_while_writes_arrive_between_them(tmp_path):
    """Values written after a range query are checked one by one, then folded into a new sorted view."""
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path, snapshot_seconds=3600)
    store.save_class("C", INFO.config, FLAT)
    store.open({"C": FLAT})
    rng = random.Random(2)
    prices: dict[str, float] = {}

    def write(count: int) -> None:  # new objects and updates of earlier ones
        batch = [ObjectRecord("C", str(uuid.UUID(int=n)), {"price": rng.randint(-50, 50) / 4}, 1, 1)
                 for n in rng.sample(range(1, 2500), count)]
        store.put(batch)
        prices.update((r.uuid, r.properties["price"]) for r in batch)

    write(200)
    for _ in range(12):
        bound = rng.randint(-50, 50) / 4
        clause = where_for_class({"operator": "LessThanEqual", "path": ["price"], "valueNumber": bound}, INFO)
        assert filtered.matching_uuids(store, INFO, clause) == sorted(u for u, p in prices.items() if p <= bound)
        write(400)  # past 1,024 recent values the view is rebuilt
    store.close()


def test_id_filters_fall_back_to_the_scan_once_a_stored_uuid_is_not_lower_case(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path, snapshot_seconds=3600)
    store.save_class("C", INFO.config, FLAT)
    store.open({"C": FLAT})
    lower, upper = "6b7e1a52-0c8f-4d39-9d2a-3f0e5c1b2a77", "ABCDEF00-0000-0000-0000-000000000001"
    store.put([ObjectRecord("C", lower, {"n": 1}, 1, 1)])
    for value, expected in ((lower.upper(), [lower]), (upper, [])):
        clause = where_for_class({"operator": "Equal", "path": ["_id"], "valueText": value}, INFO)
        assert filtered.matching_uuids(store, INFO, clause) == expected
    assert filter_index(store).key("C").all_lower
    store.put([ObjectRecord("C", upper, {"n": 2}, 1, 1)])  # only the storage layer lets such a uuid in
    clause = where_for_class({"operator": "Equal", "path": ["_id"], "valueText": upper.lower()}, INFO)
    assert filtered.matching_uuids(store, INFO, clause) == [upper]  # as the scan: it compares lower-cased
    index = filter_index(store).key("C")
    with index.lock:
        assert not index.all_lower and evaluate(INFO, index, clause) is None
    store.close()


def test_a_repeated_filter_reuses_the_answer_until_the_class_changes(tmp_path):
    """The same clause, compiled again, gets the same answer object (so a vector index can reuse what it made of
    its labels) until a write to the key; a clause that differs only in 1 against 1.5 is never confused with it."""
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path, snapshot_seconds=3600)
    store.save_class("C", INFO.config, FLAT)
    store.open({"C": FLAT})
    store.put([ObjectRecord("C", str(uuid.UUID(int=i + 1)), {"price": i % 4 / 2}, 1, 1) for i in range(40)])

    def where(value: float):
        return where_for_class({"operator": "LessThan", "path": ["price"], "valueNumber": value}, INFO)

    first = filtered.allowed(store, INFO, where(1))
    assert filtered.allowed(store, INFO, where(1)) is first and len(first) == 20
    assert len(filtered.allowed(store, INFO, where(1.5))) == 30
    store.put([ObjectRecord("C", str(uuid.UUID(int=99)), {"price": 0}, 1, 1)])
    again = filtered.allowed(store, INFO, where(1))
    assert again is not first and len(again) == 21
    long_text = where_for_class({"operator": "Equal", "path": ["code"], "valueText": "x" * 10_000}, INFO)
    assert filtered.allowed(store, INFO, long_text) is not filtered.allowed(store, INFO, long_text)  # not kept
    store.close()
