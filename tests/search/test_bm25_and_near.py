"""bm25 scoring and tokenizers against hand-computed values; near* validation messages and target choice."""

from __future__ import annotations

import math

import pytest

from weavebind.schema.models import ClassInfo
from weavebind.search.bm25 import bm25_search
from weavebind.search.errors import SearchError
from weavebind.search.near import choose_targets, conflict_message, default_target, validate_near
from weavebind.search.params import Movement, NearQuery, parse_hybrid, parse_near
from weavebind.search.tokenize import stopwords, tokenize
from weavebind.storage.records import ObjectRecord


def info(props, **config) -> ClassInfo:
    return ClassInfo.from_config({"class": "Doc", "properties": props, "vectorIndexConfig": {"distance": "cosine"},
                                  **config})


def record(uid: str, **props) -> ObjectRecord:
    return ObjectRecord("Doc", uid, props, 0, 0)


def test_tokenizers():
    text = "Hello, World! re-use  A_b 42"
    assert tokenize(text, "word") == ["hello", "world", "re", "use", "a", "b", "42"]
    assert tokenize(text, "whitespace") == ["Hello,", "World!", "re-use", "A_b", "42"]
    assert tokenize(text, "lowercase") == ["hello,", "world!", "re-use", "a_b", "42"]
    assert tokenize("  Hello World ", "field") == ["Hello World"]
    assert tokenize("Abcd", "trigram") == ["abc", "bcd"]
    assert "the" in stopwords(None) and "the" not in stopwords({"stopwords": {"preset": "none"}})
    assert "foo" in stopwords({"stopwords": {"additions": ["foo"], "removals": ["the"]}})


def test_bm25_matches_weaviates_formula_without_k1_plus_one():
    doc = info([{"name": "title", "dataType": ["text"]}])
    records = [record("1", title="the quick fox"), record("2", title="fox fox"), record("3", title="dog")]
    scored = bm25_search(doc, records, 3, "the Fox")  # "the" is a stopword
    n, big_n = 2, 3
    idf = math.log(1 + (big_n - n + 0.5) / (n + 0.5))
    avg = (3 + 2 + 1) / 3

    def tf(f, length):
        return f / (f + 1.2 * (1 - 0.75 + 0.75 * length / avg))

    assert [s.record.uuid for s in scored] == ["2", "1"]
    assert scored[0].score == pytest.approx(tf(2, 2) * idf)
    assert scored[1].score == pytest.approx(tf(1, 3) * idf)
    assert scored[0].explain == ", BM25F_fox_frequency:2, BM25F_fox_propLength:2"


def test_bm25_boosts_operators_and_errors():
    doc = info([{"name": "title", "dataType": ["text"]}, {"name": "body", "dataType": ["text"]}])
    records = [record("1", title="apple", body="pie"), record("2", title="pie", body="apple")]
    boosted = bm25_search(doc, records, 2, "apple", ["title^3", "body"])
    assert [s.record.uuid for s in boosted] == ["1", "2"]
    assert [s.record.uuid for s in bm25_search(doc, records, 2, "apple pie", operator="And")] == ["1", "2"]
    assert bm25_search(doc, [record("3", title="apple")], 1, "apple pie", operator="And") == []
    with pytest.raises(SearchError, match="property 'nope' not found"):
        bm25_search(doc, records, 2, "apple", ["nope"])


def near(argument, **fields) -> NearQuery:
    return NearQuery(argument, **fields)


@pytest.mark.parametrize("nears, message", [
    ([near("nearText"), near("nearVector"), near("nearObject")],
     "found 'nearText' and 'nearVector' and 'nearObject' parameters which are conflicting, choose one instead"),
    ([near("nearImage"), near("nearVector")],
     "found both 'nearText' and 'nearVector' parameters which are conflicting, choose one instead"),
    ([near("nearAudio"), near("nearObject")],
     "found both 'nearText' and 'nearObject' parameters which are conflicting, choose one instead"),
    ([near("nearVector"), near("nearObject")],
     "found both 'nearVector' and 'nearObject' parameters which are conflicting, choose one instead"),
    ([near("nearText"), near("nearImage")],
     "found more than one module params: 'nearText', 'nearImage' which are conflicting choose one instead"),
])
def test_conflicts(nears, message):
    assert conflict_message(nears) == message


@pytest.mark.parametrize("query, message", [
    (near("nearImage", inputs=[""]), "'nearImage.image' needs to be defined"),
    (near("nearText", inputs=[]), "'nearText.concepts' needs to be defined"),
    (near("nearImage", inputs=["x"], certainty=0.5, distance=0.5), "nearImage cannot provide both distance and "
                                                                   "certainty"),
    (near("nearIMU", inputs=["x"], target_vectors=["a", "b"]),
     "nearIMU.targetVectors cannot provide more than 1 target vector value"),
    (near("nearText", inputs=["x"], move_to=Movement(0.5)),
     "'nearText.moveTo' parameter needs to have defined either 'concepts' or 'objects' fields"),
    (near("nearText", inputs=["x"], move_away=Movement(0.5)),
     "'nearText.moveAwayFrom' parameter needs to have defined either 'concepts' or 'objects' fields"),
])
def test_module_argument_checks(query, message):
    with pytest.raises(SearchError) as caught:
        validate_near([query])
    assert caught.value.message == message


def test_extraction_errors():
    with pytest.raises(SearchError, match="^failed to extract nearVector params: vector or vectorPerTarget is "):
        parse_near("nearVector", {"certainty": 0.5})
    with pytest.raises(SearchError, match="^failed to extract nearVector params: cannot provide distance and "):
        parse_near("nearVector", {"vector": [1], "certainty": 0.5, "distance": 0.5})
    with pytest.raises(SearchError, match="^failed to extract nearObject params: cannot provide distance and "):
        parse_near("nearObject", {"id": "x", "certainty": 0.5, "distance": 0.5})
    assert parse_near("nearText", {"concepts": "apple"}).inputs == ["apple"]


@pytest.mark.parametrize("raw, message", [
    ({"searches": [{"nearText": {"concepts": ["a"]}, "nearVector": {"vector": [1]}}]},
     "hybrid search cannot have both nearText and nearVector parameters"),
    ({"vector": [1], "searches": [{"nearText": {"concepts": ["a"]}}]}, "cannot have both vector and nearTextParams"),
    ({"vector": [1], "searches": [{"nearVector": {"vector": [1]}}]}, "cannot have both vector and nearVectorParams"),
    ({"alpha": 1.5}, "alpha should be between 0.0 and 1.0"),
])
def test_hybrid_extraction_errors(raw, message):
    with pytest.raises(SearchError) as caught:
        parse_hybrid(raw)
    assert caught.value.message == "failed to extract hybrid params: " + message


def test_target_vectors():
    legacy = info([])
    assert default_target(legacy) == "" and choose_targets(legacy, None) == [""]
    named = ClassInfo.from_config({"class": "N", "vectorConfig": {
        "a": {"vectorIndexType": "hnsw", "vectorIndexConfig": {}},
        "b": {"vectorIndexType": "hnsw", "vectorIndexConfig": {}}}})
    with pytest.raises(SearchError, match="^multiple vectorizers configuration found, please specify target"):
        default_target(named)
    assert choose_targets(named, ["b", "a", "b"]) == ["b", "a"]
    with pytest.raises(SearchError, match="does not have named vector c configured"):
        choose_targets(named, ["c"])
