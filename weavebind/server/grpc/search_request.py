"""A gRPC `SearchRequest` → the query layer's `GetQuery`, built from the same plain-data inputs GraphQL passes to
`search.params` (`parse_near`, `parse_bm25`, `parse_hybrid`): the wire differs, the semantics are GraphQL's."""

from __future__ import annotations

from typing import Any

from weavebind.errors import Unprocessable
from weavebind.schema.models import ClassInfo
from weavebind.search.params import GetQuery, GroupBy, parse_bm25, parse_hybrid, parse_near
from weavebind.server.grpc.convert import floats
from weavebind.server.grpc.filters import to_where
from weavebind.server.grpc.search_reply import check_properties
from weavebind.vectorizers.base import MODALITIES

_MULTI_FP32 = 2  # base.proto Vectors.VECTOR_TYPE_MULTI_FP32
_COMBINATIONS = {1: "sum", 2: "minimum", 3: "average", 4: "relativeScore", 5: "manualWeights"}
_FUSIONS = {1: "rankedFusion", 2: "relativeScoreFusion"}
_BM25_OPERATORS = {1: "Or", 2: "And"}
# near<Modality> request fields: near_text, near_image, ..., near_imu (the IMU argument keeps its capitals).
_MEDIA = {f"near_{m.name}": m for m in MODALITIES if m.name != "text"}


def _threshold(message: Any, raw: dict[str, Any]) -> dict[str, Any]:
    for name in ("certainty", "distance"):
        if message.HasField(name):
            raw[name] = getattr(message, name)
    return raw


def _targets(message: Any, raw: dict[str, Any]) -> dict[str, Any]:
    if message.HasField("targets") and message.targets.target_vectors:
        targets = message.targets
        weights: dict[str, list[float]] = {}
        for entry in targets.weights_for_targets:  # a target named n times: one weight per query vector, in order
            weights.setdefault(entry.target, []).append(entry.weight)
        raw["targets"] = {"targetVectors": list(dict.fromkeys(targets.target_vectors)),
                          "combinationMethod": _COMBINATIONS.get(targets.combination, "minimum"),
                          "weights": {k: v[0] if len(v) == 1 else v for k, v in weights.items()} or None}
    elif message.target_vectors:
        raw["targetVectors"] = list(message.target_vectors)
    return raw


def _query_vectors(vectors: Any, where: str) -> list[list[float]]:
    """The query vectors in `Vectors` messages: a multi_fp32 entry (how clients for Weaviate ≥ 1.29 send several
    vectors for one target) holds a uint16 dimension and then the vectors' float32 values."""
    out: list[list[float]] = []
    for message in vectors:
        if message.type != _MULTI_FP32:
            out.append(floats(message.vector_bytes, where))
            continue
        data = message.vector_bytes
        dim = int.from_bytes(data[:2], "little") if len(data) >= 2 else 0
        values = floats(data[2:], where)
        if dim == 0 or len(values) % dim or not values:
            raise Unprocessable(f"{where}: a multi-vector needs a dimension and whole vectors of that dimension")
        out.extend(values[i:i + dim] for i in range(0, len(values), dim))
    return out


def single_vector(message: Any, where: str) -> list[float] | None:
    """The one query vector of a NearVector / Hybrid message, whichever field the client version used."""
    if message.vector_bytes:
        return floats(message.vector_bytes, f"{where}.vector_bytes")
    if len(message.vector):
        return list(message.vector)
    for vectors in message.vectors:
        if vectors.type == 2:
            raise Unprocessable(f"{where}: multi-vector (multi_fp32) queries are not supported")
        return floats(vectors.vector_bytes, f"{where}.vectors")
    return None


