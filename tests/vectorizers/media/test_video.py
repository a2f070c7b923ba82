"""Video against Weaviate BIND's loader (pytorchvideo's PyAV `EncodedVideo`, ImageBind's crops) as golden arrays."""

from __future__ import annotations

import io
from fractions import Fraction

import av
import numpy as np
import pytest
import torch

from tests.vectorizers.media import golden_cases as cases
from tests.vectorizers.media import synth
from weavebind.vectorizers.media import CLIP_MEAN, CLIP_STD, preprocess_video
from weavebind.vectorizers.media.video import short_side_scale, spatial_crops


@pytest.mark.parametrize("name", list(cases.VIDEO_CASES))
def test_video_matches_weaviate_bind(name):
    out = preprocess_video(synth.encode_video(**cases.VIDEO_CASES[name]))
    assert out.dtype == torch.float32 and out.shape == (15, 3, 2, 224, 224)
    np.testing.assert_allclose(out[cases.VIDEO_SLICE].numpy(), cases.golden(name), rtol=0, atol=1e-5)


def _frame_index(out: torch.Tensor, view: int, t: int) -> int:
    """The test frame's index from its red channel (frame_image sets it to 23 * index mod 256; 167 = 1 / 23 mod 256)."""
    red = round((out[view, 0, t].mean().item() * CLIP_STD[0] + CLIP_MEAN[0]) * 255)
    return red * 167 % 256


def test_frames_are_first_and_last_of_each_clip():
    # 5 s at 10 fps: clips start at 0, 0.6, 1.2, 1.8, 2.4 s and hold frames [ceil(10 s), ceil(10 e))
    data = synth.encode_video(50, 10, 64, 48, fmt="avi", codec="png", pix_fmt="rgb24")
    out = preprocess_video(data)
    picked = [(_frame_index(out, 3 * clip, 0), _frame_index(out, 3 * clip, 1)) for clip in range(5)]
    assert picked == [(0, 19), (6, 25), (12, 31), (18, 37), (24, 43)]
    for clip in range(5):  # the three crops of a clip share its frames
        assert _frame_index(out, 3 * clip + 2, 1) == picked[clip][1]


def test_lossy_codecs_decode():
    for kwargs in (
        dict(fmt="mp4", codec="mpeg4"),
        dict(fmt="mp4", codec="libx264"),
        dict(fmt="webm", codec="libvpx-vp9"),
        dict(fmt="gif", codec="gif", pix_fmt="rgb8"),
    ):
        out = preprocess_video(synth.encode_video(16, 8, 72, 40, **kwargs))
        assert out.shape == (15, 3, 2, 224, 224) and torch.isfinite(out).all(), kwargs


def test_duration_comes_from_the_stream_minus_its_start_time():
    data = synth.encode_video(33, 10, 96, 64, fmt="mov", codec="png", pix_fmt="rgb24")
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        assert stream.duration is not None and stream.time_base == Fraction(1, 10240)  # mov picks its own clock


def test_short_side_scale_and_crops():
    clip = torch.arange(3 * 2 * 360 * 640, dtype=torch.float32).reshape(3, 2, 360, 640)
    scaled = short_side_scale(clip)
    assert scaled.shape == (3, 2, 224, 398)  # spec: wind_noise.mp4 after ShortSideScale
    crops = spatial_crops(scaled)
    assert [c.shape for c in crops] == [(3, 2, 224, 224)] * 3
    assert torch.equal(crops[0], scaled[..., :224]) and torch.equal(crops[2], scaled[..., -224:])
    assert torch.equal(crops[1], scaled[..., 87:311])  # ceil((398 - 224) / 2) = 87
    portrait = spatial_crops(short_side_scale(clip.transpose(2, 3)))
    assert torch.equal(portrait[1], short_side_scale(clip.transpose(2, 3))[:, :, 87:311, :])
