"""Compiled plans for plain `Get` queries: the same search and rows as the resolvers, without graphql-core's
per-field execution machinery (about a third of a `nearVector` query's server time, bench/query_bench.py).

A plan is compiled from a request that graphql-core has just executed without errors, and is reused for later
requests with the same query text (query vectors lifted into `$__wbN` variables, lift.py), so everything that does
not depend on the vectors (parsing, validation, argument coercion) is already known to be right. Only one shape
qualifies: `{ Get { Class(literal args) { scalar properties  _additional { scalar fields } } } }`, no fragments,
directives, cross-references, groups or variables of the client's own. A plan answers exactly what graphql-core
would: leaves go through the same scalar `serialize` functions, and any exception makes the caller fall back to
the full path, which produces the error Weaviate's way.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    parse,
)

from weavebind.schema.graphql.resolvers import INDEX_ONLY, RequestContext, resolve_get
from weavebind.search.context import SearchContext
from weavebind.search.inline import small_vector_search

# `_additional` fields a plan can answer: plain values computed from the hit (rows.Additional).
ADDITIONAL = frozenset(("id", "distance", "certainty", "score", "explainScore", "vector", "creationTimeUnix",
                        "lastUpdateTimeUnix", "isConsistent"))
MAX_PLANS = 512
# Longer texts get no plan (nor cached parsing, see builder.py): they carry media and rarely repeat.
MAX_CACHED_TEXT = 64 * 1024
# Arguments a plan may have to run on the event loop (search/inline.py says why and decides the rest).
ON_LOOP_ARGUMENTS = frozenset(("nearVector", "limit", "offset", "autocut", "tenant"))
ON_LOOP_NEAR_VECTOR = frozenset(("vector", "distance", "certainty", "targetVectors"))
Serialize = Callable[[Any], Any]


@dataclass(frozen=True)
class Leaf:
    key: str               # response key (the alias, or the field name)
    name: str              # field name
    serialize: Serialize
    is_list: bool

    def value(self, raw: Any) -> Any:
        if raw is None:
            return None
        if self.is_list:
            return [None if item is None else self.serialize(item) for item in raw]
        return self.serialize(raw)


@dataclass(frozen=True)
class GetPlan:
    get_key: str
    class_key: str
    class_name: str
    arguments: dict[str, Any]                      # the coerced arguments, vector slots left None
    slots: tuple[tuple[tuple[str, ...], str], ...]  # (path into `arguments`, variable name)
    additional_names: frozenset[str]
    properties: tuple[Leaf, ...]
    additional_key: str | None
    additional: tuple[Leaf, ...]

    def cheap(self, ctx: SearchContext, variables: dict[str, Any] | None = None) -> bool:
        """Whether this plan may run on the event loop (search/inline.py), for the request's `variables`."""
        args = self.arguments
        if not (args.keys() <= ON_LOOP_ARGUMENTS and isinstance(args.get("nearVector"), dict)
                and args["nearVector"].keys() <= ON_LOOP_NEAR_VECTOR and isinstance(args.get("limit"), int)
                and len(args["nearVector"].get("targetVectors") or ()) <= 1):
            return False
        reads = bool(self.properties) or not self.additional_names <= INDEX_ONLY
        tenant = next((variables[name] for path, name in self.slots if path == ("tenant",)), None) \
            if variables else None
        return small_vector_search(ctx, self.class_name, args["limit"] + (args.get("offset") or 0), reads,
                                   tenant or args.get("tenant"))

    def execute(self, context: RequestContext, variables: dict[str, Any]) -> dict[str, Any]:
        args = _copy(self.arguments)
        for path, name in self.slots:
            _place(args, path, _slot_value(variables[name]))
        rows = resolve_get(context.search, self.class_name, args, set(self.additional_names),
                           properties=bool(self.properties))
        return {"data": {self.get_key: {self.class_key: [self._row(row) for row in rows]}}}

    def _row(self, row: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for leaf in self.properties:
            out[leaf.key] = leaf.value(row.get(leaf.name))
        if self.additional_key is not None:
            extra = row["_additional"]
            out[self.additional_key] = {leaf.key: leaf.value(extra.field(leaf.name)) for leaf in self.additional}
        return out


class PlanCache:
    """Plans by query text; None remembers a text that has no plan. Least recently used texts make room for new
    ones, so a stream of one-off texts (each nearText concept is its own text) cannot crowd out the shapes that
    recur."""

    def __init__(self) -> None:
        self._plans: OrderedDict[str, GetPlan | None] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, text: str) -> bool:
        return text in self._plans

    def get(self, text: str) -> GetPlan | None:
        plan = self._plans.get(text)
        if plan is not None:
            with self._lock:
                if text in self._plans:
                    self._plans.move_to_end(text)
        return plan

    def put(self, text: str, plan: GetPlan | None) -> None:
        with self._lock:
            self._plans[text] = plan
            self._plans.move_to_end(text)
            while len(self._plans) > MAX_PLANS:
                self._plans.popitem(last=False)


