"""The one error type of media preprocessing, and base64 decoding of the inference wire format.

Every failure caused by the payload itself (not base64, empty, corrupt, truncated, an unsupported format, a file
with no stream of the wanted kind, a CSV with the wrong shape, a file over the media limits) is a `MediaError`: the
caller answers it with a 4xx naming the modality. Anything else escaping the preprocessing functions is a bug.
"""

from __future__ import annotations

import base64
import binascii
import re

MODALITIES = ("text", "image", "audio", "video", "imu", "thermal", "depth")

_BASE64_WHITESPACE = re.compile(rb"\s+")


class MediaError(ValueError):
    """A payload that cannot be turned into model input. `modality` is one of `MODALITIES`; the message says what
    is wrong with the payload in words a client can act on."""

    def __init__(self, modality: str, message: str):
        super().__init__(f"{modality}: {message}")
        self.modality = modality
        self.reason = message


def decode_base64(value: str | bytes, modality: str) -> bytes:
    """The bytes of a base64 payload (standard alphabet, padding optional, line breaks allowed as the BIND
    container's `base64.decodebytes` allows them). Raises `MediaError` for a non-string, an empty payload,
    a `data:` URI or characters outside the alphabet."""
    if isinstance(value, str):
        if value.startswith("data:"):
            raise MediaError(modality, "is a data: URI; send the raw base64 of the file without the prefix")
        try:
            raw = value.encode("ascii")
        except UnicodeEncodeError:
            raise MediaError(modality, "is not valid base64 (non-ASCII characters)") from None
    elif isinstance(value, bytes | bytearray):
        raw = bytes(value)
    else:
        raise MediaError(modality, f"expected a base64 string, got {type(value).__name__}")
    raw = _BASE64_WHITESPACE.sub(b"", raw)
    if not raw:
        raise MediaError(modality, "is empty")
    raw += b"=" * (-len(raw) % 4)
    try:
        data = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise MediaError(modality, "is not valid base64") from None
    if not data:
        raise MediaError(modality, "is empty")
    return data


def require_bytes(data: bytes, modality: str) -> bytes:
    """`data` as bytes; `MediaError` when it is empty or not bytes (the preprocessing functions take raw file bytes,
    already base64-decoded)."""
    if isinstance(data, bytearray | memoryview):
        data = bytes(data)
    if not isinstance(data, bytes):
        raise MediaError(modality, f"expected the file's bytes, got {type(data).__name__}")
    if not data:
        raise MediaError(modality, "is empty")
    return data
