"""The inputs of the golden files: shared by `golden/generate.py` (reference side) and the tests (our side).

Arrays are stored subsampled (`*_SLICE`) to keep the fixtures small; a crop or frame off by one pixel still changes
every stored value.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from tests.vectorizers.media import synth

FBANK_KWARGS = dict(
    htk_compat=True,
    sample_frequency=16000,
    use_energy=False,
    window_type="hanning",
    num_mel_bins=128,
    dither=0.0,
    frame_length=25,
    frame_shift=10,
)
RESAMPLE_RATES = (44100, 48000, 22050, 8000, 44056)

# name: (seconds, sample rate, channels) of synth.tone, written as a PCM16 WAV.
AUDIO_CASES = {
    "audio_stereo_44k": (2.5, 44100, 2),  # resampled; channel 0 only, mean over both; clips overlap
    "audio_mono_16k_short": (1.3, 16000, 1),  # shorter than a clip: 3 clips at 0, 130 frames padded to 204
    "audio_mono_16k_5s": (5.0, 16000, 1),  # clips [0,2], [1.5,3.5], [3,5]: the in-place mean subtraction shows
    "audio_mono_22k_7s": (7.0, 22050, 1),
}
AUDIO_SLICE = (slice(None), slice(None), slice(None, None, 8), slice(None))


def _rgb_landscape() -> Image.Image:
    return Image.fromarray(synth.pattern(301, 173, seed=1))


def _rgba_portrait() -> Image.Image:
    image = Image.fromarray(synth.pattern(173, 301, seed=2)).convert("RGBA")
    alpha = Image.linear_gradient("L").resize(image.size)
    image.putalpha(alpha)
    return image


def _palette_square() -> Image.Image:
    image = Image.fromarray(synth.pattern(250, 250, seed=3)).quantize(colors=64, dither=Image.Dither.NONE)
    image.info["transparency"] = 0
    return image


def _gray_large() -> Image.Image:
    return Image.fromarray(synth.pattern(640, 480, seed=4)[..., 1])


def _odd_crop() -> Image.Image:
    return Image.fromarray(synth.pattern(227, 300, seed=5))


IMAGE_CASES = {
    "image_rgb_landscape": _rgb_landscape,
    "image_rgba_portrait": _rgba_portrait,
    "image_palette_square": _palette_square,
    "image_gray": _gray_large,
    "image_odd_crop": _odd_crop,
}
GRAY_CASES = {
    "gray_from_l": _gray_large,
    "gray_from_rgb": _odd_crop,
}
IMAGE_SLICE = (slice(None), slice(None, None, 7), slice(None, None, 7))

VIDEO_CASES = {
    # lossless RGB frames, so the golden does not depend on the FFmpeg build's encoder; the MKV stream has no
    # duration (decoded whole, no seeking), the others have one (a seek per clip)
    "video_mov_landscape": dict(frames=33, fps=10, width=96, height=64, fmt="mov", codec="png", pix_fmt="rgb24"),
    "video_mkv_portrait": dict(frames=25, fps=10, width=64, height=96, fmt="matroska", codec="ffv1", pix_fmt="bgr0"),
    "video_avi_wide": dict(frames=48, fps=12, width=160, height=48, fmt="avi", codec="png", pix_fmt="rgb24"),
    "video_mov_short": dict(frames=7, fps=5, width=80, height=80, fmt="mov", codec="png", pix_fmt="rgb24"),
}
VIDEO_SLICE = (slice(None), slice(None), slice(None), slice(None, None, 16), slice(None, None, 16))


GOLDEN_DIR = Path(__file__).resolve().parent / "golden"


def golden(name: str) -> np.ndarray:
    """A golden array written by `golden/generate.py` from the reference implementation."""
    return np.load(GOLDEN_DIR / f"{name}.npy")


def golden_tokens() -> dict:
    return json.loads((GOLDEN_DIR / "tokens.json").read_text(encoding="utf-8"))
