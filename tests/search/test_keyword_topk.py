"""Block-max pruning (search/keyword_topk.py) returns exactly the first k of exhaustive scoring: same objects,
scores to the bit, order (ties by uuid) and explanations; for random corpora full of ties, Or / And /
minimumMatch, several properties with boosts, both scoring modes, after writes and deletes; and it scores far
fewer objects than the exhaustive search for a term every object holds."""

from __future__ import annotations

import random
import threading
import uuid

import numpy as np
import pytest

from tests.search.test_keyword_index import class_store
from weavebind.schema.models import ClassInfo
from weavebind.search import keyword_index, keyword_postings, keyword_scoring, keyword_topk
from weavebind.search.keyword_index import KeywordIndex
from weavebind.storage.records import ObjectRecord
from weavebind.storage.store import Store

WORDS = ["all", "fox", "dog", "cat", "owl", "bee", "elk", "yak", "emu", "ant"]
CONFIG = {"class": "C", "properties": [
    {"name": "title", "dataType": ["text"], "tokenization": "word"},
    {"name": "body", "dataType": ["text"], "tokenization": "word"},
    {"name": "tags", "dataType": ["text[]"], "tokenization": "field"},
], "invertedIndexConfig": {"bm25": {"k1": 1.2, "b": 0.75}}}
BM25F = ClassInfo.from_config(CONFIG)
UUIDS = [str(uuid.UUID(int=random.Random(i).getrandbits(128))) for i in range(400)]  # ids' order is not uuids'

BLOCK_MAX = ClassInfo.from_config({**CONFIG, "invertedIndexConfig": {**CONFIG["invertedIndexConfig"],
                                                                     "usingBlockMaxWAND": True}})


@pytest.fixture(autouse=True)
def tiny_ranges(monkeypatch):
    """Ranges of 4 ids, no small-query shortcut and 8 ranges ranked at first, so that small corpora go through many
    pruned batches and rank the rest of their ranges later."""
    monkeypatch.setattr(keyword_postings, "RANGE_BITS", 2)
    monkeypatch.setattr(keyword_topk, "RANGE_BITS", 2)
    monkeypatch.setattr(keyword_scoring, "RANGE_BITS", 2)
    monkeypatch.setattr(keyword_topk, "SMALL", 0)
    monkeypatch.setattr(keyword_topk, "FIRST_BATCH", 1)
    monkeypatch.setattr(keyword_topk, "RANKED_FIRST", 8)


def _text(rng: random.Random, most: int) -> str:
    # "all" in every text, the rest from a small vocabulary: many equal scores
    return " ".join(["all"] + [rng.choice(WORDS[:rng.choice([3, 10])]) for _ in range(rng.randint(0, most))])


def _record(rng: random.Random, i: int) -> ObjectRecord:
    props = {"title": _text(rng, 2), "body": _text(rng, 6), "tags": [rng.choice(WORDS) for _ in range(2)]}
    return ObjectRecord("C", UUIDS[i], {k: v for k, v in props.items() if rng.random() < 0.9}, 1, 1)


def _query(rng: random.Random) -> tuple[str, list[str] | None, str, int]:
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3)))
    properties = rng.choice([None, ["title"], ["body"], ["title^2", "body"], ["tags", "body^0.5"], ["title^0"]])
    return words, properties, rng.choice(["Or", "Or", "And"]), rng.choice([1, 1, 2])


