"""Video for ImageBind's vision encoder: any file FFmpeg decodes to `float32[15, 3, 2, 224, 224]`.

Weaviate's BIND container (`bind_data.py`, `_load_and_transform_video_data`: pytorchvideo's `EncodedVideo` with its
default PyAV decoder, clip_duration=2, clips_per_video=5), step for step:
1. duration = the first video stream's `duration` in seconds, `int(duration - start_time) * time_base` (pytorchvideo
   subtracts the start time from a duration); a stream without one is decoded whole and its last frame's time used;
2. five 2 s clips from `ConstantClipsPerVideoSampler`; the frames of a clip are those with
   `ceil(start / time_base) + start_time <= pts < ceil(end / time_base) + start_time`, decoded after a backward
   seek to `pts - 1024` as pytorchvideo does (or from the one whole decode);
3. `UniformTemporalSubsample(2)`: the first and the last of those frames, as RGB (`frame.to_rgb()`);
4. `/ 255`, `ShortSideScale(224)` (bilinear, `align_corners=False`, no antialiasing, long side
   `floor(long / short * 224)`), CLIP mean/std;
5. `SpatialCrop(224, 3)`: left, centre and right crops (top, centre, bottom for portrait), centre offset
   `ceil((d - 224) / 2)`; 5 clips x 3 crops in clip-major order, each `(3, 2, 224, 224)` (channels, time, H, W).
ImageBind HEAD decodes with decord instead of PyAV; we follow the BIND container that Weaviate runs.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
import torch

from weavebind.vectorizers.limits import DEFAULT_LIMITS, MediaLimits
from weavebind.vectorizers.media.bounds import bound, check_duration, check_picture
from weavebind.vectorizers.media.clips import clip_timepoints
from weavebind.vectorizers.media.container import header_seconds, open_container
from weavebind.vectorizers.media.errors import MediaError
from weavebind.vectorizers.media.image import CLIP_MEAN, CLIP_STD, IMAGE_SIZE

CLIP_DURATION = 2
CLIPS_PER_VIDEO = 5
FRAMES_PER_CLIP = 2
NUM_CROPS = 3
_SEEK_MARGIN = 1024


class _Window:
    """The earliest and latest frame (by pts; a later duplicate pts wins, as pytorchvideo's dict) of
    `start <= pts < end`."""

    def __init__(self, start: int | float, end: int | float):
        self.start, self.end = start, end
        self.first: tuple[int, Any] | None = None
        self.last: tuple[int, Any] | None = None

    def offer(self, pts: int, frame: Any) -> None:
        if not self.start <= pts < self.end:
            return
        if self.first is None or pts <= self.first[0]:
            self.first = (pts, frame)
        if self.last is None or pts >= self.last[0]:
            self.last = (pts, frame)

    def rgb(self) -> torch.Tensor:
        """The two frames as `float32[3, 2, H, W]` in [0, 255] (pytorchvideo's `thwc_to_cthw` of the clip)."""
        if self.first is None or self.last is None:
            raise MediaError("video", "a 2 s clip of the video has no frames (the stream ends before its duration)")
        frames = [np.asarray(f.to_rgb().to_ndarray()) for _, f in (self.first, self.last)]
        return torch.from_numpy(np.stack(frames)).permute(3, 0, 1, 2).to(torch.float32)


def _decode_windows(container, stream, windows: list[_Window], seek: bool, limits: MediaLimits) -> None:
    """Feed decoded frames to `windows`: after a seek for one window (pytorchvideo's selective decoding), or one
    pass from the start for all of them. No pass decodes more than `limits.max_frames` frames, whatever the
    header said, and every frame is bounded as the header's size was."""
    if seek:
        container.seek(int(max(windows[0].start - _SEEK_MARGIN, 0)), any_frame=False, backward=True, stream=stream)
    end = max(w.end for w in windows)
    for decoded, frame in enumerate(container.decode(stream), start=1):
        bound("video", limits, "max_frames", decoded, "the count of frames decoded is")
        check_picture("video", limits, frame.width, frame.height, IMAGE_SIZE)
        if frame.pts is None:
            continue
        for window in windows:
            window.offer(frame.pts, frame)
        if seek and frame.pts >= end:
            break


def _check_header(container, stream, limits: MediaLimits) -> None:
    """What the header says, before any frame is decoded: frame size, frame count and duration."""
    check_picture("video", limits, stream.codec_context.width, stream.codec_context.height, IMAGE_SIZE)
    bound("video", limits, "max_frames", stream.frames, "the frame count is")
    seconds = header_seconds(container, stream)
    if seconds is not None:
        check_duration("video", limits, seconds)


def _sample_clips(container, stream, limits: MediaLimits) -> list[torch.Tensor]:
    time_base = stream.time_base
    if time_base is None:
        raise MediaError("video", "the video stream has no time base")
    start_pts = stream.start_time if stream.start_time is not None else 0.0
    if stream.duration is not None:
        duration = int(stream.duration - start_pts) * Fraction(time_base)
        seek = True
    else:
        probe = _Window(-math.inf, math.inf)
        _decode_windows(container, stream, [probe], False, limits)
        if probe.last is None:
            raise MediaError("video", "the video stream has no frames")
        duration = int(probe.last[0] - start_pts) * Fraction(time_base)
        check_duration("video", limits, float(duration))
        container.seek(0)
        seek = False

    def to_pts(seconds: Fraction) -> int | float:
        return math.ceil(seconds / time_base) + start_pts

    windows = [_Window(to_pts(s), to_pts(e)) for s, e in clip_timepoints(duration, CLIP_DURATION, CLIPS_PER_VIDEO)]
    if seek:
        for window in windows:
            _decode_windows(container, stream, [window], True, limits)
    else:
        _decode_windows(container, stream, windows, False, limits)
    return [window.rgb() for window in windows]


def short_side_scale(clip: torch.Tensor, size: int = IMAGE_SIZE) -> torch.Tensor:
    """pytorchvideo `short_side_scale` of `float32[C, T, H, W]` (torch bilinear, `align_corners=False`)."""
    _, _, height, width = clip.shape
    if width < height:
        new_h, new_w = int(math.floor(float(height) / width * size)), size
    else:
        new_h, new_w = size, int(math.floor(float(width) / height * size))
    return torch.nn.functional.interpolate(clip, size=(new_h, new_w), mode="bilinear", align_corners=False)


def spatial_crops(clip: torch.Tensor, size: int = IMAGE_SIZE) -> list[torch.Tensor]:
    """ImageBind `SpatialCrop(size, num_crops=3)` of `[C, T, H, W]`: start, centre and end along the long side."""
    height, width = clip.shape[2], clip.shape[3]
    crops = []
    for index in range(NUM_CROPS):
        y, x = int(math.ceil((height - size) / 2)), int(math.ceil((width - size) / 2))
        if height > width:
            y = {0: 0, 1: y, 2: height - size}[index]
        else:
            x = {0: 0, 1: x, 2: width - size}[index]
        crops.append(clip[:, :, y : y + size, x : x + size])
    return crops


def transform_clip(frames: torch.Tensor) -> list[torch.Tensor]:
    """Steps 4-5 for one clip's two frames `float32[3, 2, H, W]` in [0, 255]: three `float32[3, 2, 224, 224]`."""
    clip = short_side_scale(frames / 255.0)
    mean = torch.as_tensor(CLIP_MEAN, dtype=clip.dtype)[:, None, None, None]
    std = torch.as_tensor(CLIP_STD, dtype=clip.dtype)[:, None, None, None]
    return spatial_crops(clip.sub_(mean).div_(std))


def preprocess_video(data: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> torch.Tensor:
    """Video file bytes (MP4, WebM, MKV, MOV, AVI, GIF, ...) to `float32[15, 3, 2, 224, 224]`: 5 temporal clips
    x 3 spatial crops (clip-major), each (RGB channels, 2 frames, 224, 224), CLIP-normalised. ImageBind's vision
    encoder takes `[N, 15, 3, 2, 224, 224]` and averages its output over the 15 views. `MediaError` for a file
    over `limits` (frame size, frames, duration), from its header before decoding and while decoding."""
    with open_container(data, "video") as container:
        if not container.streams.video:
            raise MediaError("video", "the file has no video stream")
        stream = container.streams.video[0]
        _check_header(container, stream, limits)
        stream.thread_type = "AUTO"
        clips = _sample_clips(container, stream, limits)
    return torch.stack([crop for frames in clips for crop in transform_clip(frames)]).contiguous()
