"""The checks the decoders make against `MediaLimits`, each raising a `MediaError` that names the limit's setting.

Each decoder calls them with what the file's header says, before it decodes, and again with what it has decoded
so far where a header may be silent or lie (audio samples, video frames).
"""

from __future__ import annotations

import math

from weavebind.vectorizers.limits import SETTING_NAMES, UNITS, MediaLimits
from weavebind.vectorizers.media.errors import MediaError


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def bound(modality: str, limits: MediaLimits, name: str, value: float, what: str) -> None:
    """`MediaError` when `value` is over the limit `name` (a `MediaLimits` field). `what` says what was counted and
    ends with its verb ("the duration is"): the message reads "<what> <value>, over the limit of <limit> <unit>
    (<setting>)"."""
    limit = getattr(limits, name)
    if value > limit:
        raise MediaError(modality, f"{what} {_number(value)}, over the limit of {_number(limit)} {UNITS[name]} "
                                   f"({SETTING_NAMES[name]})")


def check_picture(modality: str, limits: MediaLimits, width: int, height: int, size: int) -> None:
    """An image, depth/thermal map or video frame of `width` x `height`: its sides, its pixels, and the pixels of
    the copy scaled to `size` on its short side, as the models take it (a 20,000,000 x 1 image has few pixels, but
    scaled it would have 4.5 billion). A size the header does not know (0) is checked on the decoded frames."""
    if width < 1 or height < 1:
        return
    shape = f"the {'video frame' if modality == 'video' else 'image'} is {width:,} x {height:,} pixels"
    bound(modality, limits, "max_side", max(width, height), f"{shape}: its longer side is")
    bound(modality, limits, "max_pixels", width * height, f"{shape}: its pixel count is")
    short, long = sorted((width, height))
    scaled = size * math.ceil(size * long / short)
    bound(modality, limits, "max_pixels", scaled, f"{shape}, an aspect ratio of {long / short:,.0f}:1: scaled to "
                                                  f"{size} on its short side, its pixel count is")


def check_duration(modality: str, limits: MediaLimits, seconds: float) -> None:
    bound(modality, limits, "max_seconds", seconds, "the duration in seconds is")


def check_audio(limits: MediaLimits, channels: int, rate: int, seconds: float, resample_to: int) -> None:
    """Audio of `seconds` at `rate` Hz: its duration, and the samples held once decoded and resampled (a rate
    below the model's is resampled up, so a header claiming 1 Hz still costs `resample_to` samples a second)."""
    check_duration("audio", limits, seconds)
    rate = max(rate, resample_to)
    bound("audio", limits, "max_samples", math.ceil(channels * rate * seconds),
          f"{channels} channel(s) x {_number(seconds)} s at {rate:,} Hz is a sample count of")