def _check(index: KeywordIndex, store: Store, info: ClassInfo, rng: random.Random, rounds: int) -> None:
    total = store.count("C")
    uuids = [r.uuid for r in store.iter_class("C")]
    for _ in range(rounds):
        query, properties, operator, minimum = _query(rng)
        allowed = rng.choice([None, rng.sample(uuids, len(uuids) // 10), rng.sample(uuids, len(uuids) // 2)])
        every = index.search(info, total, query, properties, operator, minimum, allowed=allowed)
        for k in (1, 3, 10, 40):
            assert index.search(info, total, query, properties, operator, minimum, k, allowed) == every[:k], \
                (query, properties, operator, minimum, k, allowed is not None)


@pytest.mark.parametrize("info", [BM25F, BLOCK_MAX], ids=["bm25f", "blockmax"])
def test_pruned_top_k_equals_exhaustive_scoring(database_url, tmp_path, info):
    rng = random.Random(5)
    store = class_store(database_url, tmp_path, info)
    store.put([_record(rng, i) for i in range(300)])
    index = KeywordIndex(store)
    _check(index, store, info, rng, 40)
    for _ in range(3):  # writes after the build: appended postings, dead ids, looser bounds
        store.put([_record(rng, i) for i in rng.sample(range(400), 60)])
        store.delete("C", [UUIDS[i] for i in rng.sample(range(400), 40)])
        _check(index, store, info, rng, 15)
    store.close()


def test_a_term_every_object_holds_scores_few_objects(tmp_path):
    rng = random.Random(7)
    store = class_store(f"sqlite:///{tmp_path}/db.sqlite", tmp_path, BLOCK_MAX)
    store.put([ObjectRecord("C", str(uuid.UUID(int=i + 1)), {"body": " ".join(
        ["all"] * rng.randint(1, 4) + [rng.choice(WORDS[1:]) for _ in range(rng.randint(0, 30))])}, 1, 1)
        for i in range(2000)])
    index = KeywordIndex(store)
    every = index.search(BLOCK_MAX, 2000, "all", ["body"])
    assert len(every) == 2000 and index.scored == 2000
    index.scored = 0
    assert index.search(BLOCK_MAX, 2000, "all", ["body"], limit=10) == every[:10]
    assert index.scored < 700  # most ranges' bounds fall below the 10th score
    store.close()


def test_searches_beside_writes_stay_exact(tmp_path, monkeypatch):
    """Writers (appends, dead ids, compactions) and searches in threads: no error, and exact answers after."""
    monkeypatch.setattr(keyword_index, "MIN_DEAD_TO_REBUILD", 50)
    rng = random.Random(9)
    store = class_store(f"sqlite:///{tmp_path}/db.sqlite", tmp_path, BLOCK_MAX)
    store.put([_record(rng, i) for i in range(200)])
    index = KeywordIndex(store)
    errors: list[BaseException] = []

    def write() -> None:
        wrng = random.Random(10)
        try:
            for _ in range(15):
                store.put([_record(wrng, i) for i in wrng.sample(range(400), 50)])
                store.delete("C", [UUIDS[i] for i in wrng.sample(range(400), 20)])
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    writer = threading.Thread(target=write)
    writer.start()
    while writer.is_alive():
        query, properties, operator, minimum = _query(rng)
        index.search(BLOCK_MAX, 300, query, properties, operator, minimum, 10)
    writer.join()
    assert not errors and index.builds > 3  # rebuilds happened beside the writes (compactions, new properties)
    _check(index, store, BLOCK_MAX, rng, 20)
    store.close()


@pytest.mark.parametrize("info", [BM25F, BLOCK_MAX], ids=["bm25f", "blockmax"])
def test_numpy_scores_off_by_rounding_fall_back_to_score_doc(tmp_path, monkeypatch, info):
    """numpy's scores equal score_doc's to the bit; were they ever an ulp off, the batch's objects near the cut
    are scored by score_doc and the answer stays exact."""
    numpy_scores = keyword_scoring.numpy_scores
    monkeypatch.setattr(keyword_scoring, "numpy_scores", lambda *args: (
        lambda found: (np.nextafter(found[0], np.inf), found[1]))(numpy_scores(*args)))
    rng = random.Random(12)
    store = class_store(f"sqlite:///{tmp_path}/db.sqlite", tmp_path, info)
    store.put([_record(rng, i) for i in range(200)])
    _check(KeywordIndex(store), store, info, rng, 20)
    store.close()
