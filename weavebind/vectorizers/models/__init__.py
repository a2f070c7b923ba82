"""In-process models: CLIP (Hugging Face and sentence-transformers layouts) and ImageBind `imagebind_huge`, served
through `LocalInference` with exactly the JSON of Weaviate's inference containers.

Importing this package imports nothing heavy; `LocalInference` and `create` load torch on first access.
See docs/models.md.
"""

from __future__ import annotations

from typing import Any

__all__ = ["LocalInference", "ModelOptions", "create"]


def __getattr__(name: str) -> Any:
    if name in ("LocalInference", "create"):
        from weavebind.vectorizers.models import local

        return getattr(local, name)
    if name == "ModelOptions":
        from weavebind.vectorizers.models.options import ModelOptions

        return ModelOptions
    raise AttributeError(name)
