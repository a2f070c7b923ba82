"""Query parameters as plain data, shared by the GraphQL and (later) gRPC front ends.

Front ends translate their wire format into these dataclasses; everything in `weavebind.search` works on them.
Parsing raises SearchError with the text Weaviate's resolvers give for the same mistake (spec 1.4, 1.6).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from weavebind.search.errors import SearchError
from weavebind.vectorizers.base import MODALITY_BY_ARGUMENT

COMBINATIONS = ("minimum", "average", "sum", "manualWeights", "relativeScore")


@dataclass
class Movement:
    """`moveTo` / `moveAwayFrom`: concepts and objects to move towards or away from, with a force."""

    force: float
    concepts: list[str] = field(default_factory=list)
    objects: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class NearQuery:
    """One near<Something> argument. `argument` is its GraphQL name: nearVector, nearObject, nearText, nearImage..."""

    argument: str
    vector: Any = None
    vector_per_target: dict[str, Any] | None = None
    object_id: str | None = None
    beacon: str | None = None
    inputs: list[str] = field(default_factory=list)
    certainty: float | None = None
    distance: float | None = None
    target_vectors: list[str] | None = None
    combination: str = "minimum"
    weights: dict[str, Any] | None = None
    move_to: Movement | None = None
    move_away: Movement | None = None

    @property
    def modality(self) -> str | None:
        """The module modality ("text", "image", ...) of a module argument; None for nearVector / nearObject."""
        found = MODALITY_BY_ARGUMENT.get(self.argument)
        return found.name if found else None

    @property
    def has_threshold(self) -> bool:
        # Weaviate's SimilarityMetricProvided: certainty 0 counts as not given.
        return bool(self.certainty) or self.distance is not None


def _targets(raw: dict[str, Any], query: NearQuery) -> None:
    targets = raw.get("targets")
    if targets:
        query.target_vectors = list(targets.get("targetVectors") or [])
        query.combination = targets.get("combinationMethod") or "minimum"
        query.weights = targets.get("weights")
    elif raw.get("targetVectors"):
        query.target_vectors = list(raw["targetVectors"])


def _movement(raw: dict[str, Any] | None) -> Movement | None:
    if not raw:
        return None
    return Movement(force=float(raw.get("force") or 0), concepts=list(raw.get("concepts") or []),
                    objects=[dict(o) for o in raw.get("objects") or []])


def parse_near(argument: str, raw: dict[str, Any]) -> NearQuery:
    """A near argument's input object (as plain data) → NearQuery; raises the resolvers' extraction errors."""
    query = NearQuery(argument, certainty=raw.get("certainty"), distance=raw.get("distance"))
    if argument == "nearVector":
        has_vector, has_per_target = raw.get("vector") is not None, raw.get("vectorPerTarget") is not None
        if has_vector == has_per_target:
            raise SearchError("failed to extract nearVector params: vector or vectorPerTarget is required field")
        query.vector, query.vector_per_target = raw.get("vector"), raw.get("vectorPerTarget")
    elif argument == "nearObject":
        query.object_id, query.beacon = raw.get("id"), raw.get("beacon")
    else:
        modality = MODALITY_BY_ARGUMENT[argument]
        value = raw.get(modality.input_field)
        query.inputs = [] if value is None else [value] if isinstance(value, str) else list(value)
        query.move_to, query.move_away = _movement(raw.get("moveTo")), _movement(raw.get("moveAwayFrom"))
    if argument in ("nearVector", "nearObject") and query.certainty is not None and query.distance is not None:
        raise SearchError(f"failed to extract {argument} params: cannot provide distance and certainty")
    _targets(raw, query)
    if query.combination not in COMBINATIONS:
        raise SearchError(f"unknown combination method {query.combination!r}: allowed values are "
                          f"{', '.join(COMBINATIONS)}")
    return query


@dataclass
class Bm25Query:
    query: str | None
    properties: list[str] | None = None
    operator: str = "Or"
    minimum_match: int = 1


@dataclass
class HybridQuery:
    query: str | None
    alpha: float = 0.75
    vector: list[float] | None = None
    properties: list[str] | None = None
    fusion: str = "relativeScoreFusion"
    max_vector_distance: float | None = None
    target_vectors: list[str] | None = None
    combination: str = "minimum"
    weights: dict[str, Any] | None = None
    near_text: dict[str, Any] | None = None
    near_vector: dict[str, Any] | None = None
    operator: str = "Or"
    minimum_match: int = 1


def parse_bm25(raw: dict[str, Any]) -> Bm25Query:
    operator = raw.get("searchOperator") or {}
    return Bm25Query(raw.get("query"), raw.get("properties"), operator.get("operator") or "Or",
                     operator.get("minimumOrTokensMatch") or 1)


def parse_hybrid(raw: dict[str, Any]) -> HybridQuery:
    """The hybrid input → HybridQuery; raises the `failed to extract hybrid params: ...` errors (spec 1.14)."""
    searches = (raw.get("searches") or [{}])[0] or {}
    near_text, near_vector = searches.get("nearText"), searches.get("nearVector")
    alpha = raw.get("alpha")
    problem = None
    if near_text is not None and near_vector is not None:
        problem = "hybrid search cannot have both nearText and nearVector parameters"
    elif raw.get("vector") is not None and near_text is not None:
        problem = "cannot have both vector and nearTextParams"
    elif raw.get("vector") is not None and near_vector is not None:
        problem = "cannot have both vector and nearVectorParams"
    elif alpha is not None and not 0 <= alpha <= 1:
        problem = "alpha should be between 0.0 and 1.0"
    elif near_text is not None and near_text.get("autocorrect"):
        problem = "autocorrect is not supported for hybrid nearText"
    if problem:
        raise SearchError(f"failed to extract hybrid params: {problem}")
    operator = raw.get("bm25SearchOperator") or {}
    targets = raw.get("targets") or {}
    return HybridQuery(
        query=raw.get("query"), alpha=0.75 if alpha is None else float(alpha), vector=raw.get("vector"),
        properties=raw.get("properties"), fusion=raw.get("fusionType") or "relativeScoreFusion",
        max_vector_distance=raw.get("maxVectorDistance"),
        target_vectors=targets.get("targetVectors") or raw.get("targetVectors"),
        combination=targets.get("combinationMethod") or "minimum", weights=targets.get("weights"),
        near_text=near_text, near_vector=near_vector,
        operator=operator.get("operator") or "Or", minimum_match=operator.get("minimumOrTokensMatch") or 1)


@dataclass
class GroupBy:
    path: list[str]
    groups: int
    objects_per_group: int


@dataclass
class GetQuery:
    """Everything one `Get { Class(...) }` asks for."""

    class_name: str
    tenant: str | None = None
    limit: int | None = None
    offset: int | None = None
    autocut: int | None = None
    after: str | None = None
    near: list[NearQuery] = field(default_factory=list)
    where: dict[str, Any] | None = None
    bm25: Bm25Query | None = None
    hybrid: HybridQuery | None = None
    sort: list[dict[str, Any]] | None = None
    group_by: GroupBy | None = None
    wants_certainty: bool = False
    # Nothing but ids and distances selected: a vector search then answers from the index alone and skips
    # reading the objects (as a covering index would); see search/get.py.
    ids_only: bool = False
