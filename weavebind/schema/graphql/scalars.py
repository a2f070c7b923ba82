"""Custom scalars and the conversions between Strawberry values and plain Python data."""

from __future__ import annotations

import dataclasses
import enum
from typing import Any, NewType

import numpy as np
import strawberry
from graphql import ListValueNode, ObjectValueNode, ValueNode, value_from_ast_untyped
from strawberry.types.unset import UNSET

# Weaviate's nearVector `vector` scalar: a list of numbers (or of lists, for multi-vectors).
Vector = NewType("Vector", object)
# The where filter's value fields take a scalar or a list (Contains*), checked by the filter parser.
WhereValue = NewType("WhereValue", object)
# targets.weights and vectorPerTarget: maps from target vector name to a number / vector.
JSONMap = NewType("JSONMap", object)


class BadLiteral(ValueError):
    """A literal of the wrong shape for one of our scalars: the client's mistake, reported by graphql-core as
    "Expected value of type ..., but encountered error ..." (execute.py must not call it an internal error)."""


def _literal(node: ValueNode, variables: dict[str, Any] | None = None) -> Any:
    return value_from_ast_untyped(node, variables)


def _parse_map(node: ValueNode, variables: dict[str, Any] | None = None) -> Any:
    if not isinstance(node, ObjectValueNode):
        raise BadLiteral("expected an object")
    return value_from_ast_untyped(node, variables)


def _parse_vector(node: ValueNode, variables: dict[str, Any] | None = None) -> Any:
    if not isinstance(node, ListValueNode):
        raise BadLiteral("expected a list of numbers")
    return value_from_ast_untyped(node, variables)


def _map_value(value: Any) -> Any:
    if not isinstance(value, dict):
        raise BadLiteral("expected an object")
    return value


def _vector_value(value: Any) -> Any:
    if not isinstance(value, list):
        raise BadLiteral("expected a list of numbers")
    return value


# parse_value checks variables ($v) as parse_literal checks literals: the same shapes, the same client errors.
SCALARS = {
    Vector: strawberry.scalar(name="Vector", description="A vector: a list of numbers",
                              parse_value=_vector_value, parse_literal=_parse_vector),
    WhereValue: strawberry.scalar(name="WhereValue", description="A value (or list of values) of a where filter",
                                  parse_value=lambda v: v, parse_literal=_literal),
    JSONMap: strawberry.scalar(name="JSONMap", description="An object, e.g. target vector name → weight",
                               parse_value=_map_value, parse_literal=_parse_map),
}


_NUMBERS = frozenset((int, float))


def plain(value: Any) -> Any:
    """A Strawberry input value as plain data: input objects → dicts without unset fields, enums → values."""
    if value is UNSET:
        return None
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple):
        if set(map(type, value)) <= _NUMBERS:  # a query vector: 512 numbers need no per-item recursion
            return list(value)
        return [plain(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)
                if getattr(value, f.name) is not UNSET}
    return value


def f32(value: float | None) -> float | None:
    """A float32 as the Python float with the same shortest digits, so the JSON shows `0.07152367` as Weaviate
    does and not the float64 expansion `0.07152366638183594`."""
    return None if value is None else float(str(np.float32(value)))


def f32_list(vector: np.ndarray | None) -> list[float] | None:
    if vector is None:
        return None
    return [float(x) for x in np.asarray(vector, dtype=np.float32).astype(str)]
