"""Stand-ins for `weavebind.vectorizers.media` with its signatures: deterministic tensors of the real shapes, derived
from the bytes, so model, batching and server tests do not depend on the decoders. Bytes that start with
`corrupt` fail the way unreadable media does (`ValueError`)."""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Sequence

import torch

from weavebind.vectorizers.models.preprocess import ITEM_SHAPES

SOT, EOT, CONTEXT = 49406, 49407, 77


def tokenize(texts: Sequence[str]) -> torch.Tensor:
    out = torch.zeros(len(texts), CONTEXT, dtype=torch.long)
    for row, text in enumerate(texts):
        ids = [SOT] + [1 + zlib.crc32(word.encode()) % 49000 for word in text.split()]
        ids = ids[: CONTEXT - 1] + [EOT]
        out[row, : len(ids)] = torch.tensor(ids)
    return out


def tokenize_hf(texts: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """As `tokenize`, padded with the end token (Hugging Face CLIP checkpoints pad with `<|endoftext|>`)."""
    ids = tokenize(texts)
    mask = (ids != 0).long()
    return ids.masked_fill(mask == 0, EOT), mask


def decode(value: str, modality: str) -> bytes:
    try:
        data = base64.b64decode(value, validate=True)
    except ValueError as exc:
        raise ValueError(f"{modality}: is not valid base64 ({exc})") from None
    if not data:
        raise ValueError(f"{modality}: is empty")
    return data


def _preprocessor(key: str):
    shape = ITEM_SHAPES[key]

    def preprocess(data: bytes) -> torch.Tensor:
        if data.startswith(b"corrupt"):
            raise ValueError(f"cannot decode the {key} file")
        seed = int.from_bytes(hashlib.sha256(data).digest()[:6], "big")
        return torch.randn(shape, generator=torch.Generator().manual_seed(seed))

    return preprocess


MEDIA = {"decode": decode, "texts": tokenize, "texts_hf": tokenize_hf,
         **{key: _preprocessor(key) for key in ITEM_SHAPES}}


def payload(key: str, index: int) -> str:
    """A base64 media item the fakes turn into a distinct tensor."""
    return base64.b64encode(f"{key}-{index}".encode()).decode()


CORRUPT = base64.b64encode(b"corrupt bytes").decode()
