"""`LocalInference`: a Weaviate inference container in process. `vectorize(request)` takes and answers exactly the
container's JSON (spec inference.md 1.2-1.3), so a local client (a direct call) and the remote client (HTTP to
`weavebind inference`, or to Weaviate's own container) are interchangeable; `meta()` is the container's `/meta`.

The model loads once, on first use (or `load()`). A failed load raises `ModelUnavailable` naming the setting to fix
and is kept in `load_error`; the next use tries again, so weights that appear later (a download, a mounted
directory) are picked up. Media are preprocessed side by side in a thread pool, and before the model is loaded
(bad media is the client's 422 even while the model loads or cannot); the forward passes go through one `Batcher`
per request key, so concurrent requests share forward passes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import torch

from weavebind.vectorizers.base import MODALITIES
from weavebind.vectorizers.models import requests
from weavebind.vectorizers.models.batching import Batcher
from weavebind.vectorizers.models.errors import rejected
from weavebind.vectorizers.models.options import ModelOptions
from weavebind.vectorizers.models.preprocess import ITEM_SHAPES, LazyMedia, Preprocessors, media_errors

log = logging.getLogger("weavebind.models")
MODALITY_NAMES = {m.request_key: m.name for m in MODALITIES}  # "images" → "image", as MediaError names them


class LocalInference:
    """One module's model (`multi2vec-clip` or `multi2vec-bind`) behind the container API."""

    def __init__(self, module: str, options: ModelOptions, preprocessors: Preprocessors | None = None,
                 backend_factory: Callable[[ModelOptions, Preprocessors], Any] | None = None):
        self.module = module
        self.keys = requests.REQUEST_KEYS[module]
        self.options = options
        self.media = preprocessors if preprocessors is not None else LazyMedia(options.media_limits)
        self._factory = backend_factory or _default_factory(module)
        self._backend: Any = None
        self._batchers: dict[str, Batcher] = {}
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self.load_error: Exception | None = None

    # -- life cycle ------------------------------------------------------------------------------------------
    @property
    def loaded(self) -> bool:
        return self._backend is not None

    def load(self) -> None:
        """Load the model if it is not loaded; raises `ModelUnavailable` (and keeps it in `load_error`)."""
        if self._backend is not None:
            return
        with self._lock:
            if self._backend is not None:
                return
            try:
                backend = self._factory(self.options, self.media)
            except Exception as exc:
                self.load_error = exc
                log.error("%s: the model did not load: %s", self.module, exc)
                raise
            self._batchers = {key: Batcher(f"{self.module}:{key}", encoder.forward, self.options.max_batch,
                                           self.options.max_wait_s, encoder.clips)
                              for key, encoder in backend.encoders.items()}
            self._backend, self.load_error = backend, None

    def close(self) -> None:
        for batcher in self._batchers.values():
            batcher.close()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def meta(self) -> dict[str, Any]:
        self.load()
        return self._backend.meta()

    # -- vectorize -------------------------------------------------------------------------------------------
    def vectorize(self, request: Any) -> dict[str, list[list[float]]]:
        """The container's `/vectorize`: `{"texts": [...], "images": [...], ...}` → every `<x>Vectors` key of the
        module, in input order, `[]` for what was not asked. Raises `BadInferenceRequest` (422) for a body the
        container refuses, `InferenceRejected` (422) for media that cannot be read or is over the media limits,
        `ModelUnavailable` (503)."""
        inputs = requests.parse(request, self.keys)
        if not any(inputs.values()):
            return requests.answer(self.keys, {})
        if not self.loaded:
            self._validate(inputs)
        self.load()
        batches = {key: self._prepare(key, items) for key, items in inputs.items() if items}
        futures = {key: self._batchers[key].submit(batch) for key, batch in batches.items()}
        return requests.answer(self.keys, {key: _rows(future) for key, future in futures.items()})

    def vectors(self, key: str, batch: torch.Tensor) -> torch.Tensor:
        """Prepared inputs straight to the batched forward pass (the benchmark's and tests' entry)."""
        self.load()
        return self._batchers[key].submit(batch).result()

    def _validate(self, inputs: dict[str, list[str]]) -> None:
        """Media decoded and bounded before the model is needed: loading takes a while, or fails for want of
        weights, and neither must hide that the request's own media is bad (a 422, not a 503). Only while the model
        is not loaded; once it is, `_prepare` decodes each item once, with the encoder's own preprocessing."""
        for key, items in inputs.items():
            if items and key in ITEM_SHAPES:
                self._each_item(key, items, self.media[key])

    def _prepare(self, key: str, items: list[str]) -> torch.Tensor:
        """The batch of one request key."""
        encoder = self._backend.encoders[key]
        if encoder.item_shape is None:
            return encoder.prepare(items)
        return encoder.stack(self._each_item(key, items, encoder.prepare))

    def _each_item(self, key: str, items: list[str], prepare: Callable[[bytes], torch.Tensor]) -> list[torch.Tensor]:
        """`prepare` on each decoded media item, side by side (decoders and resizing release the GIL; a GPU
        otherwise waits for one CPU core); the first unreadable item in request order is the one reported."""
        errors, modality = media_errors(), MODALITY_NAMES[key]

        def one(indexed: tuple[int, str]) -> torch.Tensor:
            index, payload = indexed
            try:
                return prepare(self.media["decode"](payload, modality))
            except errors as exc:
                raise rejected(self.module, f"{key}[{index}]", exc, (modality, index)) from None

        if len(items) == 1:
            return [one((0, items[0]))]
        return list(self._preprocess_pool().map(one, enumerate(items)))

    def _preprocess_pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.options.threads(), thread_name_prefix=f"{self.module}-media")
            return self._pool


def _rows(future: Future) -> list[list[float]]:
    return future.result().tolist()


def _default_factory(module: str) -> Callable[[ModelOptions, Preprocessors], Any]:
    if module == "multi2vec-clip":
        from weavebind.vectorizers.models.clip_backend import ClipBackend

        return ClipBackend
    from weavebind.vectorizers.models.imagebind_backend import BindBackend

    return BindBackend


def create(module: str, settings: Any, preprocessors: Mapping[str, Callable[..., Any]] | None = None
           ) -> LocalInference:
    """The local inference of `module` configured from the parsed settings table."""
    return LocalInference(module, ModelOptions.from_settings(settings), preprocessors)
