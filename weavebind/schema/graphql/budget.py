"""The work one GraphQL request may ask for: how many searches (`Get` / `Aggregate` class fields, `Explore`), and
how many results all of them together, checked on the parsed and validated document before anything runs.

Aliases make a single request as expensive as thousands (`a1: V(...) a2: V(...) ...`); each search alone is
already bounded by QUERY_MAXIMUM_RESULTS (search/limits.py), so the request as a whole needs a bound of its own:
WEAVEBIND_GRAPHQL_MAX_SEARCHES and WEAVEBIND_GRAPHQL_MAX_RESULTS. A compiled plan (fastpath.py) is one search
whose limit is part of its query text, and plans are only compiled from answers without errors, so a refused text
never gets one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Undefined,
    value_from_ast_untyped,
)
from strawberry.extensions import SchemaExtension

from weavebind.search.limits import EXPLORE_DEFAULT_LIMIT

SEARCH_ROOTS = frozenset(("Get", "Aggregate"))


@dataclass
class Cost:
    searches: int = 0
    results: int = 0  # limit + offset (objectLimit for Aggregate), defaults where absent, summed


def _fields(selection: SelectionSetNode | None, fragments: dict[str, FragmentDefinitionNode],
            seen: frozenset[str] = frozenset()) -> Iterator[FieldNode]:
    """The fields of a selection set, fragments spread (validation has refused fragment cycles; `seen` is a
    second guard)."""
    for node in selection.selections if selection is not None else ():
        if isinstance(node, FieldNode):
            yield node
        elif isinstance(node, InlineFragmentNode):
            yield from _fields(node.selection_set, fragments, seen)
        elif isinstance(node, FragmentSpreadNode) and node.name.value not in seen:
            fragment = fragments.get(node.name.value)
            if fragment is not None:
                yield from _fields(fragment.selection_set, fragments, seen | {node.name.value})


def _argument(node: FieldNode, name: str, variables: dict[str, Any]) -> Any:
    """An argument's value: plain data for literals and variables alike; None when absent."""
    for argument in node.arguments or ():
        if argument.name.value == name:
            value = value_from_ast_untyped(argument.value, variables)
            return None if value is Undefined else value
    return None


def _int_argument(node: FieldNode, name: str, variables: dict[str, Any]) -> int | None:
    value = _argument(node, name, variables)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _threshold(node: FieldNode, variables: dict[str, Any]) -> bool:
    """Whether a near* argument carries a certainty or distance: without a limit, such a search returns everything
    within the threshold, up to QUERY_MAXIMUM_RESULTS."""
    for argument in node.arguments or ():
        if argument.name.value.startswith("near"):
            value = value_from_ast_untyped(argument.value, variables)
            if isinstance(value, dict) and (value.get("certainty") or value.get("distance") is not None):
                return True
    return False


def _results(node: FieldNode, root: str, variables: dict[str, Any], settings: Any) -> int:
    """What one search may return, as its own limits compute it (search/limits.py; negative values count as
    absent)."""
    if root == "Aggregate":
        return max(_int_argument(node, "objectLimit", variables) or 0, 0)
    limit = _int_argument(node, "limit", variables)
    offset = max(_int_argument(node, "offset", variables) or 0, 0)
    if limit is not None and limit >= 0:
        return limit + offset
    if root == "Explore":
        return EXPLORE_DEFAULT_LIMIT + offset
    if _threshold(node, variables):
        return max(settings.query_maximum_results, offset)
    if _argument(node, "offset", variables) is None and _argument(node, "autocut", variables) is None:
        return settings.query_defaults_limit_graphql + offset
    return settings.query_defaults_limit + offset


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name is not None and o.name.value == name), None)


def request_cost(document: DocumentNode, operation_name: str | None, variables: dict[str, Any] | None,
                 settings: Any) -> Cost:
    cost = Cost()
    operation = _operation(document, operation_name)
    if operation is None:
        return cost  # graphql-core refuses it with its own message
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    for root in _fields(operation.selection_set, fragments):
        name = root.name.value
        searches = [root] if name == "Explore" else \
            [f for f in _fields(root.selection_set, fragments) if not f.name.value.startswith("__")] \
            if name in SEARCH_ROOTS else []
        for search in searches:
            cost.searches += 1
            cost.results += _results(search, name, variables or {}, settings)
    return cost


def check_budget(document: DocumentNode, operation_name: str | None, variables: dict[str, Any] | None,
                 settings: Any) -> None:
    """Raise a GraphQLError naming the setting when the request asks for more than one request may."""
    cost = request_cost(document, operation_name, variables, settings)
    most = settings.weavebind_graphql_max_searches
    if cost.searches > most:
        raise GraphQLError(f"the query asks for {cost.searches} searches (Get, Aggregate and Explore fields, "
                           f"aliases included); at most {most} are allowed in one request "
                           "(WEAVEBIND_GRAPHQL_MAX_SEARCHES)")
    most = settings.weavebind_graphql_max_results
    if cost.results > most:
        raise GraphQLError(f"the query's searches ask for {cost.results} results in total (limit + offset, or "
                           f"objectLimit, summed over its searches); at most {most} are allowed in one request "
                           "(WEAVEBIND_GRAPHQL_MAX_RESULTS)")


class SearchBudget(SchemaExtension):
    """Runs `check_budget` on the parsed document before validation (which costs as much as parsing on a query of
    thousands of aliases) and execution; its GraphQLError becomes the answer's only error, and no resolver runs."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None and context.context is not None:
            check_budget(context.graphql_document, context.operation_name, context.variables,
                         context.context.search.settings)
        yield
