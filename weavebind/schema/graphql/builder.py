"""The GraphQL schema for the current classes: `Get`, `Aggregate` and `Explore` (spec 1.2).

Built when first needed after a schema change (`SchemaHolder`), never per request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any, Optional

import strawberry
from strawberry.extensions import AddValidationRules, ParserCache, ValidationCache
from strawberry.extensions.query_depth_limiter import create_validator
from strawberry.schema.config import StrawberryConfig

from weavebind.schema.graphql.aggregate_types import AggregateShared, aggregate_type
from weavebind.schema.graphql.arguments import aggregate_arguments, explore_arguments, get_arguments
from weavebind.schema.graphql.budget import SearchBudget
from weavebind.schema.graphql.dynamic import default_resolver, field, object_type
from weavebind.schema.graphql.execute import WeaviateSchema
from weavebind.schema.graphql.fastpath import MAX_CACHED_TEXT
from weavebind.schema.graphql.resolvers import aggregate_resolver, explore_resolver, get_resolver, ref_resolver
from weavebind.schema.graphql.scalars import SCALARS
from weavebind.schema.graphql.types import Shared, add_references, build_class_types
from weavebind.schema.models import ClassInfo

# ruff: noqa: UP045

# Selection depth allowed: Get → Class → _additional → group → hits → refs... stays far below this; a deeper
# query is refused before it runs.
MAX_DEPTH = 32

Modalities = Callable[[ClassInfo], set[str]]


# One depth rule for every request: the validation cache keys on the rule classes, and QueryDepthLimiter would
# create a new rule class per request, so no validation would ever be served from the cache.
_DEPTH_RULE = create_validator(MAX_DEPTH, None)


def _depth_limiter() -> AddValidationRules:
    return AddValidationRules([_DEPTH_RULE])


# Longer query texts (fastpath.MAX_CACHED_TEXT) are parsed, validated and planned afresh each time instead of being
# cached: they carry media (nearImage's base64, long nearText) and rarely repeat, and 256 cached megabyte-sized
# documents would be a lot of memory for nothing. Query vectors are lifted out before this is measured (lift.py).

class TextParserCache(ParserCache):
    def on_parse(self) -> Iterator[None]:
        if len(self.execution_context.query or "") > MAX_CACHED_TEXT:
            yield  # Strawberry parses it itself
            return
        yield from super().on_parse()


class TextValidationCache(ValidationCache):
    def on_validate(self) -> Iterator[None]:
        if len(self.execution_context.query or "") > MAX_CACHED_TEXT:
            yield  # Strawberry validates it itself
            return
        yield from super().on_validate()


def _namespace(root: Any, info: strawberry.Info) -> dict:
    return {}  # `Get` and `Aggregate` only group the per-class fields


def build_schema(classes: list[ClassInfo], modalities: Modalities,
                 aliases: dict[str, str] | None = None) -> WeaviateSchema | None:
    """None when there are no classes (Weaviate then answers 422). `aliases` (alias → class) become `Get` and
    `Aggregate` fields of their own, answering for their class under the alias's name."""
    if not classes:
        return None
    by_name = {info.name: info for info in classes}
    named = [(info.name, info) for info in classes] + [
        (alias, by_name[target]) for alias, target in sorted((aliases or {}).items()) if target in by_name]
    shared, aggregate_shared = Shared(), AggregateShared()
    types = {info.name: build_class_types(info, shared) for info in classes}
    add_references(types, ref_resolver)
    offered = {info.name: modalities(info) for info in classes}
    get = object_type("GetObjectsObj", [
        field(name, Optional[list[Optional[types[info.name].object]]], resolver=get_resolver(info.name),
              arguments=get_arguments(offered[info.name], info.multi_tenant)) for name, info in named])
    summaries = {info.name: aggregate_type(info, aggregate_shared) for info in classes}
    aggregate = object_type("AggregateObjectsObj", [
        field(name, Optional[list[Optional[summaries[info.name]]]],
              resolver=aggregate_resolver(info.name),
              arguments=aggregate_arguments(offered[info.name], info.multi_tenant))
        for name, info in named])
    explore = object_type("ExploreObj", [field("beacon", Optional[str]), field("className", Optional[str]),
                                         field("certainty", Optional[float]), field("distance", Optional[float])])
    any_modality = set().union(*offered.values())
    root = object_type("WeaviateObj", [
        field("Get", Optional[get], resolver=_namespace),
        field("Aggregate", Optional[aggregate], resolver=_namespace),
        field("Explore", Optional[list[Optional[explore]]], resolver=explore_resolver,
              arguments=explore_arguments(any_modality))])
    config = StrawberryConfig(auto_camel_case=False, default_resolver=default_resolver, scalar_map=SCALARS)
    # The caches key on the query text: with query vectors lifted into variables (lift.py), every query of one
    # shape hits them, and parsing plus validation drop from milliseconds to a dictionary lookup.
    return WeaviateSchema(query=root, config=config,
                          extensions=[_depth_limiter, lambda: TextParserCache(maxsize=256),
                                      lambda: TextValidationCache(maxsize=256), SearchBudget])


class SchemaHolder:
    """The GraphQL schema of the current classes, rebuilt lazily after each schema change."""

    def __init__(self, classes: Callable[[], list[ClassInfo]], modalities: Modalities,
                 aliases: Callable[[], dict[str, str]] = dict):
        self._classes, self._modalities, self._aliases = classes, modalities, aliases
        self._lock = threading.Lock()
        self._version = 0
        self._built: tuple[int, WeaviateSchema | None] | None = None

    def invalidate(self) -> None:
        """SchemaOptions listener: called after every class change."""
        with self._lock:
            self._version += 1

    def current(self) -> WeaviateSchema | None:
        """The schema if it is built and up to date, without building it (for the event loop)."""
        built = self._built
        return built[1] if built is not None and built[0] == self._version else None

    def get(self) -> WeaviateSchema | None:
        with self._lock:
            if self._built is None or self._built[0] != self._version:
                self._built = (self._version, build_schema(self._classes(), self._modalities, self._aliases()))
            return self._built[1]
