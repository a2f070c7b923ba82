"""Small files that claim to be enormous, generated here (no files in the repository): decompression bombs and
headers that lie, for the media limits tests."""

from __future__ import annotations

import io
import struct
import wave
import zlib
from fractions import Fraction

import av
import numpy as np
from PIL import Image


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bomb(width: int, height: int) -> bytes:
    """A valid 1-bit greyscale PNG of `width` x `height` black pixels: 50,000 x 50,000 is about 300 KB of file that
    Pillow would decode into 2.5 GB (one byte per pixel). The deflate stream is written a megabyte at a time."""
    row = bytes(1 + (width + 7) // 8)  # filter byte 0, then the packed pixels
    rows_per_block = max(1, (1 << 20) // len(row))
    deflate = zlib.compressobj(9)
    parts = [deflate.compress(row * rows_per_block) for _ in range(height // rows_per_block)]
    parts += [deflate.compress(row * (height % rows_per_block)), deflate.flush()]
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", b"".join(parts))
            + _png_chunk(b"IEND", b""))


def thin_png(width: int, height: int) -> bytes:
    """A plain PNG (Pillow-written) of an extreme shape, such as 20,000,000 x 1: a few KB."""
    buffer = io.BytesIO()
    Image.new("L", (width, height), 128).save(buffer, format="PNG")
    return buffer.getvalue()


def wav(rate: int, samples: int, channels: int = 1) -> bytes:
    """A PCM16 WAV of `samples` frames whose header says `rate` Hz: 16,000 samples at 2 Hz claim 8,000 s, which the
    model would resample to 128 million samples at 16 kHz."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(np.full(samples * channels, 1000, dtype="<i2").tobytes())
    return buffer.getvalue()


def video_spanning(seconds: int, width: int = 16, height: int = 16, fmt: str = "mp4") -> bytes:
    """Two frames, at 0 and at `seconds`: a few KB whose header says the video lasts `seconds`."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=fmt) as container:
        stream = container.add_stream("mpeg4", rate=1)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1)
        for pts in (0, seconds):
            frame = av.VideoFrame.from_ndarray(np.zeros((height, width, 3), np.uint8), format="rgb24")
            frame.pts = pts
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buffer.getvalue()
