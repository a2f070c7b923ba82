"""Errors of the in-process models, all `VectorizerError`s so the REST server answers them in Weaviate's shape.

- `ModelUnavailable` (503): the weights cannot be found or loaded; the message names the setting to fix.
- `BadInferenceRequest` (422): the `/vectorize` body is not what the containers accept (FastAPI's 422).
- Media the model cannot read is `weavebind.vectorizers.base.InferenceRejected` (status 422): the same type the
  remote client raises for a container's 500 `{"error"}`, so the module isolates the object either way.
"""

from __future__ import annotations

from typing import Any

from weavebind.vectorizers.base import InferenceRejected, VectorizerError


class ModelUnavailable(VectorizerError):
    def __init__(self, message: str, status: int = 503):
        super().__init__(message, status)


class BadInferenceRequest(VectorizerError):
    """`detail` is FastAPI's list of `{"type", "loc", "msg", "input"}` problems, answered as `{"detail": [...]}`."""

    def __init__(self, detail: list[dict[str, Any]]):
        super().__init__("; ".join(f"{'.'.join(map(str, d['loc']))}: {d['msg']}" for d in detail), 422)
        self.detail = detail


def rejected(module: str, where: str, exc: BaseException, item: tuple[str, int] | None = None) -> InferenceRejected:
    """A media item the model cannot read: the message names the request field and index (`images[2]`); `item`
    is (modality, index)."""
    return InferenceRejected(f"{module}: {where}: {exc}", status=422, item=item)