def compile_plan(schema: Any, text: str, variables: dict[str, Any], captured: list) -> GetPlan | None:
    """A plan for `text`, or None when it is not the plain shape. `captured` holds what the Get resolver saw
    when graphql-core ran this text: [(class name, plain arguments, `_additional` names)]."""
    if len(captured) != 1:
        return None
    class_name, arguments, additional_names = captured[0]
    document = parse(text, no_location=True)
    if len(document.definitions) != 1:
        return None
    operation = document.definitions[0]
    if not isinstance(operation, OperationDefinitionNode) or operation.operation != OperationType.QUERY \
            or operation.directives:
        return None
    if {d.variable.name.value for d in operation.variable_definitions or ()} != set(variables):
        return None
    get_node = _only_field(operation.selection_set)
    class_node = _only_field(get_node.selection_set) if get_node is not None and not get_node.arguments else None
    if class_node is None or get_node.name.value != "Get" or class_node.name.value != class_name:
        return None
    slots = _slots(class_node, arguments, variables)
    object_type = _list_of_object(schema._schema.query_type.fields["Get"].type, class_name)
    if slots is None or object_type is None:
        return None
    return _with_selection(GetPlan(
        get_key=_key(get_node), class_key=_key(class_node), class_name=class_name, arguments=arguments, slots=slots,
        additional_names=frozenset(additional_names), properties=(), additional_key=None, additional=()),
        class_node.selection_set, object_type)


def _with_selection(plan: GetPlan, selection: SelectionSetNode, object_type: GraphQLObjectType) -> GetPlan | None:
    properties, additional_key, additional = [], None, ()
    for node in _fields(selection):
        if node is None or node.name.value not in object_type.fields:
            return None
        if node.name.value == "_additional":
            extra_type = _nullable(object_type.fields["_additional"].type)
            additional = _leaves(node.selection_set, extra_type, ADDITIONAL)
            if additional is None or not isinstance(extra_type, GraphQLObjectType):
                return None
            additional_key = _key(node)
            continue
        leaf = _leaf(node, object_type)
        if leaf is None:
            return None
        properties.append(leaf)
    keys = [leaf.key for leaf in properties] + ([additional_key] if additional_key else [])
    if len(set(keys)) != len(keys):
        return None  # graphql-core merges repeated response keys; not worth reproducing here
    return GetPlan(**{**plan.__dict__, "properties": tuple(properties), "additional_key": additional_key,
                      "additional": tuple(additional)})


def _leaves(selection: SelectionSetNode | None, owner: Any, allowed: frozenset[str]) -> list[Leaf] | None:
    if selection is None or not isinstance(owner, GraphQLObjectType):
        return None
    leaves = []
    for node in _fields(selection):
        leaf = _leaf(node, owner) if node is not None and node.name.value in allowed else None
        if leaf is None:
            return None
        leaves.append(leaf)
    keys = [leaf.key for leaf in leaves]
    return leaves if len(set(keys)) == len(keys) else None


def _leaf(node: FieldNode, owner: GraphQLObjectType) -> Leaf | None:
    definition = owner.fields.get(node.name.value)
    if definition is None or node.arguments or node.selection_set is not None:
        return None
    field_type = _nullable(definition.type)
    is_list = isinstance(field_type, GraphQLList)
    if is_list:
        field_type = _nullable(field_type.of_type)
    if not isinstance(field_type, GraphQLScalarType):
        return None
    return Leaf(_key(node), node.name.value, field_type.serialize, is_list)


def _fields(selection: SelectionSetNode) -> list[FieldNode | None]:
    """The selection's fields; None in place of a fragment or a field with directives (no plan then)."""
    return [s if isinstance(s, FieldNode) and not s.directives else None for s in selection.selections]


def _only_field(selection: SelectionSetNode | None) -> FieldNode | None:
    if selection is None or len(selection.selections) != 1:
        return None
    return _fields(selection)[0]


def _key(node: FieldNode) -> str:
    return node.alias.value if node.alias is not None else node.name.value


def _nullable(graphql_type: Any) -> Any:
    return graphql_type.of_type if isinstance(graphql_type, GraphQLNonNull) else graphql_type


def _list_of_object(get_type: Any, class_name: str) -> GraphQLObjectType | None:
    field_type = _nullable(_nullable(get_type).fields[class_name].type)
    if not isinstance(field_type, GraphQLList):
        return None
    item = _nullable(field_type.of_type)
    return item if isinstance(item, GraphQLObjectType) else None


def _slots(node: FieldNode, arguments: dict[str, Any], variables: dict[str, Any]
           ) -> tuple[tuple[tuple[str, ...], str], ...] | None:
    """Where each variable sits in the arguments; None unless every one sits under object fields only and the
    captured arguments hold exactly its value there (which also proves the names line up)."""
    slots: list[tuple[tuple[str, ...], str]] = []
    pending = [((a.name.value,), a.value) for a in node.arguments or ()]
    while pending:
        path, value = pending.pop()
        if isinstance(value, VariableNode):
            slots.append((path, value.name.value))
        elif isinstance(value, ObjectValueNode):
            pending += [((*path, f.name.value), f.value) for f in value.fields]
        elif _has_variable(value):
            return None  # a variable inside a list: not a shape plans handle
    for path, name in slots:
        if name not in variables or _take(arguments, path) != _slot_value(variables[name]):
            return None
    if len(slots) != len(variables):
        return None
    for path, _ in slots:
        _place(arguments, path, None)
    return tuple(slots)


def _slot_value(value: Any) -> Any:
    """A variable's value as the arguments hold it: a fresh list for a vector, the string for a tenant."""
    return value if isinstance(value, str) else list(value)


def _has_variable(value: Any) -> bool:
    if isinstance(value, VariableNode):
        return True
    children = getattr(value, "values", None) or [f.value for f in getattr(value, "fields", None) or ()]
    return any(_has_variable(child) for child in children)


def _take(arguments: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = arguments
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _place(arguments: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        arguments = arguments[key]
    arguments[path[-1]] = value


def _copy(value: Any) -> Any:
    """A fresh copy of the argument structure: the search code may normalise the dicts it is given."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value
