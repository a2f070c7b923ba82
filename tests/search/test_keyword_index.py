"""The bm25 inverted index (search/keyword_index.py) answers exactly what scoring every object does (bm25.py):
same objects, scores to the bit, order and explanations, for random texts and queries, and still after writes
and deletes; on both SQL backends."""

from __future__ import annotations

import random
import uuid

import pytest

from weavebind.schema.models import ClassInfo
from weavebind.search.bm25 import bm25_search
from weavebind.search.keyword_index import keyword_index
from weavebind.storage.records import ObjectRecord
from weavebind.storage.store import Store

WORDS = ["the", "quick", "Brown", "fox", "jumps", "over", "lazy", "dog", "café", "a", "fox-trot", "DOG", "x1"]
INFO = ClassInfo.from_config({"class": "C", "properties": [
    {"name": "title", "dataType": ["text"], "tokenization": "word"},
    {"name": "body", "dataType": ["text"], "tokenization": "word"},
    {"name": "tags", "dataType": ["text[]"], "tokenization": "field"},
    {"name": "code", "dataType": ["text"], "tokenization": "lowercase"},
    {"name": "raw", "dataType": ["text"], "tokenization": "whitespace"},
    {"name": "tri", "dataType": ["text"], "tokenization": "trigram"},
], "invertedIndexConfig": {"bm25": {"k1": 1.3, "b": 0.7}, "stopwords": {"preset": "en", "removals": ["a"]}}})


def class_store(url: str, path, info: ClassInfo = INFO) -> Store:
    """A store on `url` (files under `path`) whose class C has `info`'s config and no vector index."""
    store = Store(url, path, snapshot_seconds=3600)
    store.save_class("C", info.config, {})
    store.open({"C": {}})
    return store


def _text(rng: random.Random, most: int = 8) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, most)))


def _properties(rng: random.Random) -> dict:
    props = {"title": _text(rng, 4), "body": _text(rng, 12), "tags": [_text(rng, 2) for _ in range(rng.randint(0, 3))],
             "code": _text(rng, 3), "raw": _text(rng, 5), "tri": _text(rng, 2)}
    return {k: v for k, v in props.items() if rng.random() < 0.8} | ({"title": None} if rng.random() < 0.05 else {})


def _record(rng: random.Random, i: int) -> ObjectRecord:
    return ObjectRecord("C", str(uuid.UUID(int=i + 1)), _properties(rng), 1, 1)


def _query(rng: random.Random) -> tuple[str, list[str] | None, str, int]:
    properties = rng.choice([None, ["title"], ["title^2", "body"], ["tags", "code^0.5"], ["raw", "tri", "body^3"]])
    return _text(rng, 4) or "fox", properties, rng.choice(["Or", "And"]), rng.choice([1, 1, 2])


def _compare(store: Store, rng: random.Random, rounds: int, info: ClassInfo = INFO) -> int:
    records = list(store.iter_class("C"))
    total = store.count("C")
    found = 0
    for _ in range(rounds):
        query, properties, operator, minimum = _query(rng)
        scanned = [(s.record.uuid, s.score, s.explain)
                   for s in bm25_search(info, records, total, query, properties, operator, minimum)]
        indexed = keyword_index(store).search(info, None, query, properties, operator, minimum)  # its own N
        assert indexed == scanned, (query, properties, operator, minimum)
        found += bool(indexed)
        # a filter's objects: their own frequencies and lengths, as bm25_search over those records alone
        kept = rng.sample(records, rng.randint(0, len(records)))
        scanned = [(s.record.uuid, s.score, s.explain)
                   for s in bm25_search(info, kept, total, query, properties, operator, minimum)]
        allowed = [r.uuid for r in kept] + [str(uuid.uuid4())]  # a uuid the class does not hold is ignored
        assert keyword_index(store).search(info, total, query, properties, operator, minimum, allowed=allowed) \
            == scanned, (query, properties, operator, minimum, len(kept))
    return found


# INFO has no usingBlockMaxWAND (a class from before the flag: BM25F); BLOCK_MAX is a new class's scoring.
BLOCK_MAX = ClassInfo.from_config({**INFO.config, "invertedIndexConfig": {
    **INFO.config["invertedIndexConfig"], "usingBlockMaxWAND": True}})


@pytest.mark.parametrize("info", [INFO, BLOCK_MAX], ids=["bm25f", "blockmax"])
def test_the_index_scores_exactly_as_a_full_scan_before_and_after_writes(database_url, tmp_path, info):
    rng = random.Random(11)
    store = class_store(database_url, tmp_path, info)
    store.put([_record(rng, i) for i in range(150)])
    assert _compare(store, rng, 150, info) > 50  # most queries find something: the comparison is not vacuous
    for _ in range(4):  # updates, inserts and deletes after the index was built
        store.put([_record(rng, i) for i in rng.sample(range(200), 30)])
        store.delete("C", [str(uuid.UUID(int=i + 1)) for i in rng.sample(range(200), 15)])
        assert _compare(store, rng, 60, info) > 10
    store.delete_class("C")
    store.save_class("C", INFO.config, {})
    store.put([ObjectRecord("C", str(uuid.UUID(int=1)), {"title": "fox"}, 1, 1)])
    assert [uid for uid, _, _ in keyword_index(store).search(INFO, 1, "fox")] == [str(uuid.UUID(int=1))]
    store.close()


def test_a_kept_filter_answer_keeps_its_mask_until_the_key_changes(tmp_path):
    """A repeated filtered bm25 reuses the mask of the filter's objects (made from one dict lookup each) while the
    key's ids stay the same; after a write it is made again, and the answers stay bm25.py's over the records."""
    from weavebind.search import filtered
    from weavebind.search.filters import where_for_class

    info = ClassInfo.from_config({**INFO.config, "properties": [*INFO.config["properties"],
                                                                {"name": "n", "dataType": ["int"]}]})
    rng = random.Random(4)
    store = class_store(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path, info)
    store.put([ObjectRecord("C", str(uuid.UUID(int=i + 1)), {**_properties(rng), "n": i % 3}, 1, 1)
               for i in range(90)])
    clause = where_for_class({"operator": "Equal", "path": ["n"], "valueInt": 1}, info)

    def check() -> filtered.Allowed:
        allowed = filtered.allowed(store, info, clause)
        records = [r for r in store.iter_class("C") if r.properties.get("n") == 1]
        want = [(s.record.uuid, s.score, s.explain) for s in bm25_search(info, records, store.count("C"), "fox dog")]
        assert keyword_index(store).search(info, None, "fox dog", allowed=allowed) == want and want
        return allowed

    first = check()
    mask = first.derived["keyword"][2]
    assert check() is first and first.derived["keyword"][2] is mask  # reused, not made again
    store.put([ObjectRecord("C", str(uuid.UUID(int=500)), {"title": "fox fox dog", "n": 1}, 1, 1)])
    again = check()  # a new answer (the filter index's key changed) and a new mask
    assert again is not first and again.derived["keyword"][2] is not mask
    store.close()
