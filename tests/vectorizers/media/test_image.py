"""Images, depth and thermal against ImageBind's / Weaviate BIND's torchvision transforms (golden arrays)."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from PIL import Image

from tests.vectorizers.media import golden_cases as cases
from tests.vectorizers.media import synth
from weavebind.vectorizers.media import (
    preprocess_depth,
    preprocess_image,
    preprocess_thermal,
)
from weavebind.vectorizers.media.image import center_crop, resize_short_side

EXACT = dict(rtol=0, atol=1e-6)


@pytest.mark.parametrize("name", list(cases.IMAGE_CASES))
def test_image_matches_imagebind(name):
    out = preprocess_image(synth.png_bytes(cases.IMAGE_CASES[name]()))
    assert out.dtype == torch.float32 and out.shape == (3, 224, 224)
    np.testing.assert_allclose(out[cases.IMAGE_SLICE].numpy(), cases.golden(name), **EXACT)


@pytest.mark.parametrize("name", list(cases.GRAY_CASES))
@pytest.mark.parametrize("function", [preprocess_depth, preprocess_thermal])
def test_depth_and_thermal_match_weaviate_bind(name, function):
    out = function(synth.png_bytes(cases.GRAY_CASES[name]()))
    assert out.dtype == torch.float32 and out.shape == (1, 224, 224)
    np.testing.assert_allclose(out[cases.IMAGE_SLICE].numpy(), cases.golden(name), **EXACT)


def test_normalisation_of_flat_colours():
    white = preprocess_image(synth.png_bytes(Image.new("RGB", (50, 40), (255, 255, 255))))
    expected = [(1 - m) / s for m, s in zip((0.48145466, 0.4578275, 0.40821073), (0.26862954, 0.26130258, 0.27577711),
                                            strict=True)]
    assert torch.allclose(white.mean(dim=(1, 2)), torch.tensor(expected), atol=1e-5)
    black = preprocess_depth(synth.png_bytes(Image.new("L", (300, 300), 0)))
    assert torch.allclose(black, torch.full((1, 224, 224), -0.48145466 / 0.26862954), atol=1e-6)


def _jpeg_with_orientation(array: np.ndarray, orientation: int) -> bytes:
    image = Image.fromarray(array)
    exif = Image.Exif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=95, exif=exif.tobytes())
    return buffer.getvalue()


def test_exif_orientation_is_applied():
    array = synth.pattern(320, 240, seed=7)  # stored landscape, tagged "rotate 90 CW to display" (6)
    rotated = _jpeg_with_orientation(array, 6)
    upright = io.BytesIO()
    Image.fromarray(array).transpose(Image.Transpose.ROTATE_270).save(upright, format="JPEG", quality=95)
    ours = preprocess_image(rotated)
    as_displayed = preprocess_image(upright.getvalue())
    as_stored = preprocess_image(rotated, exif_transpose=False)
    # JPEG recompression differs a little; the orientation decides everything else
    assert (ours - as_displayed).abs().mean() < 0.05
    assert (ours - as_stored).abs().mean() > 0.3


def test_modes_are_converted():
    base = synth.pattern(60, 45, seed=8)
    for image in (
        Image.fromarray(base).convert("RGBA"),
        Image.fromarray(base).convert("LA"),
        Image.fromarray(base).convert("CMYK"),
        Image.fromarray(base).convert("1"),
        Image.fromarray(base).convert("P"),
        Image.fromarray(base[..., 0]).convert("I"),
    ):
        fmt = "JPEG" if image.mode == "CMYK" else "TIFF" if image.mode in ("I", "LA") else "PNG"
        buffer = io.BytesIO()
        image.save(buffer, format=fmt)
        out = preprocess_image(buffer.getvalue())
        assert out.shape == (3, 224, 224) and torch.isfinite(out).all(), image.mode


def test_other_formats():
    image = Image.fromarray(synth.pattern(90, 70, seed=9))
    for fmt in ("JPEG", "GIF", "BMP", "WEBP", "TIFF"):
        buffer = io.BytesIO()
        image.save(buffer, format=fmt)
        assert preprocess_image(buffer.getvalue()).shape == (3, 224, 224), fmt


def test_resize_and_crop_geometry():
    image = Image.new("RGB", (1000, 224))
    assert resize_short_side(image) is image  # already 224 on the short side: untouched, as torchvision
    assert resize_short_side(Image.new("RGB", (640, 360))).size == (398, 224)  # int(224 * 640 / 360)
    assert resize_short_side(Image.new("RGB", (173, 301))).size == (224, 389)
    tall = Image.fromarray(np.arange(227 * 224, dtype=np.uint32).reshape(227, 224).astype(np.uint8))
    assert center_crop(tall, rounding="round").size == (224, 224)
    # 3 spare rows: torchvision rounds 1.5 to 2 (half to even), Hugging Face's slow processor floors to 1
    assert np.array_equal(np.asarray(center_crop(tall, rounding="round")), np.asarray(tall)[2:226])
    assert np.array_equal(np.asarray(center_crop(tall, rounding="floor")), np.asarray(tall)[1:225])


def test_one_pixel_image():
    out = preprocess_image(synth.png_bytes(Image.new("RGB", (1, 1), (10, 20, 30))))
    assert out.shape == (3, 224, 224)
    assert torch.allclose(out, out[:, :1, :1].expand_as(out))
