"""Kaldi log-mel filterbank features and band-limited resampling, in torch (no torchaudio).

`fbank` follows Kaldi's `compute-fbank-feats` (feat/feature-fbank.cc, feature-window.cc, mel-computations.cc) for
the options ImageBind uses, with the float32 arithmetic of `torchaudio.compliance.kaldi.fbank`, the function
ImageBind calls; `resample` is `torchaudio.functional.resample`'s windowed-sinc ("sinc_interp_hann") algorithm.
Both are checked against torchaudio's output in tests/vectorizers/media (golden arrays).
"""

from __future__ import annotations

import math
from functools import cache

import torch

# numeric_limits<float>::epsilon(): Kaldi's floor before the log.
EPSILON = float(torch.finfo(torch.float32).eps)
# Resampling kernel elements built at once (16 MB of float32).
KERNEL_BLOCK_ELEMENTS = 4_000_000


def mel_scale(freq: torch.Tensor | float) -> torch.Tensor | float:
    """Kaldi's mel scale, `1127 ln(1 + f / 700)`."""
    if isinstance(freq, torch.Tensor):
        return 1127.0 * (1.0 + freq / 700.0).log()
    return 1127.0 * math.log(1.0 + freq / 700.0)


@cache
def mel_banks(num_bins: int, padded_window: int, sample_rate: float, low_freq: float, high_freq: float) -> torch.Tensor:
    """Kaldi's triangular mel filters, `float32[num_bins, padded_window // 2 + 1]` (the Nyquist column is 0).

    Bin b spans `[mel_low + b * delta, mel_low + (b + 2) * delta]`, peaking at `mel_low + (b + 1) * delta`, where
    `delta = (mel(high) - mel(low)) / (num_bins + 1)`; FFT bin k (frequency `k * sample_rate / padded_window`) gets
    weight `max(0, min(up, down))` of its mel value. `high_freq <= 0` counts down from the Nyquist frequency."""
    nyquist = 0.5 * sample_rate
    if high_freq <= 0.0:
        high_freq += nyquist
    mel_low, mel_high = mel_scale(low_freq), mel_scale(high_freq)
    delta = (mel_high - mel_low) / (num_bins + 1)
    b = torch.arange(num_bins).unsqueeze(1)
    left, center, right = mel_low + b * delta, mel_low + (b + 1.0) * delta, mel_low + (b + 2.0) * delta
    fft_bin_width = sample_rate / padded_window
    mel = mel_scale(fft_bin_width * torch.arange(padded_window // 2, dtype=torch.float32)).unsqueeze(0)
    up = (mel - left) / (center - left)
    down = (right - mel) / (right - center)
    banks = torch.clamp(torch.minimum(up, down), min=0.0)
    return torch.nn.functional.pad(banks, (0, 1))


def fbank(
    waveform: torch.Tensor,
    *,
    sample_rate: int = 16000,
    num_mel_bins: int = 128,
    frame_length_ms: float = 25.0,
    frame_shift_ms: float = 10.0,
    preemphasis: float = 0.97,
    low_freq: float = 20.0,
    high_freq: float = 0.0,
) -> torch.Tensor:
    """Log-mel filterbank energies of a mono float32 waveform, `float32[frames, num_mel_bins]`.

    Kaldi's defaults otherwise, as ImageBind sets them (`htk_compat=True, use_energy=False, window_type="hanning",
    dither=0`): frames of 25 ms every 10 ms that fit entirely (`snip_edges`), each frame's mean removed, pre-emphasis
    `x[i] - 0.97 x[i-1]` (with `x[-1] = x[0]`), a symmetric Hann window, zero padding to a power of two, the power
    spectrum, mel filters and `log(max(e, FLT_EPSILON))`. A waveform shorter than one frame gives 0 frames."""
    window_size = int(sample_rate * frame_length_ms * 0.001)
    window_shift = int(sample_rate * frame_shift_ms * 0.001)
    padded = 1 if window_size == 0 else 2 ** (window_size - 1).bit_length()
    if waveform.numel() < window_size:
        return torch.empty((0, num_mel_bins), dtype=torch.float32)
    frames = waveform.to(torch.float32).unfold(0, window_size, window_shift)
    frames = frames - frames.mean(dim=1, keepdim=True)
    previous = torch.cat([frames[:, :1], frames[:, :-1]], dim=1)
    frames = frames - preemphasis * previous
    frames = frames * torch.hann_window(window_size, periodic=False, dtype=torch.float32)
    frames = torch.nn.functional.pad(frames, (0, padded - window_size))
    power = torch.fft.rfft(frames).abs().pow(2.0)
    energies = torch.mm(power, mel_banks(num_mel_bins, padded, float(sample_rate), low_freq, high_freq).T)
    return torch.clamp(energies, min=EPSILON).log()


def _sinc_kernel(orig: int, new: int, phases: range, width: int, lowpass_width: int, rolloff: float) -> torch.Tensor:
    """Rows `phases` of torchaudio's resampling kernel, `float32[len(phases), 1, orig + 2 * width]`."""
    base_freq = min(orig, new) * rolloff
    idx = torch.arange(-width, width + orig, dtype=torch.float32)[None, None] / orig
    t = torch.arange(-phases.start, -phases.stop, -1, dtype=torch.float32)[:, None, None] / new + idx
    t *= base_freq
    t = t.clamp_(-lowpass_width, lowpass_width)
    window = torch.cos(t * math.pi / lowpass_width / 2) ** 2
    t *= math.pi
    kernels = torch.where(t == 0, torch.tensor(1.0).to(t), t.sin() / t)
    kernels *= window * (base_freq / orig)
    return kernels


def resample(
    waveform: torch.Tensor, orig_freq: int, new_freq: int, *, lowpass_width: int = 6, rolloff: float = 0.99
) -> torch.Tensor:
    """Band-limited resampling of `float32[channels, samples]` from `orig_freq` to `new_freq` Hz: a Hann-windowed
    sinc low-pass at `rolloff` x the lower Nyquist frequency, `lowpass_width` zero crossings each side; output length
    `ceil(samples * new / orig)`. Rates are reduced by their gcd first; the kernel (one row per output phase) is built
    in blocks so that coprime rates such as 44101 -> 16000 Hz need no gigabytes."""
    if orig_freq == new_freq:
        return waveform
    gcd = math.gcd(int(orig_freq), int(new_freq))
    orig, new = int(orig_freq) // gcd, int(new_freq) // gcd
    width = math.ceil(lowpass_width * orig / (min(orig, new) * rolloff))
    num_wavs, length = waveform.shape
    padded = torch.nn.functional.pad(waveform, (width, width + orig))[:, None]
    block = max(1, KERNEL_BLOCK_ELEMENTS // (orig + 2 * width))
    parts = []
    for start in range(0, new, block):
        kernel = _sinc_kernel(orig, new, range(start, min(start + block, new)), width, lowpass_width, rolloff)
        parts.append(torch.nn.functional.conv1d(padded, kernel, stride=orig))
    resampled = torch.cat(parts, dim=1).transpose(1, 2).reshape(num_wavs, -1)
    target_length = math.ceil(new * length / orig)
    return resampled[..., :target_length]
