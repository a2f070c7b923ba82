"""bm25 property boosts: new classes (usingBlockMaxWAND) score each property alone and multiply it by its boost,
as Weaviate's BlockMax WAND does; older classes keep BM25F, where boosts multiply term frequencies."""

from __future__ import annotations

import math

import pytest

from weavebind.schema.models import ClassInfo
from weavebind.search.bm25 import bm25_search
from weavebind.search.errors import SearchError
from weavebind.storage.records import ObjectRecord

A, B = "00000000-0000-4000-8000-00000000000a", "00000000-0000-4000-8000-00000000000b"
RECORDS = [ObjectRecord("C", A, {"title": "fox", "body": "a b c"}, 1, 1),
           ObjectRecord("C", B, {"title": "x", "body": "fox y"}, 1, 1)]


def _info(block: bool | None) -> ClassInfo:
    inverted = {"bm25": {"k1": 1.2, "b": 0.75}} | ({} if block is None else {"usingBlockMaxWAND": block})
    return ClassInfo.from_config({"class": "C", "invertedIndexConfig": inverted, "properties": [
        {"name": "title", "dataType": ["text"]}, {"name": "body", "dataType": ["text"]}]})


def _tf(freq: float, length: float, avg: float) -> float:
    return freq / (freq + 1.2 * (1 - 0.75 + 0.75 * length / avg))


def test_block_max_multiplies_each_property_score_by_its_boost():
    scores = {s.record.uuid: s.score for s in bm25_search(_info(True), RECORDS, 2, "fox", ["title^2", "body"])}
    avg = (1 + 2.5) / 2  # mean of the properties' mean lengths
    idf = math.log(1 + (2 - 1 + 0.5) / (1 + 0.5))  # n: the per-property counts (1 and 1), averaged
    assert scores[A] == pytest.approx(idf * _tf(1, 1, avg) * 2)
    assert scores[B] == pytest.approx(idf * _tf(1, 2, avg))
    plain = {s.record.uuid: s.score for s in bm25_search(_info(True), RECORDS, 2, "fox", ["title", "body"])}
    assert scores[A] == pytest.approx(2 * plain[A]) and scores[B] == pytest.approx(plain[B])


def test_classes_without_the_flag_keep_bm25f():
    scores = {s.record.uuid: s.score for s in bm25_search(_info(None), RECORDS, 2, "fox", ["title^2", "body"])}
    avg = (1 + 2.5) / 2
    idf = math.log(1 + (2 - 2 + 0.5) / (2 + 0.5))  # n: objects holding "fox" in any searched property
    assert scores[A] == pytest.approx(idf * _tf(2, 1, avg))  # the boost doubles the frequency
    assert scores[B] == pytest.approx(idf * _tf(1, 2, avg))


def test_and_with_block_max_needs_every_term_in_one_property():
    records = [ObjectRecord("C", A, {"title": "red", "body": "fox"}, 1, 1),
               ObjectRecord("C", B, {"title": "red fox", "body": ""}, 1, 1)]
    block = [s.record.uuid for s in bm25_search(_info(True), records, 2, "red fox", None, "And")]
    bm25f = [s.record.uuid for s in bm25_search(_info(False), records, 2, "red fox", None, "And")]
    assert block == [B] and sorted(bm25f) == [A, B]


def test_a_malformed_boost_is_an_error():
    with pytest.raises(SearchError, match="invalid property boost"):
        bm25_search(_info(True), RECORDS, 2, "fox", ["title^abc"])
