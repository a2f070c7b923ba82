"""The search arguments' input types (spec 1.3, 1.4, 1.12-1.15). Their shapes are the same for every class, so
they are declared once; which of them a class's field offers is decided in `arguments.py`."""

from __future__ import annotations

import enum
from typing import Optional

import strawberry
from strawberry.types.unset import UNSET

from weavebind.schema.graphql.scalars import JSONMap, Vector, WhereValue
from weavebind.search.filters_parse import OPERATORS
from weavebind.vectorizers.base import MODALITIES

# ruff: noqa: UP045 -- Strawberry reads these annotations at run time; Optional[...] is its documented spelling.

WhereOperatorEnum = strawberry.enum(enum.Enum("WhereOperatorEnum", {op: op for op in sorted(OPERATORS)}))


@strawberry.enum(name="SortOrderEnum")
class SortOrder(enum.Enum):
    asc = "asc"
    desc = "desc"


@strawberry.enum(name="CombinationMethodEnum")
class CombinationMethod(enum.Enum):
    minimum = "minimum"
    average = "average"
    sum = "sum"
    manualWeights = "manualWeights"
    relativeScore = "relativeScore"


@strawberry.enum(name="FusionTypeEnum")
class FusionType(enum.Enum):
    rankedFusion = "rankedFusion"
    relativeScoreFusion = "relativeScoreFusion"


@strawberry.enum(name="SearchOperatorEnum")
class SearchOperator(enum.Enum):
    And = "And"
    Or = "Or"
    AndCross = "AndCross"


@strawberry.enum(name="GroupTypeEnum")
class GroupType(enum.Enum):
    closest = "closest"
    merge = "merge"


@strawberry.input(name="WhereGeoCoordinatesInpObj")
class GeoCoordinatesInp:
    latitude: float
    longitude: float


@strawberry.input(name="WhereGeoRangeDistanceInpObj")
class GeoDistanceInp:
    max: float


@strawberry.input(name="WhereGeoRangeInpObj")
class GeoRangeInp:
    geoCoordinates: GeoCoordinatesInp
    distance: GeoDistanceInp


@strawberry.input(name="WhereInpObj")
class WhereInp:
    operator: Optional[WhereOperatorEnum] = UNSET  # type: ignore[valid-type]
    path: Optional[list[Optional[str]]] = UNSET
    operands: Optional[list[Optional[WhereInp]]] = UNSET
    valueInt: Optional[WhereValue] = UNSET
    valueNumber: Optional[WhereValue] = UNSET
    valueBoolean: Optional[WhereValue] = UNSET
    valueString: Optional[WhereValue] = UNSET
    valueText: Optional[WhereValue] = UNSET
    valueDate: Optional[WhereValue] = UNSET
    valueGeoRange: Optional[GeoRangeInp] = UNSET


@strawberry.input(name="TargetsInpObj")
class TargetsInp:
    targetVectors: Optional[list[Optional[str]]] = UNSET
    combinationMethod: Optional[CombinationMethod] = UNSET
    weights: Optional[JSONMap] = UNSET


@strawberry.input(name="NearVectorInpObj")
class NearVectorInp:
    vector: Optional[Vector] = UNSET
    vectorPerTarget: Optional[JSONMap] = UNSET
    certainty: Optional[float] = UNSET
    distance: Optional[float] = UNSET
    targetVectors: Optional[list[Optional[str]]] = UNSET
    targets: Optional[TargetsInp] = UNSET


@strawberry.input(name="ExploreNearVectorInpObj")
class ExploreNearVectorInp:
    vector: Vector
    certainty: Optional[float] = UNSET
    distance: Optional[float] = UNSET
    targetVectors: Optional[list[Optional[str]]] = UNSET


@strawberry.input(name="NearObjectInpObj")
class NearObjectInp:
    id: Optional[str] = UNSET
    beacon: Optional[str] = UNSET
    certainty: Optional[float] = UNSET
    distance: Optional[float] = UNSET
    targetVectors: Optional[list[Optional[str]]] = UNSET
    targets: Optional[TargetsInp] = UNSET


