"""bm25 as Weaviate scores it (spec 1.13): `idf = ln(1 + (N − n + 0.5)/(n + 0.5))`,
`tf = f / (f + k1·(1 − b + b·L/avgL))` without BM25's (k1 + 1) factor. Classes with `usingBlockMaxWAND` (new
classes, Weaviate's default) score each searched property on its own and multiply it by the property's boost
(`title^2`), summing over properties; older classes use BM25F, where boosts multiply term frequencies and the
lengths of the properties a term occurs in add up to L. Both are exact here (no WAND pruning).

This module scores objects it is given (a filtered search's objects); an unfiltered search looks its objects up
in keyword_index.py's inverted index instead, with the same helpers and the same results.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

from weavebind.schema.models import ClassInfo
from weavebind.search.errors import SearchError
from weavebind.search.tokenize import stopwords, tokenize, tokenize_value
from weavebind.storage.records import ObjectRecord

DEFAULT_AVG_LENGTH = 40.0
TEXT_TYPES = ("text", "text[]", "string", "string[]")


@dataclass
class Scored:
    record: ObjectRecord
    score: float
    explain: str


def searched_properties(info: ClassInfo, requested: list[str] | None) -> list[tuple[str, float]]:
    """(property, boost) pairs: the requested ones (`title^2` boosts) or every searchable text property."""
    if not requested:
        return [(name, 1.0) for name, p in info.properties.items()
                if p["dataType"][0] in TEXT_TYPES and p.get("indexSearchable", True)]
    out = []
    for item in requested:
        name, _, boost = item.partition("^")
        if name not in info.properties:
            raise SearchError(f"property '{name}' not found in class '{info.name}': the bm25 properties must be "
                              "text properties of the class")
        if info.properties[name]["dataType"][0] not in TEXT_TYPES:
            raise SearchError(f"property '{name}' of class '{info.name}' is of type "
                              f"{info.properties[name]['dataType'][0]}: only text and text[] properties can be "
                              "searched by keyword")
        try:
            out.append((name, float(boost) if boost else 1.0))
        except ValueError:
            raise SearchError(f"invalid property boost in {item!r}: expected <property>^<number>") from None
    return out


@dataclass
class Group:
    """Searched properties sharing one tokenization: the query is tokenized once for them."""

    tokenization: str
    props: list[tuple[str, float]]


def bm25_parameters(info: ClassInfo) -> tuple[float, float]:
    bm25 = (info.config.get("invertedIndexConfig") or {}).get("bm25") or {}
    return float(bm25.get("k1", 1.2)), float(bm25.get("b", 0.75))


def explain_term(term: str, freq: float, length: float) -> str:
    return f", BM25F_{term}_frequency:{_num(freq)}, BM25F_{term}_propLength:{_num(length)}"


def query_groups(info: ClassInfo, query: str, properties: list[str] | None, operator: str,
                 minimum_match: int) -> list[tuple[Group, Counter, int]]:
    """(group, query terms, how many terms an object must match) per tokenization, in property order."""
    props = searched_properties(info, properties)
    stop = stopwords(info.config.get("invertedIndexConfig"))
    groups: dict[str, Group] = {}
    for name, boost in props:
        method = info.properties[name].get("tokenization") or "word"
        groups.setdefault(method, Group(method, [])).props.append((name, boost))
    out = []
    for method, group in groups.items():
        terms = Counter(t for t in tokenize(query, method) if method != "word" or t not in stop)
        if terms:
            out.append((group, terms, len(terms) if operator == "And" else max(1, minimum_match)))
    return out


def uses_block_max(info: ClassInfo) -> bool:
    """Classes created with `usingBlockMaxWAND` (Weaviate's default for new classes) score each property on its
    own; older ones (the flag absent or false) score BM25F across the properties."""
    return bool((info.config.get("invertedIndexConfig") or {}).get("usingBlockMaxWAND"))


def term_idfs(terms: Counter, total: int, df_props: list[dict[str, int]], df_any: dict[str, int], block: bool
              ) -> dict[str, float]:
    """idf per query term. BM25F: n = the objects holding the term in any searched property. BlockMax WAND: n = the
    mean (integer division, as Weaviate's uint64s) of the per-property counts where it occurs, and a term repeated
    in the query multiplies its idf."""
    out = {}
    for term, repeats in terms.items():
        if block:
            counts = [df[term] for df in df_props if df.get(term)]
            if counts:
                n = sum(counts) // len(counts)
                out[term] = math.log(1 + (total - n + 0.5) / (n + 0.5)) * repeats
        elif df_any.get(term):
            n = df_any[term]
            out[term] = math.log(1 + (total - n + 0.5) / (n + 0.5))
    return out


def score_doc(doc: list[tuple[Counter, int]], boosts: list[float], terms: Counter, idf: dict[str, float],
              need: int, params: tuple[float, float, float], block: bool) -> tuple[float, list[str]] | None:
    """One object's score over one tokenization group; None when it matches too few terms. `doc` holds its
    (token counts, length) per searched property, `params` is (k1, b, average length)."""
    k1, b, avg = params
    score, explain = 0.0, []
    if block:  # each property scored alone, times its boost; a property must match `need` terms by itself
        scored = False
        for (counts, length), boost in zip(doc, boosts, strict=True):
            present = [t for t in terms if counts[t]]
            if not present or len(present) < need:
                continue
            scored = True
            for term in present:
                freq = counts[term]
                score += idf[term] * (freq / (freq + k1 * (1 - b + b * length / avg))) * boost
                explain.append(explain_term(term, freq, length))
        return (score, explain) if scored else None
    matched = 0  # BM25F: boosts multiply term frequencies, lengths of the properties holding the term add up
    for term, repeats in terms.items():
        freq = sum(boost * d[0][term] for d, boost in zip(doc, boosts, strict=True))
        if not freq:
            continue
        length = sum(d[1] for d in doc if d[0][term])
        matched += 1
        score += repeats * idf[term] * freq / (freq + k1 * (1 - b + b * length / avg))
        explain.append(explain_term(term, freq, length))
    return (score, explain) if matched >= need else None


def _group_scores(info: ClassInfo, records: list[ObjectRecord], props: list[tuple[str, float]], terms: Counter,
                  total: int, need: int) -> dict[str, tuple[float, list[str]]]:
    k1, b = bm25_parameters(info)
    docs = []  # per record: [(Counter of tokens, length) per searched property]
    for record in records:
        docs.append([_counted(record.properties.get(name), info, name) for name, _ in props])
    means = []
    for i in range(len(props)):
        lengths = [d[i][1] for d in docs if d[i][1]]
        if lengths:
            means.append(sum(lengths) / len(lengths))
    avg = sum(means) / len(means) if means else DEFAULT_AVG_LENGTH
    df_props = [{t: sum(1 for d in docs if d[i][0][t]) for t in terms} for i in range(len(props))]
    df_any = {t: sum(1 for d in docs if any(p[0][t] for p in d)) for t in terms}
    block = uses_block_max(info)
    idf = term_idfs(terms, total, df_props, df_any, block)
    boosts = [boost for _, boost in props]
    out: dict[str, tuple[float, list[str]]] = {}
    for record, doc in zip(records, docs, strict=True):
        found = score_doc(doc, boosts, terms, idf, need, (k1, b, avg), block)
        if found is not None:
            out[record.uuid] = found
    return out


def _counted(value: Any, info: ClassInfo, prop: str) -> tuple[Counter, int]:
    tokens = tokenize_value(value, info.properties[prop].get("tokenization") or "word")
    return Counter(tokens), len(tokens)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def bm25_search(info: ClassInfo, records: list[ObjectRecord], total: int, query: str,
                properties: list[str] | None = None, operator: str = "Or", minimum_match: int = 1) -> list[Scored]:
    """Score `records` (already filtered) against `query`; best first, ties by uuid. `total` is N, the number of
    objects in the class."""
    combined: dict[str, tuple[float, list[str]]] = {}
    for group, terms, need in query_groups(info, query, properties, operator, minimum_match):
        for uid, (score, explain) in _group_scores(info, records, group.props, terms, total, need).items():
            before = combined.get(uid, (0.0, []))
            combined[uid] = (before[0] + score, before[1] + explain)
    by_id = {r.uuid: r for r in records}
    ranked = sorted(combined.items(), key=lambda item: (-item[1][0], item[0]))
    return [Scored(by_id[uid], score, "".join(explain)) for uid, (score, explain) in ranked]
