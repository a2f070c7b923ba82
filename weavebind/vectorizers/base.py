"""The module contract: what the server, the schema service and the query front ends may ask of a vectorizer.

A module is small by requirement (`Module`) and says what else it can do by implementing capability protocols,
probed with `isinstance` (they are runtime-checkable). Modules get their settings in `init` and never read
`os.environ`. Modalities are data: one table drives class settings, the wire format and the generated
`near<Modality>` arguments, so nothing is written once per modality.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from weavebind.errors import ApiError

if TYPE_CHECKING:
    from weavebind.schema.models import VectorTarget
    from weavebind.server.settings import Settings


@dataclass(frozen=True)
class Modality:
    name: str            # "text", "image", ...
    fields_key: str      # moduleConfig key listing the class's fields of this modality: "textFields", ...
    argument: str        # GraphQL search argument: "nearText", "nearImage", ..., "nearIMU"
    input_field: str     # the argument's input: "concepts" for text, else the modality name ("image", "imu", ...)
    request_key: str     # inference request list: "texts", "images", "audio", ...
    response_key: str    # inference response list: "textVectors", "imageVectors", ...


MODALITIES: tuple[Modality, ...] = (
    Modality("text", "textFields", "nearText", "concepts", "texts", "textVectors"),
    Modality("image", "imageFields", "nearImage", "image", "images", "imageVectors"),
    Modality("audio", "audioFields", "nearAudio", "audio", "audio", "audioVectors"),
    Modality("video", "videoFields", "nearVideo", "video", "video", "videoVectors"),
    Modality("imu", "imuFields", "nearIMU", "imu", "imu", "imuVectors"),
    Modality("thermal", "thermalFields", "nearThermal", "thermal", "thermal", "thermalVectors"),
    Modality("depth", "depthFields", "nearDepth", "depth", "depth", "depthVectors"),
)
MODALITY_BY_NAME = {m.name: m for m in MODALITIES}
MODALITY_BY_ARGUMENT = {m.argument: m for m in MODALITIES}


class VectorizerError(ApiError):
    """Inference failed. `status` is the HTTP status to answer (4xx for bad input such as an undecodable image,
    5xx when the inference service failed or is unreachable); the message names the module, and for remote
    inference the URL and the container's own message. An `ApiError`, so the REST error handlers answer it in
    Weaviate's wire shape without a translation layer."""

    def __init__(self, message: str, status: int = 500):
        super().__init__(message, status)


class InferenceRejected(VectorizerError):
    """The inference service answered and refused the request with its own error message (the containers answer
    500 `{"error": ...}` for an image PIL cannot open). Only these are worth isolating object by object: the
    service is up, so the input may be what is wrong. `item`: the refused input as (modality, index in the
    request), when the service says which (the in-process models do), so the caller can name its property."""

    def __init__(self, message: str, status: int = 502, item: tuple[str, int] | None = None):
        super().__init__(message, status)
        self.item = item


@runtime_checkable
class InferenceClient(Protocol):
    """How a module reaches its model: over HTTP (`clients/remote.py`) or in-process (the local models). The
    module cannot tell them apart; both raise `VectorizerError` (`InferenceRejected` when the model refused an
    input) with a message naming the module."""

    def vectorize(self, inputs: Mapping[str, Sequence[str]], url: str | None = None) -> dict[str, np.ndarray]:
        """Modality name ("text", "image", ...) → its inputs; answers modality → float32 array (n, dim) with one
        row per input, in order. `url` overrides the service address for this call (a class's `inferenceUrl`)."""
        ...

    def meta(self) -> dict[str, Any]:
        """The model's description, as the container's `GET /meta` gives it; raises `VectorizerError`."""
        ...

    def wait_ready(self, timeout_s: float) -> None:
        """Block until the model can serve, or raise `VectorizerError` once `timeout_s` has passed."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class Module(Protocol):
    """Required of every module."""

    name: str

    def init(self, settings: Settings) -> None: ...

    def close(self) -> None: ...

    def meta(self) -> dict[str, Any]:
        """What `/v1/meta` shows under `modules.<name>` (for remote inference: the container's `/meta`, or
        `{"error": ...}` when it cannot be reached; never raises)."""
        ...


@runtime_checkable
class ClassConfigValidator(Protocol):
    def validate_class_config(self, module_config: dict[str, Any], class_config: dict[str, Any]) -> None:
        """Raise `weavebind.errors.RestrictionViolation` (422) naming the bad key and the allowed values."""
        ...


@runtime_checkable
class ObjectVectorizer(Protocol):
    def vectorize_objects(self, target: VectorTarget, properties: Sequence[dict[str, Any]]
                          ) -> list[np.ndarray | VectorizerError | None]:
        """One entry per object, in order: its vector for `target`, the error that object alone failed with, or
        None when it has nothing to vectorize (stored without a vector, as Weaviate does)."""
        ...

    def vectorizable_properties(self, target: VectorTarget) -> set[str]:
        """Properties whose change requires re-vectorization on update."""
        ...


@runtime_checkable
class QueryVectorizer(Protocol):
    modalities: tuple[str, ...]   # the modalities it offers near<Modality> search for

    def vectorize_query(self, target: VectorTarget, modality: str, inputs: Sequence[str]) -> np.ndarray:
        """The query vector: the mean of the vectors of `inputs` (nearText concepts, or one base64 payload)."""
        ...
