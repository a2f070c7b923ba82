"""A long text is lowered piece by piece for `word` tokenization (search/tokenize.py); its tokens are exactly
those of the whole text lowered, whatever the characters around the cuts (final sigma, dotted I, combining marks,
case-ignorable punctuation)."""

from __future__ import annotations

import random

import pytest

from weavebind.search import tokenize as module

ALPHABET = "aAbΣσςİiIẞß'.:^`_-/+,;!?() \t\n\u0307\u180e\u00adxyz0"


@pytest.fixture
def tiny_pieces(monkeypatch):
    monkeypatch.setattr(module, "LONG_TEXT", 0)
    monkeypatch.setattr(module, "PIECE", 3)


def test_pieces_give_the_tokens_of_the_whole_text(tiny_pieces):
    rnd = random.Random(7)
    for _ in range(20_000):
        text = "".join(rnd.choice(ALPHABET) for _ in range(rnd.randint(0, 24)))
        assert module.tokenize(text, "word") == module._WORD.findall(text.lower()), repr(text)


def test_a_long_text_is_cut_into_pieces():
    text = "ΟΔΟΣ word/" * (module.LONG_TEXT // 10 + 1)
    assert len(text) > module.LONG_TEXT
    pieces = list(module._pieces(text))
    assert "".join(pieces) == text and len(pieces) > 1
    assert module.tokenize(text, "word") == module._WORD.findall(text.lower())


def test_a_long_filter_value_keeps_its_terms_joined_and_matches_the_same(tiny_pieces, monkeypatch):
    """Over LONG_TEXT a `word` filter value's terms are one NUL-joined string (filters_text.JoinedTerms): the same
    terms, stopwords dropped, and the same answers for every operator that uses them."""
    from weavebind.search import filters_text
    from weavebind.search.filters_eval import FilterableObject
    from weavebind.search.filters_parse import Leaf

    stop = frozenset({"the", "a"})
    rnd = random.Random(3)
    words = ["the", "a", "cat", "Dog", "ΟΔΟΣ", "x1", "ß"]
    for _ in range(300):
        value = " ".join(rnd.choice(words) for _ in range(rnd.randint(1, 6))) + rnd.choice(["", "/", " a"])
        expected = tuple(t for t in module._WORD.findall(value.lower()) if t not in stop)
        if not expected:
            continue
        joined = filters_text.JoinedTerms(value, stop)
        assert tuple(joined) == expected and len(joined) == len(expected)
        doc = FilterableObject("u", {"p": " ".join(rnd.choice(words) for _ in range(4))}, 0, 0)
        for operator in ("Equal", "NotEqual", "ContainsAll", "ContainsAny", "ContainsNone"):
            leaf_value = (value, "cat") if operator.startswith("Contains") else value
            leaf = Leaf(operator, ("p",), "valueText", "text", leaf_value)
            long_clause = filters_text.text_clause(leaf, "p", "text", "word", stop)
            monkeypatch.setattr(module, "LONG_TEXT", 1 << 40)
            short_clause = filters_text.text_clause(leaf, "p", "text", "word", stop)
            monkeypatch.setattr(module, "LONG_TEXT", 0)
            assert isinstance(long_clause.groups[0], filters_text.JoinedTerms)
            assert long_clause.matches(doc) == short_clause.matches(doc), (operator, value, doc.properties)


def test_a_long_value_of_stopwords_only_is_refused(tiny_pieces):
    from weavebind.search import filters_text
    from weavebind.search.filters_parse import FilterError, Leaf

    with pytest.raises(FilterError):
        filters_text.text_clause(Leaf("Equal", ("p",), "valueText", "text", "the a the"), "p", "text", "word",
                                 frozenset({"the", "a"}))
