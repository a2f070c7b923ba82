"""The container's `/vectorize` wire format: request keys per module, the body check FastAPI/pydantic performs
(`{"detail": [...]}` answered with 422), and the response with every key of the module present."""

from __future__ import annotations

from typing import Any

from weavebind.vectorizers.models.errors import BadInferenceRequest

CLIP_KEYS = ("texts", "images")
BIND_KEYS = ("texts", "images", "audio", "video", "imu", "thermal", "depth")
REQUEST_KEYS = {"multi2vec-clip": CLIP_KEYS, "multi2vec-bind": BIND_KEYS}
# The response keys in the order the BIND container writes them (spec inference.md 1.3).
RESPONSE_KEYS = {"texts": "textVectors", "images": "imageVectors", "audio": "audioVectors", "video": "videoVectors",
                 "imu": "imuVectors", "depth": "depthVectors", "thermal": "thermalVectors"}


def problem(kind: str, loc: list[Any], msg: str, value: Any) -> dict[str, Any]:
    return {"type": kind, "loc": loc, "msg": msg, "input": value}


def parse(body: Any, keys: tuple[str, ...]) -> dict[str, list[str]]:
    """Every field of the module as a list of strings; unknown fields are ignored and missing ones are `[]`, as
    pydantic does. Where pydantic would pass a list of anything and the container then fail with a 500, an item
    that is not a string is refused here with the same 422 shape."""
    if not isinstance(body, dict):
        raise BadInferenceRequest([problem("model_attributes_type", ["body"], "Input should be a valid dictionary "
                                           "or object to extract fields from", body)])
    found: dict[str, list[str]] = {}
    problems = []
    for key in keys:
        value = body.get(key, [])
        if not isinstance(value, list):
            problems.append(problem("list_type", ["body", key], "Input should be a valid list", value))
            continue
        bad = [i for i, item in enumerate(value) if not isinstance(item, str)]
        problems += [problem("string_type", ["body", key, i], "Input should be a valid string", value[i])
                     for i in bad]
        found[key] = value
    if problems:
        raise BadInferenceRequest(problems)
    return found


def answer(keys: tuple[str, ...], vectors: dict[str, list[list[float]]]) -> dict[str, list[list[float]]]:
    return {RESPONSE_KEYS[key]: vectors.get(key, []) for key in RESPONSE_KEYS if key in keys}
