"""`where` on cross-reference paths: `["hasAuthor", "Author", "name"]` (any depth) holds for an object when one
of the objects its `hasAuthor` beacons point to, of class Author, passes the rest of the path's filter, which is
how Weaviate's inverted index answers it (the inner filter on the target class, then the sources that reference
one of its matches).

Evaluation is in two steps so a query never reads targets object by object: `scan_matching` first resolves each
`RefClause` to the set of matching target uuids with one filtered scan of the target class (recursively, for
deeper paths), and only then scans the source class, where a reference test is a set lookup per beacon.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from weavebind.search.filters_eval import AndClause, Clause, FilterableObject, NotClause, OrClause
from weavebind.search.query_vectors import BEACON
from weavebind.storage.prefilter import AnyOf, Mentions, Prefilter
from weavebind.storage.records import ObjectRecord, storage_key

# Up to this many matching targets, SQL keeps only the source rows whose JSON mentions one of their uuids (a LIKE
# each); beyond it the LIKEs cost more than decoding every row.
MAX_MENTIONS = 32


@dataclass(frozen=True)
class RefClause(Clause):
    """Holds when one beacon of `prop` points to a `target` object in `matching` (filled by `resolve_refs`)."""

    prop: str
    target: str
    inner: Clause
    matching: frozenset[str] | None = None

    def matches(self, obj: FilterableObject) -> bool:
        if self.matching is None:
            raise RuntimeError("a reference filter must be resolved (filters_refs.resolve_refs) before use")
        value = obj.properties.get(self.prop) if isinstance(obj.properties, dict) else None
        for item in value if isinstance(value, list) else ():
            match = BEACON.match(item.get("beacon") or "") if isinstance(item, dict) else None
            # a legacy beacon without a class may point to the target class (its property decides)
            if match and match["cls"] in (None, self.target) and match["id"].lower() in self.matching:
                return True
        return False

    def prefilter(self) -> Prefilter | None:
        if self.matching is None or len(self.matching) > MAX_MENTIONS:
            return None
        return AnyOf(tuple(Mentions(uid) for uid in sorted(self.matching)))


def resolve_refs(clause: Clause, matching_uuids: Callable[[str, Clause], Iterable[str]]) -> Clause:
    """The same clause with every RefClause's target matches filled in by `matching_uuids(class, inner)`."""
    if isinstance(clause, RefClause):
        if clause.matching is not None:
            return clause
        return replace(clause, matching=frozenset(matching_uuids(clause.target, clause.inner)))
    if isinstance(clause, AndClause | OrClause):
        operands = tuple(resolve_refs(c, matching_uuids) for c in clause.operands)
        return type(clause)(operands)
    if isinstance(clause, NotClause):
        return NotClause(resolve_refs(clause.operand, matching_uuids))
    return clause


def scan_matching(store: Any, class_name: str, clause: Clause, tenant: str | None = None) -> Iterator[ObjectRecord]:
    """Every object of the class (its storage key: class, or class and tenant) without vectors, in uuid order, that
    passes `clause`, reference paths included: one scan per class on the path. From a tenant's objects a path
    leads into the same tenant of a multi-tenant class, or into a class without tenants."""
    def targets(target: str, inner: Clause) -> list[str]:
        keys = [storage_key(target, tenant), target] if tenant else [target]
        return [r.uuid for key in keys for r in scan_matching(store, key, inner, tenant)]
    clause = resolve_refs(clause, targets)
    for record in store.iter_class(class_name, clause.prefilter()):
        if clause.matches(FilterableObject(record.uuid, record.properties, record.created_ms, record.updated_ms)):
            yield record
