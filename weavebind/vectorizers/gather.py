"""From objects to inference requests and back: gather each object's field inputs, pack many objects into one
request, map the answer back by position and combine each object's field vectors.

Weaviate sends one `/vectorize` request per object. Here a batch goes out in a few large requests (the models
embed a list at once), and a request the service refuses is split in halves until the one object whose media it
cannot read fails alone; the others in the batch are still stored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from weavebind.vectorizers.base import InferenceClient, InferenceRejected, VectorizerError
from weavebind.vectorizers.combine import combine_fields, mean
from weavebind.vectorizers.payloads import check_base64
from weavebind.vectorizers.settings import ClassSettings

log = logging.getLogger("weavebind.inference")

FieldKey = tuple[str, str]                       # (modality, property name)
Result = np.ndarray | VectorizerError | None     # an object's vector, its own error, or nothing to vectorize


@dataclass
class ObjectInputs:
    """One object's inputs for one target vector: field → its payloads (a `text[]` field has several)."""

    position: int
    fields: dict[FieldKey, list[str]] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return sum(len(payloads) for payloads in self.fields.values())

    @property
    def has_media(self) -> bool:
        return any(modality != "text" for modality, _ in self.fields)


def gather(settings: ClassSettings, properties: Mapping[str, Any], position: int) -> ObjectInputs:
    """The inputs of the configured fields that have a value. Empty texts and empty `text[]` fields count as
    absent; a media value that is not non-empty base64 raises `BadMedia` (422) naming the property."""
    inputs = ObjectInputs(position)
    for modality, names in settings.fields.items():
        for name in names:
            value = properties.get(name)
            if value is None:
                continue
            if modality == "text":
                texts = [value] if isinstance(value, str) else value if isinstance(value, list) else []
                texts = [t for t in texts if isinstance(t, str) and t]
                if texts:
                    inputs.fields[(modality, name)] = texts
            else:
                inputs.fields[(modality, name)] = [check_base64(value, modality, f"property '{name}'")]
    return inputs


class InferenceRequest:
    """The inputs of several objects as one request; identical payloads are sent once."""

    def __init__(self, objects: Sequence[ObjectInputs]):
        self.objects = objects
        self.inputs: dict[str, list[str]] = {}
        self._slots: dict[tuple[str, str], int] = {}
        for obj in objects:
            for (modality, _), payloads in obj.fields.items():
                for payload in payloads:
                    self._slot(modality, payload)

    def _slot(self, modality: str, payload: str) -> int:
        key = (modality, payload)
        if key not in self._slots:
            items = self.inputs.setdefault(modality, [])
            self._slots[key] = len(items)
            items.append(payload)
        return self._slots[key]

    def refused(self, obj: ObjectInputs, exc: InferenceRejected) -> str:
        """The service's refusal of `obj` alone, naming the property it refused: the one at `exc.item` when the
        service says which input it was, else the object's only media property (several: the message as it is)."""
        names = [name for (modality, name), payloads in obj.fields.items()
                 if modality != "text" and (exc.item is None or self._holds(modality, payloads, exc.item))]
        if len(names) != 1:
            return exc.message
        return f"property '{names[0]}': {exc.message}"

    def _holds(self, modality: str, payloads: list[str], item: tuple[str, int]) -> bool:
        return modality == item[0] and any(self._slots[(modality, p)] == item[1] for p in payloads)

    def field_vectors(self, obj: ObjectInputs, answer: Mapping[str, np.ndarray]) -> dict[FieldKey, np.ndarray]:
        """An object's vector per field: the answer rows of its payloads (their mean for a `text[]` field)."""
        out: dict[FieldKey, np.ndarray] = {}
        for (modality, name), payloads in obj.fields.items():
            rows = [answer[modality][self._slots[(modality, p)]] for p in payloads]
            out[(modality, name)] = rows[0] if len(rows) == 1 else mean(rows)
        return out


def chunks(objects: Sequence[ObjectInputs], max_inputs: int) -> list[list[ObjectInputs]]:
    """Consecutive groups of at most `max_inputs` inputs; an object is never split (a larger one goes alone)."""
    out: list[list[ObjectInputs]] = []
    current: list[ObjectInputs] = []
    size = 0
    for obj in objects:
        if current and size + obj.size > max_inputs:
            out.append(current)
            current, size = [], 0
        current.append(obj)
        size += obj.size
    if current:
        out.append(current)
    return out


def _combine(settings: ClassSettings, request: InferenceRequest, obj: ObjectInputs,
             answer: Mapping[str, np.ndarray]) -> Result:
    try:
        return combine_fields(request.field_vectors(obj, answer), settings.weights)
    except VectorizerError as exc:
        return exc


def vectorize_chunk(client: InferenceClient, settings: ClassSettings, chunk: Sequence[ObjectInputs]
                    ) -> list[tuple[int, Result]]:
    """One request for the chunk. When the service refuses a request that carries media, the objects without
    media are sent again together and those with media are halved until the object it refuses is alone; that
    object gets the service's message as a 422 (its media cannot be read), the rest are vectorized. A service
    that is down fails the whole chunk without further requests."""
    request = InferenceRequest(chunk)
    try:
        answer = client.vectorize(request.inputs, settings.inference_url)
    except InferenceRejected as exc:
        media = [obj for obj in chunk if obj.has_media]
        if len(chunk) > 1 and media:
            log.info("inference refused a request of %d objects; isolating the failing ones", len(chunk))
            plain = [obj for obj in chunk if not obj.has_media]
            half = len(media) // 2
            parts = [part for part in (plain, media[:half], media[half:]) if part]
            return [done for part in parts for done in vectorize_chunk(client, settings, part)]
        if len(chunk) == 1 and chunk[0].has_media:
            return [(chunk[0].position, InferenceRejected(request.refused(chunk[0], exc), 422, exc.item))]
        return [(obj.position, InferenceRejected(exc.message, exc.status, exc.item)) for obj in chunk]
    except VectorizerError as exc:
        return [(obj.position, exc) for obj in chunk]
    return [(obj.position, _combine(settings, request, obj, answer)) for obj in chunk]


Runner = Callable[[Callable[[list[ObjectInputs]], list[tuple[int, Result]]], list[list[ObjectInputs]]],
                  Iterable[list[tuple[int, Result]]]]


def vectorize_all(client: InferenceClient, settings: ClassSettings, properties: Sequence[Mapping[str, Any]],
                  max_inputs: int, run: Runner) -> list[Result]:
    """One result per object, in order. `run` maps a function over the chunks (in parallel, bounded)."""
    results: list[Result] = [None] * len(properties)
    pending: list[ObjectInputs] = []
    for position, props in enumerate(properties):
        try:
            inputs = gather(settings, props, position)
        except VectorizerError as exc:
            results[position] = exc
            continue
        if inputs.fields:
            pending.append(inputs)
    for done in run(lambda chunk: vectorize_chunk(client, settings, chunk), chunks(pending, max_inputs)):
        for position, result in done:
            results[position] = result
    return results
