"""Building blocks shared by the model files: multi-head attention on `scaled_dot_product_attention`, activations.

Attention is written once, on batch-first `(B, L, D)` tensors; each model keeps its checkpoint's parameter names
and only hands over its projections. The scale is `head_dim ** -0.5`, SDPA's default and that of both references.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def attend(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, heads: int, *, causal: bool = False,
           key_mask: torch.Tensor | None = None) -> torch.Tensor:
    """Softmax attention of `q` (B, Lq, D) over `k`/`v` (B, Lk, D) with `heads` heads; answers (B, Lq, D).
    `causal`: position i sees positions <= i (top-left aligned, as a `triu(1)` mask of -inf).
    `key_mask`: (B, Lk) bool, False for padding keys."""
    batch, length, dim = q.shape
    split = (batch, -1, heads, dim // heads)
    q, k, v = (t.reshape(split).transpose(1, 2) for t in (q, k, v))
    mask = None if key_mask is None else key_mask[:, None, None, :]
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=causal and mask is None)
    return out.transpose(1, 2).reshape(batch, length, dim)


class QuickGELU(nn.Module):
    """OpenAI CLIP's activation: x * sigmoid(1.702 x)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(1.702 * x)


class TanhGELU(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.gelu(x, approximate="tanh")


class NewGELU(nn.Module):
    """transformers' `gelu_new`: the tanh approximation written out (kept to the same float expression)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


ACTIVATIONS = {
    "quick_gelu": QuickGELU,
    "gelu": nn.GELU,
    "gelu_new": NewGELU,
    "gelu_pytorch_tanh": TanhGELU,
    "relu": nn.ReLU,
}


def activation(name: str, where: str) -> nn.Module:
    try:
        return ACTIVATIONS[name]()
    except KeyError:
        raise ValueError(f"{where}: activation {name!r} is not supported; supported: "
                         f"{', '.join(sorted(ACTIVATIONS))}") from None
