"""Deterministic test media, made with numpy, Pillow, PyAV and the standard library only (no network, no files).

`golden/generate.py` feeds the same media to the reference implementations, so everything here must stay
byte-for-byte stable: change a generator and the golden arrays must be regenerated.
"""

from __future__ import annotations

import io
import wave
from fractions import Fraction

import av
import numpy as np
from PIL import Image

TEXTS = [
    "A dog.",
    "A car",
    "A bird",
    "This is plane",
    "",
    "   Hello,   WORLD!!  \n\t new line ",
    "It’s a “quoted” text — isn’t it?",
    "Fish &amp; chips &lt;3 &AMP; &NTILDE; &#39;ok&#39; &rsquo;s",
    "<b>bold &amp; html</b> &rsquo;",
    "ﬁne ﬂow ﬀ ligatures",
    "Ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３",
    "naïve café résumé Ångström",
    "Cafe\u0301 combining accent",
    "日本語のテキスト 中文文本 한국어",
    "emoji 🐶🚗 and symbols ©®™ ½ ² Ⅻ",
    "numbers 3.14159 2024-01-01 1,000,000",
    "don't can't we'll they're I'm you've he'd",
    "URL https://example.com/path?q=1&x=2 #tag @user",
    "tab\tsep\u00a0nbsp\u2028line\u2029para",
    "control\x07chars\x1b[31mred\x1b[0m",
    "C1 \x93quotes\x94 \x85 ellipsis",
    "<|endoftext|> inside <|startoftext|>",
    "Ελληνικά Русский текст العربية עברית हिन्दी",
    "MiXeD CaSe ÀÉÎÕÜ ß ẞ İstanbul",
    "a" * 300,
    " ".join(["word"] * 100),
    " ".join(f"token{i}" for i in range(80)),
]


def tone(seconds: float, rate: int, channels: int = 1, freqs=(440.0, 1250.0), dc: float = 0.05) -> np.ndarray:
    """float64[channels, n]: tones, a chirp, seeded noise and a DC offset (so ImageBind's in-place mean matters)."""
    n = int(round(seconds * rate))
    t = np.arange(n) / rate
    rng = np.random.default_rng(1234)
    rows = []
    for c in range(channels):
        x = sum(0.2 * np.sin(2 * np.pi * (f * (c + 1)) * t) for f in freqs)
        x = x + 0.1 * np.sin(2 * np.pi * (100 + 900 * t / max(seconds, 1e-9)) * t) + 0.02 * rng.standard_normal(n)
        rows.append(x + dc * (1 + c) * np.sign(np.sin(2 * np.pi * 0.7 * t + 0.3)))
    return np.clip(np.stack(rows), -1.0, 1.0)


def pcm16(signal: np.ndarray) -> np.ndarray:
    return np.round(signal * 32767).astype(np.int16)


def wav_bytes(signal: np.ndarray, rate: int) -> bytes:
    """A PCM16 WAV of float64[channels, n] in [-1, 1], written with the standard library."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(signal.shape[0])
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm16(signal).T.tobytes())
    return buffer.getvalue()


def encode_audio(signal: np.ndarray, rate: int, fmt: str, codec: str, sample_fmt: str = "fltp") -> bytes:
    """float64[channels, n] encoded with PyAV (e.g. ("mp3", "libmp3lame"), ("flac", "flac"), ("ogg", "libvorbis"))."""
    layout = "mono" if signal.shape[0] == 1 else "stereo"
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=rate, layout=layout)
        stream.format = sample_fmt
        block = 1152
        planar = sample_fmt.endswith("p")
        for start in range(0, signal.shape[1], block):
            chunk = signal[:, start : start + block]
            if sample_fmt.startswith("flt"):
                array = chunk.astype(np.float32)
            elif sample_fmt.startswith("s32"):
                array = pcm16(chunk).astype(np.int32) << 16  # the 16-bit samples, left-aligned
            else:
                array = pcm16(chunk)
            if not planar:
                array = array.T.reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(array), format=sample_fmt, layout=layout)
            frame.sample_rate = rate
            frame.pts = start
            frame.time_base = Fraction(1, rate)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buffer.getvalue()


def pattern(width: int, height: int, seed: int = 0) -> np.ndarray:
    """uint8[height, width, 3]: gradients, stripes and seeded noise, different in every region."""
    y, x = np.mgrid[0:height, 0:width]
    rng = np.random.default_rng(seed)
    red = (x * 255 // max(width - 1, 1)).astype(np.int64)
    green = (y * 255 // max(height - 1, 1)).astype(np.int64)
    blue = ((x // 7 + y // 5) % 2) * 200 + rng.integers(0, 55, size=(height, width))
    return np.stack([red, green, blue], axis=-1).clip(0, 255).astype(np.uint8)


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def frame_image(index: int, width: int, height: int) -> np.ndarray:
    """uint8[height, width, 3]: frame `index` of a test video, its index readable in every pixel's colour."""
    base = pattern(width, height, seed=index % 3)
    base[..., 0] = (index * 23) % 256
    return base


def encode_video(
    frames: int, fps: int, width: int, height: int, *, fmt: str = "mp4", codec: str = "mpeg4",
    pix_fmt: str = "yuv420p", time_base: Fraction | None = None,
) -> bytes:
    """A video of `frames` frames at `fps`, each frame_image(i); pts in `time_base` units (default 1/fps)."""
    buffer = io.BytesIO()
    time_base = time_base or Fraction(1, fps)
    with av.open(buffer, "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        stream.time_base = time_base
        if codec == "mpeg4":
            stream.options = {"qscale": "2"}
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(frame_image(i, width, height), format="rgb24")
            frame.pts = int(Fraction(i, fps) / time_base)
            frame.time_base = time_base
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buffer.getvalue()


def imu_csv(rows: int, header: bool = True) -> bytes:
    """`rows` x 6 IMU samples whose value encodes (row, column): 1000 * column + row / 1000."""
    lines = ["gyro_x,gyro_y,gyro_z,accl_x,accl_y,accl_z"] if header else []
    lines += [",".join(f"{1000 * c + r / 1000:.3f}" for c in range(6)) for r in range(rows)]
    return ("\n".join(lines) + "\n").encode()
