"""Building Strawberry types at run time, one set per schema version.

Dynamic fields are named `f_<graphql name>` in Python (a property may be called `from` or `class`, which a
dataclass field cannot), and `default_resolver` reads them from the row dicts and objects the resolvers return.
Fields whose type refers to a type built later (cross-references, which may form cycles) are appended to the
type's definition once all types exist; Strawberry resolves field types lazily, when the schema is converted.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Sequence
from typing import Any

import strawberry
from strawberry.annotation import StrawberryAnnotation
from strawberry.types.arguments import StrawberryArgument
from strawberry.types.field import StrawberryField
from strawberry.types.fields.resolver import StrawberryResolver
from strawberry.types.unset import UNSET

PREFIX = "f_"


def default_resolver(source: Any, name: str) -> Any:
    key = name[len(PREFIX):] if name.startswith(PREFIX) else name
    if type(source) is dict:
        return source.get(key)
    lazy = getattr(source, "field", None)  # rows.LazyRow
    if lazy is not None:
        return lazy(key)
    return getattr(source, key, None)


def argument(name: str, annotation: Any, default: Any = None) -> StrawberryArgument:
    return StrawberryArgument(python_name=name, graphql_name=name, type_annotation=StrawberryAnnotation(annotation),
                              default=UNSET if default is None else default)


def field(name: str, annotation: Any, resolver: Callable | None = None,
          arguments: Sequence[StrawberryArgument] | None = None, description: str | None = None) -> StrawberryField:
    built = StrawberryField(python_name=PREFIX + name, graphql_name=name,
                            type_annotation=StrawberryAnnotation(annotation), description=description,
                            base_resolver=StrawberryResolver(resolver) if resolver else None)
    if resolver is not None or arguments is not None:
        built.arguments = list(arguments or ())  # never the resolver's own signature (`**kwargs`)
    return built


def object_type(name: str, fields: Sequence[StrawberryField], is_type_of: Callable | None = None,
                description: str | None = None) -> type:
    namespace = {f.python_name: f for f in fields}
    namespace["__annotations__"] = {f.python_name: Any for f in fields}
    cls = types.new_class(name, (), {}, lambda ns: ns.update(namespace))
    built = strawberry.type(cls, name=name, description=description)
    if is_type_of is not None:
        built.__strawberry_definition__.is_type_of = is_type_of
    return built


def add_field(cls: type, built: StrawberryField) -> None:
    """Attach a field after the type was created (see the module docstring)."""
    built.origin = cls
    cls.__strawberry_definition__.fields.append(built)
