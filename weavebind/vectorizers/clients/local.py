"""The in-process client: the module's model in this process (`models/local.py`), behind the same
`InferenceClient` contract as the remote container client, so the module cannot tell them apart.

Used when the module's inference URL (`CLIP_INFERENCE_API` / `BIND_INFERENCE_API`) is not set. The model loads
lazily on first use, so a server without weights (offline, nothing downloaded yet) starts and serves everything
else; the first vectorization then fails with a 503 that names the setting to point at local weights. A class's
own `inferenceUrl` still goes to that container.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from weavebind.metrics import inference_done
from weavebind.vectorizers.base import MODALITY_BY_NAME, InferenceClient, VectorizerError


class LocalInferenceClient:
    def __init__(self, module: str, inference: Any, remote_for: Callable[[str], InferenceClient]):
        self.module = module
        self.inference = inference          # a models.local.LocalInference
        self._remote_for = remote_for       # builds a remote client for a class's inferenceUrl
        self._remotes: dict[str, InferenceClient] = {}

    def vectorize(self, inputs: Mapping[str, Sequence[str]], url: str | None = None) -> dict[str, np.ndarray]:
        if url:
            if url not in self._remotes:
                self._remotes[url] = self._remote_for(url)
            return self._remotes[url].vectorize(inputs, url)
        wanted = {m: list(items) for m, items in inputs.items() if items}
        request = {MODALITY_BY_NAME[m].request_key: items for m, items in wanted.items()}
        started = time.perf_counter()
        answer = self.inference.vectorize(request)
        inference_done(self.module, "local", sum(len(items) for items in wanted.values()), started)
        return {m: np.asarray(answer[MODALITY_BY_NAME[m].response_key], dtype=np.float32).reshape(len(items), -1)
                for m, items in wanted.items()}

    def meta(self) -> dict[str, Any]:
        """The model's meta once loaded. Before that, `/v1/meta` must not trigger a (possibly multi-GB) load."""
        if not self.inference.loaded:
            about = {"inference": "in-process", "loaded": False}
            if self.inference.load_error is not None:
                about["error"] = str(self.inference.load_error)
            return about
        try:
            return self.inference.meta()
        except VectorizerError:
            raise
        except Exception as exc:  # a broken checkpoint file, say: still a clear answer, never a crash
            raise VectorizerError(f"{self.module}: local model: {exc}", 503) from exc

    def wait_ready(self, timeout_s: float) -> None:
        """Nothing to wait for: the model loads on first use (start-up must not depend on downloads)."""

    def close(self) -> None:
        self.inference.close()
        for remote in self._remotes.values():
            remote.close()
