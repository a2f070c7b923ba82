"""Query vectors for near* arguments: given vectors, a stored object's vector, or the class's module (spec 1.9,
1.10), including nearText's movements."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from weavebind.schema.models import ClassInfo
from weavebind.search.context import SearchContext
from weavebind.search.errors import SearchError
from weavebind.search.movement import mean_vector, move_away_from, move_to
from weavebind.search.params import Movement, NearQuery
from weavebind.storage.records import LEGACY_TARGET
from weavebind.vectorizers.base import VectorizerError

BEACON = re.compile(r"^weaviate://[^/]+/(?:(?P<cls>[A-Za-z][_0-9A-Za-z]*)/)?(?P<id>[0-9a-fA-F-]{36})$")
# The chain Weaviate wraps a module failure in during Get (spec 1.6 item 8).
GET_CHAIN = "explorer: get class: concurrentTargetVectorSearch): explorer: get class: vectorize search vector: "
MODULE_VERB = {"text": "keywords: remote client vectorize", "image": "image", "audio": "audio", "video": "video",
               "imu": "imu", "thermal": "thermal", "depth": "depth"}


def as_vector(value: Any, where: str) -> np.ndarray:
    if not isinstance(value, list | tuple) or not value:
        raise SearchError(f"{where}: a vector must be a non-empty list of numbers")
    kinds = set(map(type, value))  # in C: a per-item isinstance loop cost more than the FAISS search
    if kinds & {list, tuple}:
        raise SearchError(f"{where}: multi-vector (list of lists) search is not supported")
    if not kinds <= {int, float}:
        raise SearchError(f"{where}: a vector must be a non-empty list of numbers")
    array = np.asarray(value, dtype=np.float32)
    if not np.all(np.isfinite(array)):
        raise SearchError(f"{where}: the vector contains a value that is not a finite 32-bit float")
    return array


def parse_beacon(beacon: str) -> tuple[str | None, str]:
    match = BEACON.match(beacon or "")
    if not match:
        raise SearchError(f"invalid beacon {beacon!r}: expected weaviate://localhost/<Class>/<uuid>")
    return match.group("cls"), match.group("id").lower()


def object_reference(near_id: str | None, beacon: str | None, class_name: str | None) -> tuple[str | None, str]:
    """(class or None for any class, uuid) of a nearObject / movement object; `id` wins over `beacon`."""
    if near_id:
        return class_name, near_id.lower()
    if beacon:
        found_class, uid = parse_beacon(beacon)
        return found_class or class_name, uid
    raise SearchError("empty id and beacon")


def stored_vector(ctx: SearchContext, class_name: str | None, uid: str, target: str,
                  own_vector: bool = False) -> np.ndarray:
    """The object's vector for `target`; with class_name None the object is looked up in every class and the
    vectors of all hits are averaged (Weaviate's crossClassFindVector). `own_vector` (Explore): an object that has
    no `target` contributes its own single or legacy vector, since the target names a vector of the searched
    class, not of the referenced one."""
    records = ctx.store.get_many(class_name, [uid], with_vectors=True)
    if not records:
        raise SearchError("vector not found")
    found = [v for r in records if (v := _vector_of(r.vectors, target, own_vector or class_name is None)) is not None]
    if not found:
        if target == LEGACY_TARGET:
            raise SearchError(f"nearObject search-object with id {uid} has no vector")
        raise SearchError(f"vector not found for target: {target}")
    if len({len(v) for v in found}) > 1:
        raise SearchError(f"objects with id {uid} in several classes have vectors of different lengths; name the "
                          "class in the beacon (weaviate://localhost/<Class>/<id>)")
    return found[0] if len(found) == 1 else mean_vector(found)


def _vector_of(vectors: dict[str, np.ndarray], target: str, own_vector: bool) -> np.ndarray | None:
    if target in vectors:
        return vectors[target]
    if not own_vector:
        return None
    if LEGACY_TARGET in vectors:
        return vectors[LEGACY_TARGET]
    return next(iter(vectors.values())) if len(vectors) == 1 else None


def module_vector(ctx: SearchContext, info: ClassInfo, target: str, modality: str, inputs: Sequence[str]
                  ) -> np.ndarray:
    """Ask the class's module; a failure is reported with Weaviate's error chain around the module's message."""
    if ctx.modules is None:
        raise SearchError(f"could not vectorize input for collection {info.name} with search-type {modality}. "
                          "Make sure a vectorizer module is configured for this collection")
    try:
        return np.asarray(ctx.modules.vectorize_query(info, target, modality, list(inputs)), dtype=np.float32)
    except VectorizerError as exc:
        raise SearchError(f"vectorize params: vectorize params: vectorize {MODULE_VERB[modality]}: "
                          f"{exc.message}") from None


def _movement_target(ctx: SearchContext, info: ClassInfo, target: str, move: Movement, cross_class: bool
                     ) -> np.ndarray:
    parts: list[np.ndarray] = []
    if move.concepts:
        parts.append(module_vector(ctx, info, target, "text", move.concepts))
    last_id: str | None = None  # Weaviate reuses the previous id for an object without id and beacon
    for item in move.objects:
        try:
            cls, uid = object_reference(item.get("id"), item.get("beacon"), None if cross_class else info.name)
        except SearchError:
            if last_id is None:
                raise
            cls, uid = (None if cross_class else info.name), last_id
        cls = info.key if cls == info.name else cls
        last_id = uid
        parts.append(stored_vector(ctx, cls, uid, target, own_vector=cross_class))
    return mean_vector(parts)


def apply_movements(ctx: SearchContext, info: ClassInfo, target: str, vector: np.ndarray, near: NearQuery,
                    cross_class: bool = False) -> np.ndarray:
    move, away = near.move_to, near.move_away
    if move is not None and move.force > 0 and (move.concepts or move.objects):
        try:
            towards = _movement_target(ctx, info, target, move, cross_class)
        except SearchError as exc:
            raise SearchError(f"vectorize move to: {exc.message}") from None
        vector = move_to(vector, towards, move.force)
    if away is not None and away.force > 0 and (away.concepts or away.objects):
        try:
            source = _movement_target(ctx, info, target, away, cross_class)
        except SearchError as exc:
            raise SearchError(f"vectorize move away from: {exc.message}") from None
        vector = move_away_from(vector, source, away.force)
    return vector


def query_vector(ctx: SearchContext, info: ClassInfo, target: str, near: NearQuery, cross_class: bool = False
                 ) -> np.ndarray:
    """The vector to search `target` of class `info` with. Error messages are un-prefixed."""
    if near.argument == "nearVector":
        if near.vector_per_target is not None:
            if target not in near.vector_per_target:
                raise SearchError(f"vectorPerTarget: no vector given for target vector {target!r}")
            given = near.vector_per_target[target]
            if isinstance(given, list) and given and all(isinstance(v, list | tuple) for v in given):
                # several query vectors for one target: combined like several targets (vector_search.py)
                rows = [as_vector(v, "nearVector.vectorPerTarget") for v in given]
                if len({len(r) for r in rows}) > 1:
                    raise SearchError(f"vectorPerTarget: the vectors for target vector {target!r} differ in length")
                return np.stack(rows)
            return as_vector(given, "nearVector.vectorPerTarget")
        return as_vector(near.vector, "nearVector.vector")
    if near.argument == "nearObject":
        try:
            cls, uid = object_reference(near.object_id, near.beacon, None if cross_class else info.name)
            cls = info.key if info is not None and cls == info.name else cls
            return stored_vector(ctx, cls, uid, target, own_vector=cross_class)
        except SearchError as exc:
            raise SearchError(f"nearObject params: {exc.message}") from None
    modality = near.modality or "text"
    vector = module_vector(ctx, info, target, modality, near.inputs)
    return apply_movements(ctx, info, target, vector, near, cross_class) if modality == "text" else vector