def near_vector(message: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    per_target: dict[str, Any] = {}
    for entry in message.vector_for_targets:
        where = f"near_vector.vector_for_targets['{entry.name}']"
        values = _query_vectors(entry.vectors, where) or [floats(entry.vector_bytes, where)]
        per_target.setdefault(entry.name, []).extend(values)  # (clients before 1.29 repeat the target instead)
    per_target = {name: v[0] if len(v) == 1 else v for name, v in per_target.items()}
    for name, data in message.vector_per_target.items():
        per_target[name] = floats(data, f"near_vector.vector_per_target['{name}']")
    if per_target:
        raw["vectorPerTarget"] = per_target
    else:
        raw["vector"] = single_vector(message, "near_vector")
    return _targets(message, _threshold(message, raw))


def _move(message: Any) -> dict[str, Any]:
    return {"force": message.force, "concepts": list(message.concepts),
            "objects": [{"id": uid} for uid in message.uuids]}


def _near_text(message: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {"concepts": list(message.query)}
    if message.HasField("move_to"):
        raw["moveTo"] = _move(message.move_to)
    if message.HasField("move_away"):
        raw["moveAwayFrom"] = _move(message.move_away)
    return _targets(message, _threshold(message, raw))


def nears(request: Any) -> list[Any]:
    found = []
    if request.HasField("near_vector"):
        found.append(parse_near("nearVector", near_vector(request.near_vector)))
    if request.HasField("near_object"):
        message = request.near_object
        found.append(parse_near("nearObject", _targets(message, _threshold(message, {"id": message.id}))))
    if request.HasField("near_text"):
        found.append(parse_near("nearText", _near_text(request.near_text)))
    for field, modality in _MEDIA.items():
        if request.HasField(field):
            message = getattr(request, field)
            raw = {modality.input_field: getattr(message, modality.input_field)}
            found.append(parse_near(modality.argument, _targets(message, _threshold(message, raw))))
    return found


def _operator(message: Any, raw: dict[str, Any], key: str) -> dict[str, Any]:
    if message.HasField(key):
        options = getattr(message, key)
        raw["searchOperator" if key == "search_operator" else "bm25SearchOperator"] = {
            "operator": _BM25_OPERATORS.get(options.operator, "Or"),
            "minimumOrTokensMatch": options.minimum_or_tokens_match or 1}
    return raw


def hybrid(message: Any) -> dict[str, Any]:
    alpha = message.alpha_param if message.use_alpha_param else message.alpha
    raw: dict[str, Any] = {"query": message.query, "alpha": alpha, "properties": list(message.properties) or None,
                           "fusionType": _FUSIONS.get(message.fusion_type), "vector": single_vector(message, "hybrid")}
    if message.HasField("vector_distance"):
        raw["maxVectorDistance"] = message.vector_distance
    if message.HasField("near_text"):
        raw["searches"] = [{"nearText": _near_text(message.near_text)}]
    elif message.HasField("near_vector"):
        raw["searches"] = [{"nearVector": near_vector(message.near_vector)}]
    return _operator(message, _targets(message, raw), "bm25_search_operator")


_SEARCHES = ("near_vector", "near_object", "near_text", *_MEDIA, "hybrid_search", "bm25_search")


def get_query(request: Any, info: ClassInfo, class_of: Any, default_limit: int) -> GetQuery:
    """Everything but the reply shape (properties, metadata), which `search_reply` reads from the request.
    Without a limit Weaviate's gRPC API returns QUERY_DEFAULTS_LIMIT objects (`default_limit`), also for a
    search with a certainty or distance, unlike GraphQL."""
    if request.HasField("generative"):
        raise Unprocessable("generative search needs a generative module (generative-openai, generative-cohere, ...): "
                            "no generative module is available in weavebind")
    check_properties(request, info)
    if request.sort_by and any(request.HasField(name) for name in _SEARCHES):
        raise Unprocessable("sorting cannot be combined with search")
    q = GetQuery(class_name=info.name, tenant=request.tenant or None, limit=request.limit or default_limit,
                 offset=request.offset or None,
                 autocut=request.autocut or None, after=request.after or None, near=nears(request))
    if request.HasField("filters"):
        q.where = to_where(request.filters, info, class_of)
    if request.HasField("bm25_search"):
        bm25 = request.bm25_search
        raw = {"query": bm25.query, "properties": list(bm25.properties) or None}
        q.bm25 = parse_bm25(_operator(bm25, raw, "search_operator"))
    if request.HasField("hybrid_search"):
        q.hybrid = parse_hybrid(hybrid(request.hybrid_search))
    if request.sort_by:
        q.sort = [{"path": list(s.path), "order": "asc" if s.ascending else "desc"} for s in request.sort_by]
    if request.HasField("group_by"):
        g = request.group_by
        q.group_by = GroupBy(list(g.path), g.number_of_groups, g.objects_per_group)
    q.wants_certainty = request.HasField("metadata") and request.metadata.certainty
    return q
