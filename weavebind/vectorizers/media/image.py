"""Images for CLIP and ImageBind, and the single-channel images of ImageBind's depth and thermal encoders.

The reference transform (ImageBind `load_and_transform_vision_data`, Weaviate's BIND `bind_data.py`, CLIP's image
processor) is torchvision's `Resize(224, BICUBIC)` on a PIL image (PIL's antialiased bicubic, short side to 224,
long side `int(224 * long / short)`), `CenterCrop(224)`, `ToTensor` and `Normalize`. It is written here with PIL and
torch only; the arithmetic is the same, step for step.
"""

from __future__ import annotations

import io
import warnings
from typing import Literal

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from weavebind.vectorizers.limits import DEFAULT_LIMITS, MediaLimits
from weavebind.vectorizers.media.bounds import check_picture
from weavebind.vectorizers.media.errors import MediaError, require_bytes

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
IMAGE_SIZE = 224
CropRounding = Literal["round", "floor"]
# Every image's size is checked against weavebind's own limits (`check_picture`) as soon as its header is read.
# Pillow's process-wide check would refuse first, at its own threshold and with its own message, or warn through
# the warnings machinery, which is not thread-safe (images are decoded side by side).
Image.MAX_IMAGE_PIXELS = None


def open_image(data: bytes, modality: str = "image", *, exif_transpose: bool = True,
               limits: MediaLimits = DEFAULT_LIMITS, size: int = IMAGE_SIZE) -> Image.Image:
    """Decode `data` with PIL, fully (a truncated file fails here, not later). The header's size is checked against
    `limits` before any pixel is decoded (`size`: the short side the caller scales to). With `exif_transpose` the
    EXIF orientation is applied, so a phone photo is seen upright; the reference containers ignore it (see
    `preprocess_image`). Raises `MediaError` for anything PIL cannot read and for images over the limits."""
    data = require_bytes(data, modality)
    try:
        image = Image.open(io.BytesIO(data))  # reads the header only
    except UnidentifiedImageError:
        raise MediaError(modality, "not an image in a format Pillow can read (JPEG, PNG, GIF, BMP, TIFF, WebP, "
                                   "...)") from None
    except Exception as exc:  # decoders raise many types (OSError, SyntaxError, struct.error, ...) on bad files
        raise MediaError(modality, f"the image is corrupt or truncated ({exc})") from None
    check_picture(modality, limits, image.width, image.height, size)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Palette images with Transparency")
            image.load()
    except Exception as exc:
        raise MediaError(modality, f"the image is corrupt or truncated ({exc})") from None
    if image.width < 1 or image.height < 1:
        raise MediaError(modality, "the image has no pixels")
    if exif_transpose:
        try:
            image = ImageOps.exif_transpose(image)
        except Exception:  # a broken EXIF block leaves the pixels as they are stored, as the references use them
            pass
    return image


def resize_short_side(image: Image.Image, size: int = IMAGE_SIZE) -> Image.Image:
    """torchvision `Resize(size, BICUBIC)` on a PIL image: the short side becomes `size`, the long side
    `int(size * long / short)`; PIL's bicubic filter (antialiased when shrinking)."""
    width, height = image.size
    short, long = (width, height) if width <= height else (height, width)
    new_short, new_long = size, int(size * long / short)
    new_size = (new_short, new_long) if width <= height else (new_long, new_short)
    if new_size == image.size:
        return image
    return image.resize(new_size, Image.Resampling.BICUBIC)


def center_crop(image: Image.Image, size: int = IMAGE_SIZE, rounding: CropRounding = "round") -> Image.Image:
    """A `size` x `size` centre crop. "round" is torchvision's `CenterCrop` (offset `int(round((d - size) / 2))`,
    Python's round half to even); "floor" is Hugging Face's slow `CLIPImageProcessor` (`(d - size) // 2`)."""
    width, height = image.size
    if width < size or height < size:
        raise ValueError(f"image {width}x{height} is smaller than the {size} crop")
    if rounding == "round":
        top, left = int(round((height - size) / 2.0)), int(round((width - size) / 2.0))
    else:
        top, left = (height - size) // 2, (width - size) // 2
    return image.crop((left, top, left + size, top + size))


def to_tensor(image: Image.Image) -> torch.Tensor:
    """torchvision `ToTensor` for 8-bit images: `float32[C, H, W]` in [0, 1]."""
    array = np.asarray(image, dtype=np.uint8)
    if array.ndim == 2:
        array = array[:, :, None]
    return torch.from_numpy(array.copy()).permute(2, 0, 1).float().div(255)


def normalize(tensor: torch.Tensor, mean: tuple[float, ...], std: tuple[float, ...]) -> torch.Tensor:
    """torchvision `Normalize`: `(x - mean) / std` per channel, in float32."""
    mean_t = torch.as_tensor(mean, dtype=tensor.dtype).view(-1, 1, 1)
    std_t = torch.as_tensor(std, dtype=tensor.dtype).view(-1, 1, 1)
    return tensor.sub(mean_t).div(std_t)


def transform(
    image: Image.Image,
    mode: str,
    mean: tuple[float, ...],
    std: tuple[float, ...],
    *,
    size: int = IMAGE_SIZE,
    crop_rounding: CropRounding = "round",
) -> torch.Tensor:
    """`convert(mode)` (when the mode differs, as the references do), resize, centre crop, to tensor, normalise."""
    if image.mode != mode:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Palette images with Transparency")
            image = image.convert(mode)
    image = center_crop(resize_short_side(image, size), size, crop_rounding)
    return normalize(to_tensor(image), mean, std)


def preprocess_image(
    data: bytes,
    *,
    size: int = IMAGE_SIZE,
    exif_transpose: bool = True,
    crop_rounding: CropRounding = "round",
    limits: MediaLimits = DEFAULT_LIMITS,
) -> torch.Tensor:
    """Image file bytes to `float32[3, 224, 224]`, CLIP-normalised: the input of ImageBind's vision encoder and of
    CLIP's (stack to `[N, 3, 224, 224]`). Any mode PIL reads is converted to RGB as the references do (`RGBA` and
    `LA` drop alpha without compositing, palette images go through their palette).

    Differences from the reference, on purpose and by option: `exif_transpose=True` applies the EXIF orientation
    (Weaviate's containers and ImageBind ignore it; pass False for their exact vectors of rotated photos).
    `crop_rounding="floor"` matches Hugging Face's slow CLIP image processor where the centre is half a pixel off."""
    image = open_image(data, "image", exif_transpose=exif_transpose, limits=limits, size=size)
    return transform(image, "RGB", CLIP_MEAN, CLIP_STD, size=size, crop_rounding=crop_rounding)


def preprocess_single_channel(data: bytes, modality: str, *, exif_transpose: bool = True,
                              limits: MediaLimits = DEFAULT_LIMITS) -> torch.Tensor:
    """Depth or thermal image bytes to `float32[1, 224, 224]`, Weaviate's BIND transform (upstream ImageBind has no
    loader for them): `convert("L")`, the image resize and crop, then `Normalize(0.48145466, 0.26862954)` (the red
    channel's CLIP statistics). A 16-bit PNG depth map is reduced to 8 bits by PIL's `convert("L")`, as there."""
    image = open_image(data, modality, exif_transpose=exif_transpose, limits=limits)
    return transform(image, "L", CLIP_MEAN[:1], CLIP_STD[:1])
