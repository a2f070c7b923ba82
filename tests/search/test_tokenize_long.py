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
