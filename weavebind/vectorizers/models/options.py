"""What the in-process models take from the settings table (`weavebind/server/settings.py`), parsed once.

The models never read the environment: `ModelOptions.from_settings` picks the rows they need, so tests and the
benchmark build options directly.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from weavebind.vectorizers.limits import DEFAULT_LIMITS, MediaLimits

DEFAULT_CLIP_MODEL = "sentence-transformers/clip-ViT-B-32"
PRECISIONS = ("float32", "float16", "bfloat16")


@dataclass(frozen=True)
class ModelOptions:
    clip_model_name: str = DEFAULT_CLIP_MODEL
    text_model_name: str = ""             # empty: the same as clip_model_name
    models_path: Path = Path("models")     # baked models: <models_path>/clip and <models_path>/text
    bind_checkpoint: str = ""              # empty: .checkpoints/imagebind_huge.pth, then the torch hub cache
    enable_cuda: bool = False
    cuda_core: str = "cuda:0"
    precision: str = "float32"
    torch_threads: int = 0                 # 0: one per CPU this process may run on
    max_batch: int = 32
    max_wait_s: float = 0.002
    media_limits: MediaLimits = DEFAULT_LIMITS  # what one media item may cost to decode

    def __post_init__(self) -> None:
        if self.precision not in PRECISIONS:
            raise ValueError(f"invalid value for WEAVEBIND_MODEL_PRECISION: expected one of "
                             f"{', '.join(PRECISIONS)}, got {self.precision!r}")
        if self.torch_threads < 0:
            raise ValueError(f"invalid value for WEAVEBIND_TORCH_THREADS: expected 0 (all CPUs) or more, "
                             f"got {self.torch_threads}")
        if self.max_wait_s < 0:
            raise ValueError("invalid value for WEAVEBIND_MODEL_MAX_WAIT: expected a duration of 0 or more")
        if self.max_batch < 1:
            raise ValueError("invalid value for WEAVEBIND_MODEL_MAX_BATCH: expected a positive integer")

    @classmethod
    def from_settings(cls, settings: Any) -> ModelOptions:
        """From the parsed `Settings` (duck-typed: one attribute per table row, lower-cased)."""
        return cls(
            clip_model_name=settings.clip_model_name or DEFAULT_CLIP_MODEL,
            text_model_name=settings.text_model_name,
            models_path=Path(settings.weavebind_models_path),
            bind_checkpoint=settings.weavebind_bind_checkpoint,
            enable_cuda=settings.enable_cuda,
            cuda_core=settings.cuda_core,
            precision=settings.weavebind_model_precision,
            torch_threads=settings.weavebind_torch_threads,
            max_batch=settings.weavebind_model_max_batch,
            max_wait_s=settings.weavebind_model_max_wait,
            media_limits=MediaLimits.from_settings(settings),
        )

    @property
    def device(self) -> str:
        return self.cuda_core if self.enable_cuda else "cpu"

    def threads(self) -> int:
        if self.torch_threads:
            return self.torch_threads
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:  # not on Linux
            return max(1, os.cpu_count() or 1)
