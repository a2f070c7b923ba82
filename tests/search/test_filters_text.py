"""Text filters match tokens by the property's tokenization, as Weaviate's inverted index does (filters_text.py)."""

from __future__ import annotations

import pytest

from weavebind.search.filters import FilterableObject, FilterError, parse_where
from weavebind.search.filters_text import ONLY_STOPWORDS
from weavebind.search.tokenize import EN_STOPWORDS

TEXT = "  Hello World! "


def hit(operator: str, value, tokenization: str, stored=TEXT, stopwords=frozenset()) -> bool:
    key = "valueText"
    where = {"operator": operator, "path": ["t"], key: value}
    clause = parse_where(where, "C", {"t": "text[]" if isinstance(stored, list) else "text"},
                         {"t": tokenization}, stopwords)
    return clause.matches(FilterableObject("u", {"t": stored}, 0, 0))


@pytest.mark.parametrize(("operator", "value", "tokenization", "expected"), [
    ("Equal", "hello", "word", True), ("Equal", "WORLD hello", "word", True), ("Equal", "hello there", "word", False),
    ("Equal", "HELLO", "lowercase", True), ("Equal", "world", "lowercase", False),
    ("Equal", "World!", "whitespace", True),
    ("Equal", "world!", "whitespace", False), ("Equal", "Hello World!", "field", True),
    ("Equal", "Hello", "field", False), ("Equal", "hello world!", "field", False),
    ("Equal", "llo", "trigram", True), ("Equal", "hexx", "trigram", False),
    ("NotEqual", "hello", "word", False), ("NotEqual", "bye", "word", True), ("NotEqual", "Hello", "field", True),
    ("Like", "hel*", "word", True), ("Like", "w?rld", "word", True), ("Like", "hel", "word", False),
    ("Like", "Hello*", "field", True), ("Like", "hello*", "field", False), ("Like", "*World!", "whitespace", True),
    ("Like", "*ello w*", "trigram", True),
    ("ContainsAny", ["bye", "world"], "word", True), ("ContainsAll", ["bye", "world"], "word", False),
    ("ContainsAll", ["hello", "world"], "word", True), ("ContainsNone", ["bye", "world"], "word", False),
    ("ContainsAny", ["Hello World!", "x"], "field", True), ("ContainsAny", ["Hello", "World!"], "field", False),
    ("Equal", "hello", "gse", True),  # no gse tokenizer here: approximated with word
])
def test_token_matching(operator, value, tokenization, expected):
    assert hit(operator, value, tokenization) is expected


def test_arrays_match_tokens_of_any_element():
    assert hit("Equal", "green", "word", stored=["red apple", "green pear"])
    assert hit("Equal", "apple green", "word", stored=["red apple", "green pear"])  # tokens across elements
    assert not hit("Equal", "apple", "field", stored=["red apple", "green pear"])
    assert hit("Equal", "red apple", "field", stored=[" red apple", "green pear"])


def test_stopwords_are_dropped_from_the_value_and_only_stopwords_is_an_error():
    assert hit("Equal", "the hello", "word", stopwords=EN_STOPWORDS)
    assert not hit("Equal", "the hello", "word")  # without stopwords "the" must be there too
    with pytest.raises(FilterError) as caught:
        hit("Equal", "the a", "word", stopwords=EN_STOPWORDS)
    assert str(caught.value) == ONLY_STOPWORDS
    with pytest.raises(FilterError):
        hit("Equal", "!!", "word")
