"""Checks on media payloads before they reach a model (no decoding here: that is the models' business, in
`vectorizers/media/`, which needs torch; these checks must work in a server without it).

The inference containers take raw base64 of the file bytes and answer a bad payload with a 500 that reads like a
server failure. What can be told here (not a string, empty, not base64) is refused with a 422 naming the field
before any request is sent; what only the model can tell (bytes that are not an image) comes back from the
container and is isolated per object by the module.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from weavebind.vectorizers.base import VectorizerError


class BadMedia(VectorizerError):
    def __init__(self, message: str):
        super().__init__(message, status=422)


def check_base64(value: Any, modality: str, where: str) -> str:
    """`value` when it is non-empty base64 (the containers' input); `BadMedia` naming `where` otherwise."""
    if not isinstance(value, str):
        raise BadMedia(f"{where}: expected a base64 encoded {modality}, got {type(value).__name__}")
    if not value:
        raise BadMedia(f"{where}: the {modality} is empty; expected base64 encoded {modality} bytes")
    try:
        decoded = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        hint = " (remove the data: URI prefix)" if value.startswith("data:") else ""
        raise BadMedia(f"{where}: the {modality} is not valid base64{hint}") from None
    if not decoded:
        raise BadMedia(f"{where}: the {modality} is empty; expected base64 encoded {modality} bytes")
    return value
