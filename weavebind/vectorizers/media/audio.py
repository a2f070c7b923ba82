"""Audio for ImageBind's audio encoder: any file FFmpeg decodes to `float32[3, 1, 128, 204]`.

ImageBind's `load_and_transform_audio_data` (num_mel_bins=128, target_length=204, sample_rate=16000,
clip_duration=2, clips_per_video=3, mean=-4.268, std=9.138), step for step:
1. decode all channels to float32 in [-1, 1] (`torchaudio.load`; here PyAV, same scaling: int16 / 32768, ...);
2. resample to 16 kHz when the file's rate differs (`torchaudio.functional.resample` defaults);
3. three 2 s clips from `ConstantClipsPerVideoSampler` over `samples / 16000` s, clip = `wave[:, int(s*16000):
   int(e*16000)]`;
4. per clip (`waveform2melspec`): subtract the clip's mean over all channels, in place (the clips are views, so
   overlapping later clips see it, as in ImageBind), Kaldi fbank of channel 0, transposed to (128, frames),
   zero-padded on the right or cut to 204 frames, then `(x + 4.268) / 9.138`.
"""

from __future__ import annotations

import numpy as np
import torch

from weavebind.vectorizers.limits import DEFAULT_LIMITS, MediaLimits
from weavebind.vectorizers.media.bounds import check_audio
from weavebind.vectorizers.media.clips import clip_timepoints
from weavebind.vectorizers.media.container import header_seconds, open_container
from weavebind.vectorizers.media.errors import MediaError
from weavebind.vectorizers.media.kaldi import fbank, resample

SAMPLE_RATE = 16000
CLIP_DURATION = 2
CLIPS_PER_FILE = 3
NUM_MEL_BINS = 128
TARGET_LENGTH = 204
AUDIO_MEAN = -4.268
AUDIO_STD = 9.138
_INT_SCALE = {"s16": 2.0**15, "s32": 2.0**31, "s64": 2.0**63}


def _frame_to_float(frame) -> np.ndarray:
    """One decoded PyAV audio frame as `float32[channels, samples]` scaled to [-1, 1] as torchaudio scales PCM."""
    array = frame.to_ndarray()
    name = frame.format.name.rstrip("p")
    channels = len(frame.layout.channels)
    if not frame.format.is_planar:
        array = array.reshape(-1, channels).T
    if name == "u8":
        return (array.astype(np.float32) - 128.0) / 128.0
    if name in _INT_SCALE:
        return array.astype(np.float32) / np.float32(_INT_SCALE[name])
    return array.astype(np.float32, copy=False)


def decode_audio(data: bytes, limits: MediaLimits = DEFAULT_LIMITS) -> tuple[torch.Tensor, int]:
    """The first audio stream of any file FFmpeg reads (WAV, MP3, FLAC, OGG/Opus, AAC/M4A, the audio of a video,
    ...) as `(float32[channels, samples], sample_rate)`. `MediaError` when there is no audio stream, no samples,
    the format changes mid-stream, or the duration or samples go over `limits` (checked from the header before
    decoding, and on what has been decoded so far)."""
    with open_container(data, "audio") as container:
        if not container.streams.audio:
            raise MediaError("audio", "the file has no audio stream")
        stream = container.streams.audio[0]
        context = stream.codec_context
        seconds = header_seconds(container, stream)
        if seconds is not None and context.sample_rate:
            check_audio(limits, max(context.channels, 1), context.sample_rate, seconds, SAMPLE_RATE)
        chunks: list[np.ndarray] = []
        rate, total = None, 0
        for frame in container.decode(stream):
            chunk = _frame_to_float(frame)
            if rate is None:
                rate = frame.sample_rate
            elif frame.sample_rate != rate or chunk.shape[0] != chunks[0].shape[0]:
                raise MediaError("audio", "the sample rate or channel count changes within the stream")
            chunks.append(chunk)
            total += chunk.shape[1]
            if rate:
                check_audio(limits, chunk.shape[0], rate, total / rate, SAMPLE_RATE)
    if not chunks or total == 0 or not rate:
        raise MediaError("audio", "the file contains no audio samples")
    return torch.from_numpy(np.concatenate(chunks, axis=1)), int(rate)


def melspec_clip(clip: torch.Tensor) -> torch.Tensor:
    """ImageBind's `waveform2melspec` plus its normalisation for one clip `float32[channels, n]` (modified in
    place: its mean is subtracted) to `float32[1, 128, 204]`."""
    clip -= clip.mean()
    features = fbank(clip[0], sample_rate=SAMPLE_RATE, num_mel_bins=NUM_MEL_BINS).transpose(0, 1)
    if features.shape[1] == 0:
        raise MediaError("audio", "the audio is shorter than one 25 ms analysis window")
    missing = TARGET_LENGTH - features.shape[1]
    if missing > 0:
        features = torch.nn.functional.pad(features, (0, missing), mode="constant", value=0.0)
    elif missing < 0:
        features = features[:, :TARGET_LENGTH]
    mean = torch.tensor(AUDIO_MEAN, dtype=torch.float32)
    std = torch.tensor(AUDIO_STD, dtype=torch.float32)
    return features.unsqueeze(0).sub(mean).div(std)


def waveform_to_clips(waveform: torch.Tensor, sample_rate: int) -> torch.Tensor:
    """Steps 2-4 above for a decoded `float32[channels, samples]` waveform: `float32[3, 1, 128, 204]`."""
    waveform = waveform.to(torch.float32)
    if sample_rate == SAMPLE_RATE:
        waveform = waveform.clone()  # the clips below are modified in place
    else:
        waveform = resample(waveform, sample_rate, SAMPLE_RATE)
    duration = waveform.size(1) / SAMPLE_RATE
    clips = []
    for start, end in clip_timepoints(duration, CLIP_DURATION, CLIPS_PER_FILE):
        clip = waveform[:, int(start * SAMPLE_RATE) : int(end * SAMPLE_RATE)]
        clips.append(melspec_clip(clip))
    return torch.stack(clips)


def preprocess_audio(data: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> torch.Tensor:
    """Audio file bytes to `float32[3, 1, 128, 204]`: three 2 s clips of 128 log-mel bins x 204 frames (10 ms),
    normalised; ImageBind averages its audio encoder's output over the 3 clips. A 2 s clip has 198 frames, so the
    last 6 columns are padding, `(0 + 4.268) / 9.138 = 0.46706` after normalising."""
    waveform, sample_rate = decode_audio(data, limits)
    return waveform_to_clips(waveform, sample_rate)
