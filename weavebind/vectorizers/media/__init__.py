"""Media preprocessing for the in-process CLIP and ImageBind models, reference-exact, without torchvision/torchaudio.

Inputs are the raw bytes of a file (decode the wire format's base64 with `decode_base64`); outputs are float32
(token ids: int64) torch tensors in the layout the model code takes for one item; stack them for a batch.

| function | returns | reference |
| --- | --- | --- |
| `tokenize(texts, context_length=77)` | `int64[n, 77]`, 0-padded | ImageBind / OpenAI CLIP `SimpleTokenizer` |
| `tokenize_hf(texts)` | `HFTokens(input_ids, attention_mask)`, `int64[n, 77]` each | HF `CLIPTokenizerFast` |
| `preprocess_image(data)` | `float32[3, 224, 224]` | ImageBind / CLIP image transform |
| `preprocess_image_hf(data)` | `float32[3, 224, 224]` | HF `CLIPImageProcessorFast` (CLIP in HF layout) |
| `preprocess_audio(data)` | `float32[3, 1, 128, 204]` | ImageBind `load_and_transform_audio_data` |
| `preprocess_video(data)` | `float32[15, 3, 2, 224, 224]` | Weaviate BIND video loader (pytorchvideo, PyAV) |
| `preprocess_depth(data)` | `float32[1, 224, 224]` | Weaviate BIND depth/thermal transform |
| `preprocess_thermal(data)` | `float32[1, 224, 224]` | Weaviate BIND depth/thermal transform |
| `preprocess_imu(data)` | `float32[6, 2000]` | Weaviate BIND IMU loader, transposed (its reshape is a bug) |

Every payload problem raises `MediaError` (a `ValueError` with `.modality`), which the server answers with a 4xx.
Every media function takes `limits` (`weavebind.vectorizers.limits.MediaLimits`, the media limit
settings): pixels, duration, frames and samples are checked from the file's header before decoding (`bounds.py`).
`PREPROCESSORS` maps each media modality name of `weavebind.vectorizers.base.MODALITIES` to its function.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from weavebind.vectorizers.media.audio import decode_audio, preprocess_audio, waveform_to_clips
from weavebind.vectorizers.media.depth import preprocess_depth
from weavebind.vectorizers.media.errors import MODALITIES, MediaError, decode_base64
from weavebind.vectorizers.media.image import CLIP_MEAN, CLIP_STD, open_image, preprocess_image
from weavebind.vectorizers.media.image_hf import preprocess_image_hf
from weavebind.vectorizers.media.imu import preprocess_imu
from weavebind.vectorizers.media.thermal import preprocess_thermal
from weavebind.vectorizers.media.tokenizer import (
    CONTEXT_LENGTH,
    EOT_TOKEN,
    SOT_TOKEN,
    VOCAB_SIZE,
    HFTokens,
    tokenize,
    tokenize_hf,
)
from weavebind.vectorizers.media.video import preprocess_video

PREPROCESSORS: dict[str, Callable[[bytes], torch.Tensor]] = {
    "image": preprocess_image,
    "audio": preprocess_audio,
    "video": preprocess_video,
    "imu": preprocess_imu,
    "thermal": preprocess_thermal,
    "depth": preprocess_depth,
}

__all__ = [
    "CLIP_MEAN",
    "CLIP_STD",
    "CONTEXT_LENGTH",
    "EOT_TOKEN",
    "MODALITIES",
    "PREPROCESSORS",
    "SOT_TOKEN",
    "VOCAB_SIZE",
    "HFTokens",
    "MediaError",
    "decode_audio",
    "decode_base64",
    "open_image",
    "preprocess_audio",
    "preprocess_depth",
    "preprocess_image",
    "preprocess_image_hf",
    "preprocess_imu",
    "preprocess_thermal",
    "preprocess_video",
    "tokenize",
    "tokenize_hf",
    "waveform_to_clips",
]

