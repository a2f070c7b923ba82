"""Query vectors and tenants out of the query text: `vector: [0.1, 0.2, ...]` literals become `$__wbN` variables,
`tenant: "alice"` literals `$__wbtN` ones.

graphql-core lexes, parses and validates a 512-number literal in Python, character by character and rule by rule
(about 9 ms a query, measured with bench/query_bench.py); the numbers themselves take orjson microseconds. With the
vectors lifted out, queries of one shape share one text, so Strawberry's parser and validation caches answer them.
A document this module cannot rewrite with certainty (several operations, fragments, lists that are not plain JSON
numbers) is left as it is: lifting is an optimisation, never a change of meaning. Tenants are lifted for the same
reason: an application with thousands of tenants sends one query shape, and without lifting every tenant would be a
text of its own, past the caches' sizes.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import orjson

from weavebind.schema.graphql.scan import brackets

MIN_NUMBERS = 8          # shorter lists cost nothing to parse
PREFIX = "__wb"          # variable names no client uses
_VECTOR = re.compile(r"\bvector(\s*:\s*)\[([-+0-9.eE,\s]*)\]")
_TENANT = re.compile(r'\btenant(\s*:\s*)"([A-Za-z0-9_-]{1,64})"')
_HEADER = re.compile(r"\s*(?:query\b\s*(?:[_A-Za-z][_0-9A-Za-z]*)?\s*)?(?:\(([^()\"]*)\))?\s*\{")
_OTHER_KEYWORDS = ("fragment", "mutation", "subscription")
_OTHER_DEFINITIONS = re.compile(r"\b(?:fragment|mutation|subscription)\b")


def lift_vectors(query: str, variables: dict[str, Any] | None) -> tuple[str, dict[str, Any]] | None:
    """The rewritten query and its variables, or None when there is nothing (safe) to lift."""
    if _other_definitions(query) or "\\" in query or '"""' in query:
        return None  # escapes and block strings would defeat the quote count that keeps strings untouched
    lifted: dict[str, Any] = {}
    types: list[tuple[str, str]] = []
    found = sorted([("vector", m) for m in _VECTOR.finditer(query)] + [("tenant", m) for m in _TENANT.finditer(query)],
                   key=lambda item: item[1].start())
    parts: list[str] = []
    last = 0
    for kind, match in found:
        value: Any = _numbers(match.group(2)) if kind == "vector" else match.group(2)
        if value is None or query.count('"', 0, match.start()) % 2:  # not JSON numbers, or inside a string
            continue
        name = f"{PREFIX}{len(lifted)}" if kind == "vector" else f"{PREFIX}t{len(lifted)}"
        lifted[name] = value
        types.append((name, "Vector!" if kind == "vector" else "String"))
        parts += [query[last:match.start()], kind, match.group(1), "$", name]
        last = match.end()
    if not lifted:
        return None
    short = "".join(parts) + query[last:]
    rewritten = _declare(short, tuple(types))
    if rewritten is None:
        return None
    return rewritten, {**(variables or {}), **lifted}


def _other_definitions(query: str) -> bool:
    # The plain substring test is C-fast; the regex alone scans a 512-number query in ~0.1 ms (alternation and
    # word boundaries are tried at every position), so it only confirms a hit.
    return any(word in query for word in _OTHER_KEYWORDS) and _OTHER_DEFINITIONS.search(query) is not None


def _numbers(text: str) -> list[float] | None:
    if text.count(",") + 1 < MIN_NUMBERS:
        return None
    try:
        values = orjson.loads(f"[{text}]")
    except orjson.JSONDecodeError:  # GraphQL allows commas to be left out; JSON does not
        return None
    return values if set(map(type, values)) <= {int, float} else None


@functools.lru_cache(maxsize=256)
def _declare(query: str, names: tuple[tuple[str, str], ...]) -> str | None:
    """Declare the variables on the document's one operation; None unless the document is exactly one operation.
    Cached: every query of one shape has the same text once its vectors are lifted out."""
    header = _HEADER.match(query)
    if header is None or not _one_block(query, header.end() - 1):
        return None
    declarations = ", ".join(f"${name}: {type_}" for name, type_ in names)
    existing = header.group(1)
    if existing is not None and existing.strip():
        declarations = f"{existing.strip()}, {declarations}"
    return f"query ({declarations}) {{{query[header.end():]}"


def _one_block(query: str, start: int) -> bool:
    """True when the `{` at `start` closes at the end of the document (the lifted text is short: cheap to scan)."""
    for index, _, depth in brackets(query, start):
        if depth == 0:
            return all(not line.strip() or line.lstrip().startswith("#")
                       for line in query[index + 1:].splitlines())
    return False
