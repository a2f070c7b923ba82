"""Audio against torchaudio's Kaldi fbank and resampler and ImageBind's `load_and_transform_audio_data` (golden)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from tests.vectorizers.media import golden_cases as cases
from tests.vectorizers.media import synth
from weavebind.vectorizers.media import MediaError, decode_audio, kaldi, preprocess_audio, waveform_to_clips

# The issue asks for 1e-4 against torchaudio; on the same torch build the arrays agree bit for bit.
TOL = dict(rtol=0, atol=1e-4)
PADDING = (0 + 4.268) / 9.138


def test_fbank_matches_torchaudio():
    wave = torch.from_numpy(synth.tone(0.5, 16000).astype(np.float32))[0]
    out = kaldi.fbank(wave)
    assert out.shape == (48, 128)  # 1 + (8000 - 400) // 160
    np.testing.assert_allclose(out.numpy(), cases.golden("fbank"), **TOL)


def test_mel_banks_follow_kaldi():
    banks = kaldi.mel_banks(128, 512, 16000.0, 20.0, 0.0)
    assert banks.shape == (128, 257) and banks[:, -1].eq(0).all()
    mel_low, mel_high = kaldi.mel_scale(20.0), kaldi.mel_scale(8000.0)
    delta = (mel_high - mel_low) / 129
    fft_mels = np.array([kaldi.mel_scale(31.25 * k) for k in range(256)])
    for b in (0, 40, 127):
        left, center, right = (mel_low + (b + i) * delta for i in range(3))
        expected = np.clip(np.minimum((fft_mels - left) / (center - left), (right - fft_mels) / (right - center)), 0, 1)
        np.testing.assert_allclose(banks[b, :256].numpy(), expected, atol=1e-5)


def _kaldi_fbank_float64(wave: np.ndarray) -> np.ndarray:
    """Kaldi's documented algorithm (feature-window.cc, feature-fbank.cc, mel-computations.cc) in float64 numpy,
    written from the Kaldi sources rather than from torchaudio: 25 ms frames every 10 ms, DC removal, pre-emphasis
    `x[j] -= 0.97 x[j-1]` (j from the end down to 1, then `x[0] -= 0.97 x[0]`), Hann window `0.5 - 0.5 cos(2 pi j /
    (N - 1))`, |FFT(512)|^2, 128 triangular mel bins over FFT bins 0..255 from 20 Hz to Nyquist, log."""
    mel = lambda f: 1127.0 * np.log(1.0 + np.asarray(f) / 700.0)  # noqa: E731
    low, high = mel(20.0), mel(8000.0)
    delta = (high - low) / 129
    fft_mel = mel(np.arange(256) * 16000 / 512)
    b = np.arange(128)[:, None]
    left, center, right = low + b * delta, low + (b + 1) * delta, low + (b + 2) * delta
    banks = np.maximum(0, np.minimum((fft_mel - left) / (center - left), (right - fft_mel) / (right - center)))
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(400) / 399)
    rows = []
    for start in range(0, len(wave) - 400 + 1, 160):
        frame = wave[start : start + 400].astype(np.float64)
        frame = frame - frame.mean()
        frame[1:] = frame[1:] - 0.97 * frame[:-1]
        frame[0] -= 0.97 * frame[0]
        power = np.abs(np.fft.rfft(frame * window, 512)) ** 2
        rows.append(np.log(np.maximum(banks @ power[:256], np.finfo(np.float32).eps)))
    return np.array(rows)


def test_fbank_matches_kaldis_algorithm_in_double_precision():
    wave = synth.tone(0.5, 16000)[0].astype(np.float32)
    np.testing.assert_allclose(kaldi.fbank(torch.from_numpy(wave)).numpy(), _kaldi_fbank_float64(wave), atol=1e-3)


def test_fbank_of_a_pure_tone_peaks_at_its_mel_bin():
    t = torch.arange(16000) / 16000
    out = kaldi.fbank(0.5 * torch.sin(2 * math.pi * 1000 * t))
    banks = kaldi.mel_banks(128, 512, 16000.0, 20.0, 0.0)
    assert int(out.mean(0).argmax()) == int(banks[:, 32].argmax())  # FFT bin 32 = 1000 Hz


@pytest.mark.parametrize("rate", cases.RESAMPLE_RATES)
def test_resample_matches_torchaudio(rate):
    signal = torch.from_numpy(synth.tone(0.1, rate, channels=2).astype(np.float32))
    out = kaldi.resample(signal, rate, 16000)
    np.testing.assert_allclose(out.numpy(), cases.golden(f"resample_{rate}"), **TOL)


def test_resample_in_blocks_is_the_same(monkeypatch):
    signal = torch.from_numpy(synth.tone(0.2, 11025, channels=2).astype(np.float32))
    whole = kaldi.resample(signal, 11025, 16000)  # gcd 25: 640 phases of 441 + 2 * 7 taps, one block
    monkeypatch.setattr(kaldi, "KERNEL_BLOCK_ELEMENTS", 455 * 37)
    blocked = kaldi.resample(signal, 11025, 16000)  # 18 blocks of at most 37 phases
    np.testing.assert_allclose(blocked.numpy(), whole.numpy(), rtol=0, atol=1e-6)
    assert whole.shape == (2, math.ceil(640 * signal.shape[1] / 441))


@pytest.mark.parametrize("name", list(cases.AUDIO_CASES))
def test_pipeline_matches_imagebind(name):
    seconds, rate, channels = cases.AUDIO_CASES[name]
    out = preprocess_audio(synth.wav_bytes(synth.tone(seconds, rate, channels), rate))
    assert out.dtype == torch.float32 and out.shape == (3, 1, 128, 204)
    np.testing.assert_allclose(out[cases.AUDIO_SLICE].numpy(), cases.golden(name), **TOL)


def test_two_second_clip_has_198_frames_and_padding():
    out = preprocess_audio(synth.wav_bytes(synth.tone(5.0, 16000), 16000))
    assert torch.allclose(out[..., 198:], torch.tensor(PADDING))  # spec: 0.46706
    assert not torch.allclose(out[..., 197], torch.tensor(PADDING))


def test_short_audio_repeats_one_clip():
    out = preprocess_audio(synth.wav_bytes(synth.tone(0.5, 16000), 16000))
    assert torch.allclose(out[0], out[1], atol=1e-5) and torch.allclose(out[0], out[2], atol=1e-5)
    assert torch.allclose(out[..., 48:], torch.tensor(PADDING))


def test_decoding_scales_pcm_like_torchaudio():
    signal = synth.tone(0.3, 22050, channels=2)
    waveform, rate = decode_audio(synth.wav_bytes(signal, 22050))
    assert rate == 22050 and waveform.dtype == torch.float32 and waveform.shape == (2, signal.shape[1])
    expected = synth.pcm16(signal).astype(np.float32) / 32768
    assert np.array_equal(waveform.numpy(), expected)


@pytest.mark.parametrize(
    ("fmt", "codec", "sample_fmt", "lossless"),
    [
        ("flac", "flac", "s16", True),
        ("wav", "pcm_s32le", "s32", True),
        ("mp3", "libmp3lame", "fltp", False),
        ("ogg", "libopus", "flt", False),
        ("mp4", "aac", "fltp", False),
    ],
)
def test_compressed_formats(fmt, codec, sample_fmt, lossless):
    rate = 48000 if codec == "libopus" else 44100
    signal = synth.tone(2.5, rate, channels=2)
    reference = preprocess_audio(synth.wav_bytes(signal, rate))
    out = preprocess_audio(synth.encode_audio(signal, rate, fmt, codec, sample_fmt))
    assert out.shape == (3, 1, 128, 204) and torch.isfinite(out).all()
    if lossless:
        np.testing.assert_allclose(out.numpy(), reference.numpy(), atol=1e-6)
    else:  # a lossy codec changes the quiet bins; the loud ones stay where they were
        loud = reference > reference.median()
        assert (out[loud] - reference[loud]).abs().mean() < 0.25


def test_audio_track_of_a_video_file():
    signal = synth.tone(2.2, 44100, channels=1)
    out = preprocess_audio(synth.encode_audio(signal, 44100, "matroska", "flac", "s16"))
    np.testing.assert_allclose(out.numpy(), preprocess_audio(synth.wav_bytes(signal, 44100)).numpy(), atol=1e-6)


def test_waveform_to_clips_leaves_the_input_alone():
    waveform = torch.from_numpy(synth.tone(3.0, 16000).astype(np.float32))
    copy = waveform.clone()
    waveform_to_clips(waveform, 16000)
    assert torch.equal(waveform, copy)


def test_too_short_audio():
    with pytest.raises(MediaError, match="shorter than one 25 ms"):
        preprocess_audio(synth.wav_bytes(synth.tone(0.01, 16000), 16000))
