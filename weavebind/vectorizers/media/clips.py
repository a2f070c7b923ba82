"""Where ImageBind samples its clips: pytorchvideo's `ConstantClipsPerVideoSampler`, driven as ImageBind's
`get_clip_timepoints` drives it, in exact rational arithmetic as there."""

from __future__ import annotations

from fractions import Fraction


def clip_timepoints(
    duration: float | Fraction, clip_duration: int, clips_per_video: int
) -> list[tuple[Fraction, Fraction]]:
    """`(start, end)` in seconds of each clip, as `Fraction`s.

    `max_start = Fraction(max(duration - clip_duration, 0))`, `step = max_start / clips_per_video`, clip i is
    `[i * step, i * step + clip_duration]` for i = 0 .. clips_per_video - 1. The last `duration - clip_duration -
    (n - 1) * step` seconds are never used (a 5 s file gives [0, 2], [1, 3], [2, 4]); a media file shorter than one
    clip gives n clips that all start at 0 and run past its end."""
    max_start = Fraction(max(duration - clip_duration, 0))
    step = Fraction(max_start, clips_per_video)
    return [(step * i, step * i + clip_duration) for i in range(clips_per_video)]
