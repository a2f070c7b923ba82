"""Opening audio and video files from bytes with PyAV (FFmpeg), with every failure turned into a `MediaError`.

PyAV is imported on first use: the `[clip]` extra (text and images only) installs no PyAV.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from weavebind.vectorizers.media.errors import MediaError, require_bytes


def decode_errors() -> tuple[type[BaseException], ...]:
    """What FFmpeg raises for a file it cannot parse: av.FFmpegError subclasses (InvalidDataError, ...), or
    OSError/ValueError/EOFError/IndexError from the bindings."""
    import av

    return (av.FFmpegError, OSError, ValueError, EOFError, IndexError)


@contextmanager
def open_container(data: bytes, modality: str) -> Iterator[Any]:
    """An FFmpeg input container (`av.container.InputContainer`) over the bytes, closed afterwards. `MediaError`
    when FFmpeg cannot read it, and for any decoding error raised inside the `with` block."""
    import av

    data = require_bytes(data, modality)
    errors = decode_errors()
    try:
        container = av.open(io.BytesIO(data), mode="r")
    except errors as exc:
        raise MediaError(modality, f"not a media file FFmpeg can read ({_reason(exc)})") from None
    try:
        yield container
    except MediaError:
        raise
    except errors as exc:
        raise MediaError(modality, f"the file is corrupt or cannot be decoded ({_reason(exc)})") from None
    finally:
        container.close()


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return text or type(exc).__name__


def header_seconds(container: Any, stream: Any) -> float | None:
    """The stream's duration as its header gives it (else the container's), in seconds; None when neither says."""
    if stream.duration is not None and stream.time_base is not None:
        start = stream.start_time or 0
        return float(max(stream.duration - start, 0) * stream.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000  # AV_TIME_BASE
    return None
