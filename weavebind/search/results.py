"""What a Get returns to a front end: hits with their scores, optionally grouped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from weavebind.schema.models import ClassInfo
from weavebind.search import filtered
from weavebind.search.context import SearchContext
from weavebind.search.filters import Clause
from weavebind.storage.records import ObjectRecord


@dataclass
class Hit:
    record: ObjectRecord
    distance: float | None = None   # vector searches
    score: float | None = None      # bm25 / hybrid
    explain: str | None = None


@dataclass
class Group:
    id: int
    path: list[str]
    value: str
    min_distance: float
    max_distance: float
    hits: list[Hit] = field(default_factory=list)


@dataclass
class GetResult:
    hits: list[Hit]
    groups: list[Group] | None = None


def matching_records(ctx: SearchContext, info: ClassInfo, clause: Clause | None) -> list[ObjectRecord]:
    """Every object of the class that passes the filter, in uuid order (without vectors)."""
    if clause is None:
        return list(ctx.store.iter_class(info.key))
    return filtered.matching_records(ctx.store, info, clause)


def fetch(ctx: SearchContext, info: ClassInfo, uuids: Sequence[str], with_vectors: bool) -> dict[str, ObjectRecord]:
    if not uuids:
        return {}
    return {r.uuid: r for r in ctx.store.get_many(info.key, list(uuids), with_vectors=with_vectors)}


def with_vectors_of(ctx: SearchContext, info: ClassInfo, records: list[ObjectRecord]) -> list[ObjectRecord]:
    """The same records, re-read with their vectors (a filtered scan reads objects without them)."""
    found = fetch(ctx, info, [r.uuid for r in records], True)
    return [found.get(r.uuid, r) for r in records]
