"""Text filters as Weaviate's inverted index answers them (`adapters/repos/db/inverted/searcher.go`): the filter
value is split with the property's tokenization, stopwords are dropped, and each remaining term must be among the
object's tokens of that property.

- Equal: every term present (so with `word`, `Equal "hello"` matches "Hello world!"; with `field` only the whole
  trimmed value matches). NotEqual: no term present (each term's complement, joined by And, as Weaviate does).
- Like: the value is split keeping `*` / `?`; every pattern term must match one token whole.
- ContainsAny / ContainsAll / ContainsNone: each value is an Equal of its own; any / all / none of them.
- A value made only of stopwords is an error, with Weaviate's text.
- `gse` and `kagome_*` have no tokenizer here: they are approximated with `word` (tokenize.py); `trigram` Like
  matches the pattern against whole values.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from weavebind import heap
from weavebind.search.filters_eval import Clause, FilterableObject, like_pattern
from weavebind.search.filters_parse import FilterError, Leaf
from weavebind.search.tokenize import is_long_word_text, token_runs, tokenize, tokenize_value
from weavebind.storage.prefilter import AllOf, AnyOf, Compare, Prefilter

TOKEN_OPERATORS = frozenset({"Equal", "NotEqual", "Like", "ContainsAny", "ContainsAll", "ContainsNone"})
_WILDCARD_WORDS = re.compile(r"(?:[^\W_]|[*?])+")
# Tokenizations whose tokens are exact substrings of the stored text: SQL can test "contains the term" first.
_SUBSTRING_TOKENS = frozenset({"field", "whitespace"})
ONLY_STOPWORDS = ("invalid search term, only stopwords provided. Stopwords can be configured in "
                  "class.invertedIndexConfig.stopwords")


def _pattern_terms(value: str, method: str) -> list[str]:
    if method in ("whitespace", "lowercase", "field"):
        return tokenize(value, method)
    return _WILDCARD_WORDS.findall(value.lower())  # word (and its stand-ins): split, keeping the wildcards


class JoinedTerms:
    """The terms of a long filter value (`word` tokenization, over tokenize.LONG_TEXT) as one string joined by NUL,
    which no term holds, instead of a string per term: a 50 MB base64 value has ~1.5 M terms, which as strings took
    2.8x the value. Iterating yields the terms one at a time, so an object's check stops at the first it lacks."""

    __slots__ = ("_joined", "count")

    def __init__(self, value: str, stopwords: frozenset[str]):
        runs, self.count = [], 0
        for run in token_runs(value):
            kept = [term for term in run if term not in stopwords]
            if kept:
                runs.append("\0".join(kept))
                self.count += len(kept)
        self._joined = "\0".join(runs)
        del runs
        heap.trim()  # the runs were many blocks under the mmap threshold: give their memory back

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[str]:
        joined, start = self._joined, 0
        while (end := joined.find("\0", start)) >= 0:
            yield joined[start:end]
            start = end + 1
        if self.count:
            yield joined[start:]


def _terms(value: str, operator: str, method: str, stopwords: frozenset[str]) -> tuple[str, ...] | JoinedTerms:
    if operator != "Like" and is_long_word_text(value, method):
        kept: tuple[str, ...] | JoinedTerms = JoinedTerms(value, stopwords)
    else:
        split = _pattern_terms(value, method) if operator == "Like" else tokenize(value, method)
        kept = tuple(term for term in split if term not in stopwords)
    if not kept:
        raise FilterError(ONLY_STOPWORDS, kind="validation")
    return kept


@dataclass(frozen=True)
class TextClause(Clause):
    """`groups`: the terms of each value (one group, or one per value for Contains*); `patterns` for Like."""

    operator: str
    prop: str
    method: str
    groups: tuple[tuple[str, ...] | JoinedTerms, ...]  # the terms of each value (JoinedTerms: a long one)
    patterns: tuple[re.Pattern[str], ...] = ()
    sql: Prefilter | None = None

    def _tokens(self, obj: FilterableObject) -> set[str]:
        props = obj.properties
        return set(tokenize_value(props.get(self.prop) if isinstance(props, dict) else None, self.method))

    def matches(self, obj: FilterableObject) -> bool:
        if self.operator == "Like" and self.method == "trigram":
            raw = obj.properties.get(self.prop) if isinstance(obj.properties, dict) else None
            values = raw if isinstance(raw, list) else [raw]
            return any(isinstance(v, str) and p.fullmatch(v) for v in values for p in self.patterns)
        tokens = self._tokens(obj)
        if self.operator == "Like":
            return all(any(p.fullmatch(t) for t in tokens) for p in self.patterns)
        if self.operator == "NotEqual":
            return not any(t in tokens for t in self.groups[0])
        found = [all(t in tokens for t in group) for group in self.groups]
        if self.operator == "ContainsAny":
            return any(found)
        if self.operator == "ContainsNone":
            return not any(found)
        return all(found)  # Equal, ContainsAll

    def prefilter(self) -> Prefilter | None:
        return self.sql


def _sql(operator: str, prop: str, dtype: str, method: str, groups: tuple[tuple[str, ...], ...]
         ) -> Prefilter | None:
    """Every stored text holding a term holds it as a substring (field, whitespace): a superset SQL can test."""
    if method not in _SUBSTRING_TOKENS or dtype.endswith("[]") or operator not in ("Equal", "ContainsAll",
                                                                                   "ContainsAny"):
        return None
    per_value = [AllOf(tuple(Compare(prop, "Contains", t) for t in g)) if len(g) > 1 else Compare(prop, "Contains",
                                                                                                 g[0])
                 for g in groups]
    if len(per_value) == 1:
        return per_value[0]
    return AnyOf(tuple(per_value)) if operator == "ContainsAny" else AllOf(tuple(per_value))


def text_clause(leaf: Leaf, prop: str, dtype: str, method: str, stopwords: frozenset[str]) -> TextClause:
    """The clause of a token operator on a text / text[] property tokenized with `method`."""
    values = leaf.value if isinstance(leaf.value, tuple) else (leaf.value,)
    groups = tuple(_terms(v, leaf.operator, method, stopwords) for v in values if isinstance(v, str))
    if leaf.operator == "Like":
        if method == "trigram":
            return TextClause("Like", prop, method, groups, (like_pattern(str(leaf.value)),))
        flags = re.IGNORECASE if method in ("word", "lowercase") else 0
        patterns = tuple(re.compile(like_pattern(t).pattern, flags | re.DOTALL) for t in groups[0])
        return TextClause("Like", prop, method, groups, patterns)
    return TextClause(leaf.operator, prop, method, groups, sql=_sql(leaf.operator, prop, dtype, method, groups))

