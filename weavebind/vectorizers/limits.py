"""Bounds on what one media item may cost to decode: pixels per side and in total, duration, video frames, samples.

A few kilobytes of PNG can claim 50,000 x 50,000 pixels, a WAV header hours of audio, a video an absurd frame count.
Every decoder in `vectorizers/media/` checks these numbers from the file's header before it decodes (and counts
again while it decodes, for formats whose header does not say), so such a file is a 4xx naming the limit and the
setting that raises it, never gigabytes of memory or an internal error.

Only the numbers live here (no torch, no decoders): the settings table takes its defaults from `MediaLimits()`, the
in-process models carry the parsed values to the decoders.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class MediaLimits:
    max_side: int = 16_384            # pixels per side of an image, depth/thermal map or video frame
    max_pixels: int = 50_000_000      # pixels of one of them, also once scaled to the model's 224 on its short side
    max_seconds: float = 600.0        # duration of an audio or video file
    max_frames: int = 36_000          # video frames (10 minutes at 60 frames per second)
    max_samples: int = 57_600_000     # audio samples, all channels, at >= 16 kHz (10 min of 48 kHz stereo); IMU values

    @classmethod
    def from_settings(cls, settings: Any) -> MediaLimits:
        """From the parsed `Settings` (one attribute per table row, lower-cased)."""
        return cls(**{f.name: getattr(settings, SETTING_NAMES[f.name].lower()) for f in fields(cls)})


# field → the environment variable that sets it (the error messages name it)
SETTING_NAMES = {
    "max_side": "WEAVEBIND_MEDIA_MAX_SIDE",
    "max_pixels": "WEAVEBIND_MEDIA_MAX_PIXELS",
    "max_seconds": "WEAVEBIND_MEDIA_MAX_SECONDS",
    "max_frames": "WEAVEBIND_MEDIA_MAX_FRAMES",
    "max_samples": "WEAVEBIND_MEDIA_MAX_SAMPLES",
}
UNITS = {"max_side": "pixels per side", "max_pixels": "pixels", "max_seconds": "seconds", "max_frames": "frames",
         "max_samples": "samples"}
DEFAULT_LIMITS = MediaLimits()
