"""A coarse SQL pre-filter for whole-class scans: `where` clauses that SQL can test on the stored JSON narrow the
rows read and decoded; the exact filter (search/filters.py) still decides every row that comes back.

The one rule: a pre-filter may keep rows the filter rejects, never drop a row it accepts. So only comparisons whose
SQL meaning contains the filter's are expressed (search/filters.py decides which), a part of an `And` that cannot
be expressed is left out (fewer conditions keep more rows), and an `Or` with such a part, or a `Not`, is no
pre-filter at all. A missing or null property makes every comparison NULL in SQL, and no pushed-down comparison
accepts it in the filter either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

COLUMNS = frozenset(("uuid", "created_ms", "updated_ms"))
OPERATORS = {"Equal": "=", "GreaterThan": ">", "GreaterThanEqual": ">=", "LessThan": "<", "LessThanEqual": "<="}


@dataclass(frozen=True)
class Compare:
    """`<stored value> <operator> value`: a scalar property of the JSON properties, or a column (COLUMNS)."""

    name: str
    operator: str   # a key of OPERATORS, or "Contains" (the stored text holds `value` as a substring)
    value: Any      # int, float, str or bool
    column: bool = False


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Prefilter, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Prefilter, ...]


@dataclass(frozen=True)
class Mentions:
    """The stored properties JSON contains `text` (ASCII letters compared without case): a reference filter's
    target uuid inside a beacon. `text` must hold no LIKE wildcard (`%`, `_`, `\\`)."""

    text: str


Prefilter = Compare | AllOf | AnyOf | Mentions


def render(prefilter: Prefilter, dialect: str, mark: str) -> tuple[str, list[Any]]:
    """SQL text and parameters for `dialect` ("sqlite" or "postgresql"), `mark` the driver's placeholder."""
    if isinstance(prefilter, Compare):
        return _compare(prefilter, dialect, mark)
    if isinstance(prefilter, Mentions):
        if any(ch in prefilter.text for ch in "%_\\"):
            raise ValueError(f"not a plain text to look for: {prefilter.text!r}")
        # SQLite's LIKE ignores ASCII case; PostgreSQL needs ILIKE for the same.
        like = "LIKE" if dialect == "sqlite" else "ILIKE"
        return f"properties {like} {mark}", [f"%{prefilter.text}%"]
    if not prefilter.parts:  # nothing can match an empty Or; an empty And holds
        return ("(1 = 0)" if isinstance(prefilter, AnyOf) else "(1 = 1)"), []
    rendered = [render(part, dialect, mark) for part in prefilter.parts]
    joiner = " AND " if isinstance(prefilter, AllOf) else " OR "
    return "(" + joiner.join(sql for sql, _ in rendered) + ")", [p for _, params in rendered for p in params]


def _contains(c: Compare, dialect: str, mark: str) -> tuple[str, list[Any]]:
    # The stored value as SQL text holds `c.value` as a substring (case-sensitive). A number or boolean is
    # compared through its text, which only keeps more rows; a missing property is NULL and is dropped.
    if dialect == "sqlite":
        return f"instr(json_extract(properties, {mark}), {mark}) > 0", [_json_path(c.name), c.value]
    return f"strpos(CAST(properties AS jsonb) ->> {mark}, {mark}) > 0", [c.name, c.value]


def _compare(c: Compare, dialect: str, mark: str) -> tuple[str, list[Any]]:
    if c.operator == "Contains":
        return _contains(c, dialect, mark)
    operator = OPERATORS[c.operator]
    if c.column:
        if c.name not in COLUMNS:
            raise ValueError(f"not a pre-filter column: {c.name}")
        return f"{c.name} {operator} {mark}", [c.value]
    if dialect == "sqlite":
        # json_extract gives SQL values: numbers, text, and 1/0 for JSON true/false.
        value = int(c.value) if isinstance(c.value, bool) else c.value
        return f"json_extract(properties, {mark}) {operator} {mark}", [_json_path(c.name), value]
    # PostgreSQL compares jsonb values: numbers numerically, strings exactly for equality, across types by a fixed
    # type order (so a badly typed stored value may be kept: the exact filter drops it).
    return f"(CAST(properties AS jsonb) -> {mark}) {operator} CAST({mark} AS jsonb)", [c.name, _json(c.value)]


def _json_path(name: str) -> str:
    escaped = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'$."{escaped}"'


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()
