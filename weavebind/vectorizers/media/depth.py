"""Depth maps for ImageBind's depth encoder (Weaviate's BIND transform; upstream ImageBind has no depth loader)."""

from __future__ import annotations

import torch

from weavebind.vectorizers.limits import DEFAULT_LIMITS, MediaLimits
from weavebind.vectorizers.media.image import preprocess_single_channel


def preprocess_depth(data: bytes, *, exif_transpose: bool = True,
                     limits: MediaLimits = DEFAULT_LIMITS) -> torch.Tensor:
    """Depth image bytes (any format PIL reads; 3-channel files are converted to L) to `float32[1, 224, 224]`:
    short side 224 bicubic, centre crop, `(x / 255 - 0.48145466) / 0.26862954`."""
    return preprocess_single_channel(data, "depth", exif_transpose=exif_transpose, limits=limits)
