"""Resolvers: GraphQL arguments → `weavebind.search` queries → rows. No query semantics live here."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import strawberry
from strawberry.types.nodes import SelectedField

from weavebind.schema.graphql.arguments import TS_CLIENT_ALIASES
from weavebind.schema.graphql.rows import AggregateRow, explore_row, grouped_rows, object_row, top_occurrences
from weavebind.schema.graphql.scalars import plain
from weavebind.search.aggregate import AggregateQuery, run_aggregate
from weavebind.search.context import SearchContext
from weavebind.search.explore import run_explore
from weavebind.search.get import run_get
from weavebind.search.params import GetQuery, GroupBy, NearQuery, parse_bm25, parse_hybrid, parse_near
from weavebind.search.references import referenced_records
from weavebind.vectorizers.base import MODALITIES

# `_additional` fields a vector search can answer from its index alone (GetQuery.ids_only).
INDEX_ONLY = frozenset(("id", "distance", "certainty"))
NEAR_ARGUMENTS = ("nearVector", "nearObject", *(m.argument for m in MODALITIES))
ALIAS_TO_ARGUMENT = {alias: name for name, alias in TS_CLIENT_ALIASES.items()}


@dataclass
class RequestContext:
    """`info.context` of one GraphQL request."""

    search: SearchContext
    # Set to a list by execute.run_prepared when it wants to compile a plan (fastpath.py) from this request: the Get
    # resolver then records (class name, plain arguments, `_additional` names) here.
    captured: list | None = field(default=None)

    def references(self, value: Any, tenant: str | None = None) -> list[dict[str, Any]]:
        """Rows of the objects a cross-reference property points to, in its order; dangling ones left out."""
        return [object_row(record) for record in referenced_records(self.search.store, value, tenant=tenant)]


def _plain_args(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in ((k, plain(v)) for k, v in kwargs.items()) if v is not None}


def _names_under(selections: Iterable, inside: bool = False) -> set[str]:
    """Field names selected under `_additional` (at any depth, through fragments)."""
    names: set[str] = set()
    for selection in selections:
        if isinstance(selection, SelectedField):
            if inside:
                names.add(selection.name)
            names |= _names_under(selection.selections, inside or selection.name == "_additional")
        else:
            names |= _names_under(selection.selections, inside)
    return names


def _nears(args: dict[str, Any]) -> list[NearQuery]:
    for alias, name in ALIAS_TO_ARGUMENT.items():
        if alias in args:
            args.setdefault(name, args.pop(alias))
    return [parse_near(name, args[name]) for name in NEAR_ARGUMENTS if name in args]


def get_query(class_name: str, args: dict[str, Any], additional: set[str], properties: bool = True) -> GetQuery:
    """`properties`: whether any property (or anything but `_additional`) is selected."""
    group_by = args.get("groupBy")
    return GetQuery(
        class_name=class_name, tenant=args.get("tenant"), limit=args.get("limit"), offset=args.get("offset"),
        autocut=args.get("autocut"),
        after=args.get("after"), near=_nears(args), where=args.get("where"),
        bm25=parse_bm25(args["bm25"]) if "bm25" in args else None,
        hybrid=parse_hybrid(args["hybrid"]) if "hybrid" in args else None,
        sort=args.get("sort"), wants_certainty="certainty" in additional,
        ids_only=not properties and additional <= INDEX_ONLY,
        group_by=GroupBy(list(group_by["path"]), group_by["groups"], group_by["objectsPerGroup"])
        if group_by else None)


def resolve_get(ctx: SearchContext, class_name: str, args: dict[str, Any], additional: set[str],
                properties: bool) -> list[dict[str, Any]]:
    """Rows of one `Get { Class }`; shared by the resolver and compiled plans (fastpath.py)."""
    query = get_query(class_name, args, additional, properties)
    result = run_get(ctx, query, with_vectors=bool({"vector", "vectors"} & additional))
    if result.groups is not None:
        return grouped_rows(result.groups)
    return [object_row(hit.record, hit) for hit in result.hits]


def get_resolver(class_name: str) -> Callable:
    def resolve(root: Any, info: strawberry.Info, **kwargs: Any) -> list[dict[str, Any]]:
        additional = _names_under(info.selected_fields)
        args = _plain_args(kwargs)
        if info.context.captured is not None:
            info.context.captured.append((class_name, copy.deepcopy(args), frozenset(additional)))
        properties = any(not isinstance(s, SelectedField) or s.name != "_additional"
                         for f in info.selected_fields for s in f.selections)
        return resolve_get(info.context.search, class_name, args, additional, properties)
    return resolve


def explore_resolver(root: Any, info: strawberry.Info, **kwargs: Any) -> list[dict[str, Any]]:
    args = _plain_args(kwargs)
    selected = {s.name for f in info.selected_fields for s in f.selections if isinstance(s, SelectedField)}
    hits = run_explore(info.context.search, _nears(args), args.get("limit"), args.get("offset"),
                       wants_certainty="certainty" in selected)
    return [explore_row(hit) for hit in hits]


def _count_only(selected: Iterable) -> bool:
    """Whether an Aggregate selection asks for nothing but `meta { count }` (fragments count as more)."""
    for field_ in selected:
        for selection in field_.selections:
            if not isinstance(selection, SelectedField) or selection.name != "meta" or any(
                    not isinstance(s, SelectedField) or s.name != "count" for s in selection.selections):
                return False
    return True


def aggregate_resolver(class_name: str) -> Callable:
    def resolve(root: Any, info: strawberry.Info, **kwargs: Any) -> list[AggregateRow]:
        args = _plain_args(kwargs)
        query = AggregateQuery(class_name, tenant=args.get("tenant"), where=args.get("where"),
                               group_by=args.get("groupBy"),
                               limit=args.get("limit"), object_limit=args.get("objectLimit"), near=_nears(args),
                               hybrid=parse_hybrid(args["hybrid"]) if "hybrid" in args else None,
                               count_only=_count_only(info.selected_fields))
        return [AggregateRow(group) for group in run_aggregate(info.context.search, query)]
    return resolve


def ref_resolver(prop: str) -> Callable:
    def resolve(root: Any, info: strawberry.Info, **kwargs: Any) -> list[dict[str, Any]]:
        if not isinstance(root, dict):
            return []
        source = root.get("_additional")
        return info.context.references(root.get(prop), getattr(getattr(source, "record", None), "tenant", None))
    return resolve


def top_occurrences_resolver(root: Any, info: strawberry.Info, **kwargs: Any) -> list[dict[str, Any]]:
    limit = plain(kwargs.get("limit"))
    return top_occurrences(root, limit)
