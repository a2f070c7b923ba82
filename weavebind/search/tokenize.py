"""Weaviate's tokenizers (`entities/tokenizer/tokenizer.go`) and the `en` stopword preset, for bm25."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

# Lucene's English stop set, which is Weaviate's `en` preset (`entities/stopwords/presets.go`).
EN_STOPWORDS = frozenset((
    "a an and are as at be but by for if in into is it no not of on or such that the their then there these they "
    "this to was will with").split())
_WORD = re.compile(r"[^\W_]+")   # runs of letters and digits: Weaviate splits on anything else
_ALNUM = re.compile(r"[\W_]+")
TOKENIZATIONS = ("word", "whitespace", "lowercase", "field", "trigram")
_TOKENIZERS = frozenset(("whitespace", "lowercase", "field", "trigram"))  # the others all split as `word`
# A text longer than LONG_TEXT is lowered a piece of about PIECE characters at a time for `word` (a 50 MB filter
# value was copied whole by lower() beside its 1.5 million tokens). Each piece ends just after an ASCII character
# that no token holds and that is neither cased nor case-ignorable, so the final-sigma rule of lower() never looks
# across a cut: the tokens are exactly those of the whole text lowered.
LONG_TEXT = 1 << 20
PIECE = 1 << 16
_CUT = re.compile(r"[ \t\n\r\f\v!\"#$%&()*+,/;<=>?@\[\\\]{|}~-]")


def tokenize(text: str, method: str) -> list[str]:
    """Split one text value. Unknown methods (gse, kagome_*) fall back to `word`."""
    if method == "whitespace":
        return text.split()
    if method == "lowercase":
        return text.lower().split()
    if method == "field":
        stripped = text.strip()
        return [stripped] if stripped else []
    if method == "trigram":
        letters = _ALNUM.sub("", text.lower())
        return [letters[i:i + 3] for i in range(len(letters) - 2)] if len(letters) >= 3 else (
            [letters] if letters else [])
    if len(text) > LONG_TEXT:
        return [token for run in token_runs(text) for token in run]
    return _WORD.findall(text.lower())


def is_long_word_text(text: str, method: str) -> bool:
    return method not in _TOKENIZERS and len(text) > LONG_TEXT


def token_runs(text: str) -> Iterator[list[str]]:
    """The `word` tokens of a text, one list per piece of it (see LONG_TEXT)."""
    for piece in _pieces(text):
        yield _WORD.findall(piece.lower())


def _pieces(text: str) -> Iterator[str]:
    start = 0
    while start < len(text):
        cut = _CUT.search(text, min(start + PIECE, len(text)))
        end = cut.end() if cut else len(text)
        yield text[start:end]
        start = end


def tokenize_value(value: Any, method: str) -> list[str]:
    """A text or text[] property value → tokens (other values give none)."""
    if isinstance(value, str):
        return tokenize(value, method)
    if isinstance(value, list):
        return [token for item in value if isinstance(item, str) for token in tokenize(item, method)]
    return []


def stopwords(inverted_config: dict[str, Any] | None) -> frozenset[str]:
    """The class's stopwords: its preset (`en` or `none`) plus additions, minus removals."""
    config = (inverted_config or {}).get("stopwords") or {}
    words = set(EN_STOPWORDS if (config.get("preset") or "en") == "en" else ())
    words.update(config.get("additions") or ())
    words.difference_update(config.get("removals") or ())
    return frozenset(words)
