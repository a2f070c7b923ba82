"""Every decoder bounds what one item may cost, from the file's header before decoding (and by counting while
decoding where the header is silent): pixels per side and in total, duration, frames, samples. The refusal is a
`MediaError` naming the limit and its setting; files within the limits decode as before."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
from PIL import Image

from tests.vectorizers.media import bombs, synth
from weavebind.server.settings import SettingsError, load_settings
from weavebind.vectorizers.limits import MediaLimits
from weavebind.vectorizers.media import (
    MediaError,
    preprocess_audio,
    preprocess_depth,
    preprocess_image,
    preprocess_imu,
    preprocess_thermal,
    preprocess_video,
)

IMAGE_DECODERS = [preprocess_image, preprocess_depth, preprocess_thermal]


def refusal(preprocess, data: bytes, **kwargs) -> str:
    with pytest.raises(MediaError) as caught:
        preprocess(data, **kwargs)
    return str(caught.value)


def test_the_bomb_generator_writes_real_pngs():
    image = Image.open(io.BytesIO(bombs.png_bomb(20_000, 500)))  # several deflate blocks
    image.load()
    assert image.size == (20_000, 500) and not np.asarray(image).any()


@pytest.mark.parametrize("preprocess", IMAGE_DECODERS)
def test_an_image_20_million_pixels_wide_is_refused_by_its_side(preprocess):
    # a few KB of PNG; before the limits, resizing it raised OverflowError (an internal error)
    said = refusal(preprocess, bombs.thin_png(20_000_000, 1))
    assert "20,000,000 x 1 pixels: its longer side is 20,000,000" in said
    assert "over the limit of 16,384 pixels per side (WEAVEBIND_MEDIA_MAX_SIDE)" in said


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return bombs.png_bomb(50_000, 50_000)


@pytest.mark.parametrize("preprocess", IMAGE_DECODERS)
def test_a_50k_by_50k_png_bomb_is_refused_from_its_header(preprocess, bomb):
    assert len(bomb) < 400_000  # 2.5 billion pixels once decoded
    started = time.monotonic()
    said = refusal(preprocess, bomb)
    assert time.monotonic() - started < 5  # the header alone (well under a second); decoding would take 2.5 GB
    assert "50,000 x 50,000 pixels" in said and "(WEAVEBIND_MEDIA_MAX_SIDE)" in said


def test_the_pixel_count_is_bounded_when_every_side_is_within_its_limit():
    said = refusal(preprocess_image, bombs.png_bomb(10_000, 6_000))
    assert said == ("image: the image is 10,000 x 6,000 pixels: its pixel count is 60,000,000, over the limit of "
                    "50,000,000 pixels (WEAVEBIND_MEDIA_MAX_PIXELS)")


def test_an_extreme_aspect_ratio_is_bounded_by_the_pixels_it_scales_to():
    said = refusal(preprocess_image, bombs.thin_png(16_000, 2))  # 32,000 pixels, 401 million at 224 x 1,792,000
    assert "an aspect ratio of 8,000:1: scaled to 224 on its short side, its pixel count is 401,408,000" in said
    assert preprocess_image(bombs.thin_png(400, 2)).shape == (3, 224, 224)  # 224 x 44,800: within the limit


def test_image_limits_are_parameters():
    limits = MediaLimits(max_side=100)
    assert preprocess_depth(bombs.thin_png(100, 50), limits=limits).shape == (1, 224, 224)
    said = refusal(preprocess_depth, bombs.thin_png(50, 101), limits=limits)
    assert said.startswith("depth: the image is 50 x 101 pixels") and "100 pixels per side" in said


def test_a_wav_header_claiming_hours_is_refused_before_decoding():
    # 32 KB of samples at a claimed 2 Hz: 8,000 s, 128 million samples once resampled to 16 kHz
    said = refusal(preprocess_audio, bombs.wav(2, 16_000))
    assert said == ("audio: the duration in seconds is 8,000, over the limit of 600 seconds "
                    "(WEAVEBIND_MEDIA_MAX_SECONDS)")


def test_audio_samples_are_counted_over_channels_at_16_khz_or_more():
    stereo = bombs.wav(48_000, 48_000, channels=2)  # 1 s: 96,000 samples
    assert preprocess_audio(stereo, limits=MediaLimits(max_samples=96_000)).shape == (3, 1, 128, 204)
    said = refusal(preprocess_audio, stereo, limits=MediaLimits(max_samples=95_999))
    assert "2 channel(s) x 1 s at 48,000 Hz is a sample count of 96,000" in said
    assert "95,999 samples (WEAVEBIND_MEDIA_MAX_SAMPLES)" in said
    low = bombs.wav(8_000, 80_000)  # 10 s at 8 kHz: 80,000 samples, 160,000 once resampled
    assert "1 channel(s) x 10 s at 16,000 Hz" in refusal(preprocess_audio, low, limits=MediaLimits(max_samples=100_000))


def test_a_video_whose_header_says_ten_hours_is_refused():
    # two frames, at 0 s and 36,000 s (which lasts a second)
    said = refusal(preprocess_video, bombs.video_spanning(36_000))
    assert said == ("video: the duration in seconds is 36,001, over the limit of 600 seconds "
                    "(WEAVEBIND_MEDIA_MAX_SECONDS)")


def test_a_video_with_too_many_frames_is_refused_from_its_header():
    video = synth.encode_video(30, 10, 32, 32)
    said = refusal(preprocess_video, video, limits=MediaLimits(max_frames=29))
    assert said == "video: the frame count is 30, over the limit of 29 frames (WEAVEBIND_MEDIA_MAX_FRAMES)"
    assert preprocess_video(video, limits=MediaLimits(max_frames=30)).shape == (15, 3, 2, 224, 224)


def test_frames_are_counted_while_decoding_when_the_header_does_not_say():
    video = synth.encode_video(30, 10, 32, 32, fmt="matroska")  # Matroska keeps no frame count
    said = refusal(preprocess_video, video, limits=MediaLimits(max_frames=10))
    assert said.startswith("video: the count of frames decoded is 11, over the limit of 10 frames")


def test_video_frames_are_bounded_like_images():
    said = refusal(preprocess_video, synth.encode_video(2, 10, 128, 64), limits=MediaLimits(max_side=100))
    assert said.startswith("video: the video frame is 128 x 64 pixels: its longer side is 128")


def test_imu_values_are_bounded_before_parsing():
    assert preprocess_imu(synth.imu_csv(10), limits=MediaLimits(max_samples=60)).shape == (6, 2000)
    said = refusal(preprocess_imu, synth.imu_csv(11), limits=MediaLimits(max_samples=60))
    assert said == "imu: 11 rows x 6 columns is a value count of 66, over the limit of 60 samples " \
                   "(WEAVEBIND_MEDIA_MAX_SAMPLES)"


def test_the_limits_are_settings_with_the_defaults_of_media_limits():
    assert MediaLimits.from_settings(load_settings({})) == MediaLimits()
    env = {"WEAVEBIND_MEDIA_MAX_SIDE": "1000", "WEAVEBIND_MEDIA_MAX_PIXELS": "60000",
           "WEAVEBIND_MEDIA_MAX_SECONDS": "2m", "WEAVEBIND_MEDIA_MAX_FRAMES": "7", "WEAVEBIND_MEDIA_MAX_SAMPLES": "9"}
    assert MediaLimits.from_settings(load_settings(env)) == MediaLimits(1000, 60_000, 120.0, 7, 9)


@pytest.mark.parametrize("name, raw", [("WEAVEBIND_MEDIA_MAX_SIDE", "0"), ("WEAVEBIND_MEDIA_MAX_PIXELS", "50000"),
                                       ("WEAVEBIND_MEDIA_MAX_SECONDS", "-1s"), ("WEAVEBIND_MEDIA_MAX_FRAMES", "x")])
def test_a_bad_limit_stops_the_server_naming_the_setting(name, raw):
    with pytest.raises(SettingsError, match=f"invalid value for {name}"):
        load_settings({name: raw})