@strawberry.input(name="ExploreNearObjectInpObj")
class ExploreNearObjectInp:
    id: Optional[str] = UNSET
    beacon: Optional[str] = UNSET
    certainty: Optional[float] = UNSET
    distance: Optional[float] = UNSET
    targetVectors: Optional[list[Optional[str]]] = UNSET


@strawberry.input(name="MoveObjectInpObj")
class MoveObjectInp:
    id: Optional[str] = UNSET
    beacon: Optional[str] = UNSET


@strawberry.input(name="MoveInpObj")
class MoveInp:
    force: float
    concepts: Optional[list[Optional[str]]] = UNSET
    objects: Optional[list[Optional[MoveObjectInp]]] = UNSET


@strawberry.input(name="NearTextInpObj")
class NearTextInp:
    concepts: list[Optional[str]]
    certainty: Optional[float] = UNSET
    distance: Optional[float] = UNSET
    moveTo: Optional[MoveInp] = UNSET
    moveAwayFrom: Optional[MoveInp] = UNSET
    targetVectors: Optional[list[Optional[str]]] = UNSET
    targets: Optional[TargetsInp] = UNSET


@strawberry.input(name="ExploreNearTextInpObj")
class ExploreNearTextInp:
    concepts: list[Optional[str]]
    certainty: Optional[float] = UNSET
    distance: Optional[float] = UNSET
    moveTo: Optional[MoveInp] = UNSET
    moveAwayFrom: Optional[MoveInp] = UNSET
    targetVectors: Optional[list[Optional[str]]] = UNSET


def _media_input(field: str, argument: str) -> type:
    """nearImage, nearAudio, ...: `<field>: String!` with certainty, distance and targetVectors."""
    namespace = {"__annotations__": {field: str, "certainty": Optional[float], "distance": Optional[float],
                                     "targetVectors": Optional[list[Optional[str]]]},
                 "certainty": UNSET, "distance": UNSET, "targetVectors": UNSET}
    cls = type(f"{argument[0].upper()}{argument[1:]}Inp", (), namespace)
    return strawberry.input(cls, name=f"{argument[0].upper()}{argument[1:]}InpObj")


MEDIA_INPUTS = {m.argument: _media_input(m.input_field, m.argument) for m in MODALITIES if m.name != "text"}


@strawberry.input(name="SortInpObj")
class SortInp:
    path: Optional[list[Optional[str]]] = UNSET
    order: Optional[SortOrder] = UNSET


@strawberry.input(name="GroupByInpObj")
class GroupByInp:
    path: list[Optional[str]]
    groups: int
    objectsPerGroup: int


@strawberry.input(name="GroupInpObj")
class GroupInp:
    type: Optional[GroupType] = UNSET
    force: float = 0.0


@strawberry.input(name="SearchOperatorInpObj")
class SearchOperatorInp:
    operator: Optional[SearchOperator] = UNSET
    minimumOrTokensMatch: Optional[int] = UNSET


@strawberry.input(name="Bm25InpObj")
class Bm25Inp:
    query: Optional[str] = UNSET
    properties: Optional[list[Optional[str]]] = UNSET
    searchOperator: Optional[SearchOperatorInp] = UNSET


@strawberry.input(name="HybridSubSearchInpObj")
class HybridSubSearchInp:
    nearText: Optional[NearTextInp] = UNSET
    nearVector: Optional[NearVectorInp] = UNSET


@strawberry.input(name="HybridInpObj")
class HybridInp:
    query: Optional[str] = UNSET
    alpha: Optional[float] = UNSET
    vector: Optional[Vector] = UNSET
    properties: Optional[list[Optional[str]]] = UNSET
    fusionType: Optional[FusionType] = UNSET
    maxVectorDistance: Optional[float] = UNSET
    targetVectors: Optional[list[Optional[str]]] = UNSET
    targets: Optional[TargetsInp] = UNSET
    bm25SearchOperator: Optional[SearchOperatorInp] = UNSET
    searches: Optional[list[Optional[HybridSubSearchInp]]] = UNSET
