"""The preprocessing the models take from `weavebind.vectorizers.media`, by request key.

The media package owns decoding and the reference-exact transforms; this table is the only place that names its
functions, and a caller (a test, the benchmark) may pass its own table with the same signatures:
`decode(payload: str, modality) -> bytes`; `texts` (ImageBind, OpenAI CLIP) `(texts) -> LongTensor (n, 77)`;
`texts_hf` (Hugging Face CLIP tokenizer, the CLIP container's) `(texts) -> (input_ids, attention_mask)`; and per
medium `(data: bytes) -> FloatTensor` of one item (`images_hf`: CLIP in Hugging Face layout, as transformers' fast
image processor prepares it). Unreadable input, or input over the media limits, raises the media package's
`MediaError`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from weavebind.vectorizers.limits import DEFAULT_LIMITS, MediaLimits

MEDIA_MODULE = "weavebind.vectorizers.media"
MEDIA_FUNCTIONS = {
    "decode": "decode_base64",
    "texts": "tokenize",
    "texts_hf": "tokenize_hf",
    "images": "preprocess_image",
    "images_hf": "preprocess_image_hf",
    "audio": "preprocess_audio",
    "video": "preprocess_video",
    "imu": "preprocess_imu",
    "thermal": "preprocess_thermal",
    "depth": "preprocess_depth",
}
# The shape of one preprocessed item, as the reference models take it (spec inference.md 3.2-3.3).
ITEM_SHAPES = {
    "images": (3, 224, 224),
    "images_hf": (3, 224, 224),
    "audio": (3, 1, 128, 204),
    "video": (15, 3, 2, 224, 224),
    "imu": (6, 2000),
    "thermal": (1, 224, 224),
    "depth": (1, 224, 224),
}

Preprocessors = Mapping[str, Callable[..., Any]]


class LazyMedia(Mapping[str, Callable[..., Any]]):
    """`MEDIA_FUNCTIONS` resolved on first use, so importing the models never imports the decoders; the media
    functions are bound to `limits`, the bounds every decoder checks before it decodes."""

    def __init__(self, limits: MediaLimits = DEFAULT_LIMITS):
        self.limits = limits
        self._resolved: dict[str, Callable[..., Any]] = {}

    def __getitem__(self, key: str) -> Callable[..., Any]:
        if key not in self._resolved:
            name = MEDIA_FUNCTIONS[key]
            module = importlib.import_module(MEDIA_MODULE)
            try:
                function = getattr(module, name)
            except AttributeError:
                raise RuntimeError(f"{MEDIA_MODULE} has no {name}(); the {key} preprocessing is missing") from None
            self._resolved[key] = partial(function, limits=self.limits) if key in ITEM_SHAPES else function
        return self._resolved[key]

    def __iter__(self):
        return iter(MEDIA_FUNCTIONS)

    def __len__(self) -> int:
        return len(MEDIA_FUNCTIONS)


def media_errors() -> tuple[type[BaseException], ...]:
    """The exception types that mean "this input cannot be read" (the media package's `MediaError`)."""
    try:
        module = importlib.import_module(MEDIA_MODULE)
    except ImportError:
        return (ValueError,)
    error = getattr(module, "MediaError", None)
    return (error, ValueError) if isinstance(error, type) else (ValueError,)
