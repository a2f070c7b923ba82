"""Thermal images for ImageBind's thermal encoder: the same transform as depth in Weaviate's BIND container."""

from __future__ import annotations

import torch

from weavebind.vectorizers.limits import DEFAULT_LIMITS, MediaLimits
from weavebind.vectorizers.media.image import preprocess_single_channel


def preprocess_thermal(data: bytes, *, exif_transpose: bool = True,
                       limits: MediaLimits = DEFAULT_LIMITS) -> torch.Tensor:
    """Thermal (infrared) image bytes to `float32[1, 224, 224]`: `convert("L")`, short side 224 bicubic, centre
    crop, `(x / 255 - 0.48145466) / 0.26862954`."""
    return preprocess_single_channel(data, "thermal", exif_transpose=exif_transpose, limits=limits)
