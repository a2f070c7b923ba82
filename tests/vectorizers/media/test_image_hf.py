"""CLIP images in Hugging Face layout, as Weaviate's CLIP container prepares them (transformers' fast
`CLIPImageProcessor`, `use_fast=True`). Golden values were computed with transformers' fast processor on torchvision;
bench/clip_hf_parity.py checks the same against it directly on a machine where torchvision imports (not this one's
pinned CPU torch, so that check is a script rather than a test that would always skip here)."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from PIL import Image

from weavebind.vectorizers.media import CLIP_MEAN, CLIP_STD, MediaError, preprocess_image, preprocess_image_hf

# (width, height, seed) of a random RGB PNG → the sum of the processor's output and its values at POINTS.
POINTS = [(0, 0, 0), (1, 17, 200), (2, 111, 112), (0, 223, 223), (1, 5, 150), (2, 200, 3)]
GOLDEN = {
    (300, 400, 1): (28129.172, [0.631076, 0.273952, 0.354169, -0.14264, -0.011196, -0.243074]),
    (1000, 37, 2): (25805.418, [-1.237522, -0.25132, -0.143534, 0.353706, 0.724185, 1.292693]),
    (513, 769, 3): (28545.258, [-0.478404, 0.604122, 0.56747, 0.835454, 0.168897, 0.211968]),
    (227, 224, 4): (28729.55, [0.908446, -0.911662, 0.396829, 0.806257, 0.318975, 0.63857]),
}


def png(array: np.ndarray, mode: str | None = None) -> bytes:
    buffer = io.BytesIO()
    image = Image.fromarray(array)
    (image.convert(mode) if mode else image).save(buffer, "PNG")
    return buffer.getvalue()


def noise(width: int, height: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


@pytest.mark.parametrize("case", list(GOLDEN))
def test_matches_the_fast_processor_golden_values(case):
    out = preprocess_image_hf(png(noise(*case)), exif_transpose=False)
    total, values = GOLDEN[case]
    assert out.dtype == torch.float32 and out.shape == (3, 224, 224)
    # one 8-bit step anywhere moves the sum by about 0.015
    assert float(out.double().sum()) == pytest.approx(total, abs=3e-3)
    np.testing.assert_allclose([float(out[p]) for p in POINTS], values, rtol=0, atol=2e-6)


def test_a_uniform_image_is_the_fused_normalisation_of_its_colour():
    colour = (200, 100, 7)
    out = preprocess_image_hf(png(np.full((300, 500, 3), colour, dtype=np.uint8)))
    for channel, value in enumerate(colour):
        expected = torch.tensor(value, dtype=torch.float32).sub(torch.tensor(CLIP_MEAN[channel]) * 255.0)
        expected = expected.div(torch.tensor(CLIP_STD[channel]) * 255.0)
        assert torch.equal(out[channel], torch.full((224, 224), float(expected)))


def test_the_crop_starts_at_the_truncated_offset():
    """227 × 224 needs no resize; the crop starts at column int(3 / 2) = 1 (torchvision's CenterCrop: round → 2)."""
    columns = np.tile(np.arange(227, dtype=np.uint8)[None, :, None], (224, 1, 3))
    out = preprocess_image_hf(png(columns))
    first = out[0, 0, 0] * CLIP_STD[0] * 255 + CLIP_MEAN[0] * 255
    assert float(first) == pytest.approx(1.0, abs=1e-4)
    assert float(preprocess_image(png(columns))[0, 0, 0] * CLIP_STD[0] * 255 + CLIP_MEAN[0] * 255) == pytest.approx(
        2.0, abs=1e-4)


@pytest.mark.parametrize("mode", ["L", "RGBA", "P", "LA"])
def test_other_modes_are_converted_to_rgb_first(mode):
    array = noise(260, 240, 5)
    rgb = Image.open(io.BytesIO(png(array, mode))).convert("RGB")
    assert torch.equal(preprocess_image_hf(png(array, mode)), preprocess_image_hf(png(np.asarray(rgb))))


def test_unreadable_bytes_are_a_media_error():
    with pytest.raises(MediaError):
        preprocess_image_hf(b"not an image")


def test_the_media_limits_hold_before_decoding():
    from dataclasses import replace

    from weavebind.vectorizers.limits import DEFAULT_LIMITS
    small = replace(DEFAULT_LIMITS, max_side=100)
    with pytest.raises(MediaError, match="WEAVEBIND_MEDIA_MAX_SIDE"):
        preprocess_image_hf(png(noise(300, 90, 1)), limits=small)
