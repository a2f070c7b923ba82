"""The multi2vec module: one implementation, parameterised by a `ModuleSpec` (multi2vec-clip, multi2vec-bind).

The two Weaviate modules differ only in the modalities they serve, the variable naming their container and a few
wire details; everything else (class config, gathering, batching, combining, query vectors) is shared here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from weavebind.vectorizers.base import MODALITY_BY_NAME, InferenceClient, InferenceRejected, VectorizerError
from weavebind.vectorizers.clients.remote import RemoteInferenceClient, WireFormat
from weavebind.vectorizers.combine import mean
from weavebind.vectorizers.gather import Result, vectorize_all
from weavebind.vectorizers.payloads import check_base64
from weavebind.vectorizers.settings import InvalidModuleConfig, check_url, parse_class_settings

if TYPE_CHECKING:
    from weavebind.schema.models import VectorTarget
    from weavebind.server.settings import Settings

log = logging.getLogger("weavebind.inference")


@dataclass(frozen=True)
class ModuleSpec:
    name: str                     # Weaviate's module name
    modalities: tuple[str, ...]   # in MODALITIES order
    url_variable: str             # the environment variable naming the inference container
    wait_variable: str | None     # the variable that can turn the start-up readiness wait off (CLIP only)
    wire: WireFormat


def remote_client(spec: ModuleSpec, settings: Settings, url: str | None = None) -> InferenceClient | None:
    """The client for the container named by the spec's variable (or `url`); None when neither is set."""
    url = url or getattr(settings, spec.url_variable.lower())
    if not url:
        return None
    return RemoteInferenceClient(spec.name, url, spec.wire, settings.modules_client_timeout,
                                 settings.weavebind_inference_concurrency)


def default_client(spec: ModuleSpec, settings: Settings) -> InferenceClient | None:
    """The container when its variable is set; otherwise the model in this process (issue 5's rule), when torch
    is installed (the `clip`/`bind` extras). None: neither, and every vectorization answers 503."""
    remote = remote_client(spec, settings)
    if remote is not None:
        return remote
    try:
        from weavebind.vectorizers.models.local import create
    except ImportError as exc:
        log.warning("%s: %s is not set and the in-process models cannot be imported (%s); install the "
                    "weavebind[clip] or [bind] extra", spec.name, spec.url_variable, exc)
        return None
    from weavebind.vectorizers.clients.local import LocalInferenceClient

    return LocalInferenceClient(spec.name, create(spec.name, settings),
                                lambda url: remote_client(spec, settings, url))


class MultiModalModule:
    """Module + ClassConfigValidator + ObjectVectorizer + QueryVectorizer (see base.py)."""

    def __init__(self, spec: ModuleSpec,
                 make_client: Callable[[ModuleSpec, Settings], InferenceClient | None] = default_client):
        self.spec = spec
        self.name = spec.name
        self.modalities = spec.modalities
        self._make_client = make_client
        self.client: InferenceClient | None = None
        self.pool: ThreadPoolExecutor | None = None
        self.max_inputs = 64

    # -- Module ----------------------------------------------------------------------------------------------
    def init(self, settings: Settings) -> None:
        self.client = self._make_client(self.spec, settings)
        self.max_inputs = settings.weavebind_inference_batch_size
        self.pool = ThreadPoolExecutor(settings.weavebind_inference_concurrency, thread_name_prefix=self.name)
        if self.client is None:
            # Weaviate refuses to start; weavebind starts, so a schema naming the module still loads, and every
            # vectorization answers 503 naming the variable.
            return
        wait = self.spec.wait_variable is None or getattr(settings, self.spec.wait_variable.lower())
        if wait:
            self.client.wait_ready(settings.weavebind_modules_init_timeout)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
        if self.client is not None:
            self.client.close()

    def meta(self) -> dict[str, Any]:
        try:
            return self._client().meta()
        except VectorizerError as exc:
            return {"error": exc.message}

    def _client(self) -> InferenceClient:
        if self.client is None:
            raise VectorizerError(f"{self.name}: required variable {self.spec.url_variable} is not set", 503)
        return self.client

    # -- ClassConfigValidator --------------------------------------------------------------------------------
    def validate_class_config(self, module_config: dict[str, Any], class_config: dict[str, Any]) -> None:
        properties = {p["name"]: p for p in class_config.get("properties") or [] if isinstance(p, dict)}
        parse_class_settings(module_config, self._modalities(), properties)

    def _modalities(self):
        return [MODALITY_BY_NAME[m] for m in self.modalities]

    # -- ObjectVectorizer ------------------------------------------------------------------------------------
    def vectorizable_properties(self, target: VectorTarget) -> set[str]:
        try:
            return parse_class_settings(target.module_config, self._modalities()).vectorizable_properties()
        except InvalidModuleConfig:
            return set()

    def vectorize_objects(self, target: VectorTarget, properties: Sequence[dict[str, Any]]) -> list[Result]:
        if not target.module_config:
            return [None] * len(properties)  # as Weaviate: no fields configured, the object gets no vector
        try:
            settings = parse_class_settings(target.module_config, self._modalities())
            client = self._client()
        except InvalidModuleConfig as exc:  # stored before validation was this strict
            return [VectorizerError(f"{self.name}: {exc.message}", exc.status)] * len(properties)
        except VectorizerError as exc:
            return [exc] * len(properties)
        return vectorize_all(client, settings, properties, self.max_inputs, self._run)

    def _run(self, func, chunks):
        if len(chunks) <= 1 or self.pool is None:
            return [func(chunk) for chunk in chunks]
        return list(self.pool.map(func, chunks))

    # -- QueryVectorizer -------------------------------------------------------------------------------------
    def vectorize_query(self, target: VectorTarget, modality: str, inputs: Sequence[str]) -> np.ndarray:
        """nearText (and hybrid): the mean of the concepts' vectors. Media: exactly one payload, one vector."""
        if modality not in self.modalities:
            raise VectorizerError(f"{self.name} cannot vectorize {modality}; it vectorizes "
                                  f"{', '.join(self.modalities)}", 422)
        argument = MODALITY_BY_NAME[modality].argument
        if modality == "text":
            texts = [t for t in inputs if isinstance(t, str) and t]
            if not texts:
                raise VectorizerError(f"{argument}: needs at least one non-empty concept", 422)
            return mean(list(self._query(target, modality, texts)))
        if len(inputs) != 1:
            raise VectorizerError(f"{argument}: needs exactly one {modality}, got {len(inputs)}", 422)
        payload = check_base64(inputs[0], modality, f"{argument}.{MODALITY_BY_NAME[modality].input_field}")
        return self._query(target, modality, [payload])[0]

    def _query(self, target: VectorTarget, modality: str, inputs: list[str]) -> np.ndarray:
        try:
            url = check_url(target.module_config.get("inferenceUrl"))
        except InvalidModuleConfig as exc:
            raise VectorizerError(f"{self.name}: {exc.message}", 422) from None
        try:
            return self._client().vectorize({modality: inputs}, url)[modality]
        except InferenceRejected as exc:
            if modality == "text":
                raise
            # The service answered and refused the query's own payload: a media file it cannot read, or one over
            # the media limits. The message names the query argument.
            where = f"{MODALITY_BY_NAME[modality].argument}.{MODALITY_BY_NAME[modality].input_field}"
            raise InferenceRejected(f"{where}: {exc.message}", 422, exc.item) from None
