"""Images for CLIP checkpoints in Hugging Face layout, as Weaviate's CLIP container prepares them: its OpenAI path
loads `CLIPProcessor.from_pretrained(..., use_fast=True)`, transformers' fast (torchvision) image processor.

It differs from the PIL transform of `image.py` (ImageBind's, and transformers' slow processor's) in three places,
about 5e-4 apart in the final vectors:
- the resize runs on the 8-bit tensor: torch's antialiased bicubic interpolation on `uint8`, rounded to `uint8`
  inside the kernel, not PIL's bicubic filter;
- the centre crop starts at `int((d - 224) / 2)` (truncated, as the slow processor's floor), not torchvision's round;
- rescale and normalise are fused: `(x - mean·255) / (std·255)` on the 0-255 values.
Written with torch alone (torchvision is not needed): `torch.nn.functional.interpolate` is the op torchvision's
resize calls for `uint8` bicubic on the CPU.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
import torch.nn.functional as F

from weavebind.vectorizers.limits import DEFAULT_LIMITS, MediaLimits
from weavebind.vectorizers.media.image import CLIP_MEAN, CLIP_STD, IMAGE_SIZE, open_image

RESCALE = 1 / 255  # the processor's rescale_factor; fused into mean and std as 1 / RESCALE


def preprocess_image_hf(data: bytes, *, exif_transpose: bool = True, limits: MediaLimits = DEFAULT_LIMITS,
                        size: int = IMAGE_SIZE) -> torch.Tensor:
    """Image file bytes to `float32[3, size, size]`: the container converts to RGB (alpha dropped, as in
    `preprocess_image`), then the fast processor resizes the short side to `size`, crops the centre and normalises.
    `exif_transpose` as in `preprocess_image` (the container ignores EXIF orientation: pass False for its vectors
    of rotated photos). The image's size is checked against `limits` from its header, before it is decoded."""
    image = open_image(data, "image", exif_transpose=exif_transpose, limits=limits, size=size)
    if image.mode != "RGB":
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Palette images with Transparency")
            image = image.convert("RGB")
    pixels = torch.from_numpy(np.array(image, dtype=np.uint8)).permute(2, 0, 1).contiguous()
    return normalize_fused(center_crop_truncated(resize_short_side_uint8(pixels, size), size))


def resize_short_side_uint8(pixels: torch.Tensor, size: int) -> torch.Tensor:
    """`uint8[C, H, W]` with the short side `size` and the long side `int(size * long / short)`, by antialiased
    bicubic interpolation on the 8-bit values (an image already that size is returned as it is)."""
    height, width = pixels.shape[-2:]
    if height <= width:
        new_size = (size, int(size * width / height))
    else:
        new_size = (int(size * height / width), size)
    if new_size == (height, width):
        return pixels
    resized = F.interpolate(pixels[None], size=new_size, mode="bicubic", align_corners=False, antialias=True)
    return resized[0]


def center_crop_truncated(pixels: torch.Tensor, size: int) -> torch.Tensor:
    """A `size` × `size` centre crop starting at `int((d - size) / 2)`; the resize leaves both sides ≥ `size`."""
    height, width = pixels.shape[-2:]
    top, left = int((height - size) / 2.0), int((width - size) / 2.0)
    return pixels[:, top:top + size, left:left + size]


def normalize_fused(pixels: torch.Tensor) -> torch.Tensor:
    """`(x - mean / RESCALE) / (std / RESCALE)` in float32 on the 0-255 values, the processor's fused rescale and
    normalise (the float32 rounding is the processor's, not that of `x / 255` then normalise)."""
    mean = (torch.tensor(CLIP_MEAN) * (1.0 / RESCALE)).view(-1, 1, 1)
    std = (torch.tensor(CLIP_STD) * (1.0 / RESCALE)).view(-1, 1, 1)
    return pixels.to(torch.float32).sub_(mean).div_(std)
